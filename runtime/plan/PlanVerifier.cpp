#include "plan/PlanVerifier.h"

#include "io/Error.h"
#include "plan/ChoiceVerifier.h"
#include "plan/InstructionVerifier.h"
#include "plan/VerifierSupport.h"

#include <cstdint>
#include <limits>
#include <set>
#include <vector>

namespace g4::rt {

namespace {

using plan::AttentionKind;
using plan::DType;
using namespace verify;

// Bounds that keep KV pool sizes far from overflowing 64-bit arithmetic.
constexpr uint32_t kMaxPageSize = 1u << 16;
constexpr uint64_t kMaxKvRowElements = 1u << 24;

uint64_t dtypeBytes(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::BF16:
  case DType::F16:
    return 2;
  }
  return 0;
}

constexpr uint32_t kMaxRanks = 64; // gemma4c --tp accepts 1-64

class PlanChecker {
public:
  PlanChecker(const plan::Plan &plan, const std::string &where) : plan_(plan), where_(where) {}

  void run() {
    checkModel();
    checkWeightFiles();
    checkWeights();
    checkKvSpec();
    checkPrograms();
  }

private:
  [[noreturn]] void fail(const std::string &what) const { throw Error(where_ + ": " + what); }
  const plan::ModelInfo &model() const { return *plan_.model(); }

  void checkModel() const;
  void checkWeightFiles() const;
  void checkWeights() const;
  void checkSlices(const plan::Weight &w, uint64_t bytes, const std::string &label) const;
  void checkKvSpec() const;
  void checkPrograms() const;
  void checkProgram(const plan::Program &program) const;

  const plan::Plan &plan_;
  const std::string &where_;
};

void PlanChecker::checkModel() const {
  const plan::ModelInfo *m = plan_.model();
  if (!m)
    fail("model info missing");
  if (m->vocab_size() == 0)
    fail("model.vocab_size is 0");
  if (m->hidden_size() == 0)
    fail("model.hidden_size is 0");
  if (m->num_layers() == 0)
    fail("model.num_layers is 0");
  if (m->max_position_embeddings() == 0)
    fail("model.max_position_embeddings is 0");
  if (!(m->final_logit_softcapping() >= 0))
    fail("model.final_logit_softcapping must be >= 0 (0 = none)");
  if (plan_.tensor_parallel() == 0 || plan_.tensor_parallel() > kMaxRanks)
    fail("tensor_parallel " + std::to_string(plan_.tensor_parallel()) + " is outside [1, " + std::to_string(kMaxRanks) +
         "]");
  if (!plan_.checkpoint_dir())
    fail("checkpoint_dir missing");
}

void PlanChecker::checkWeightFiles() const {
  if (!plan_.weight_files())
    fail("weight_files missing");
  for (uint32_t i = 0; i < plan_.weight_files()->size(); ++i) {
    const plan::WeightFile &f = *plan_.weight_files()->Get(i);
    if (!f.path() || f.path()->size() == 0)
      fail("weight_files[" + std::to_string(i) + "].path is empty");
  }
}

void PlanChecker::checkWeights() const {
  if (!plan_.weights())
    fail("weights missing");
  const uint32_t numFiles = plan_.weight_files()->size();
  for (uint32_t i = 0; i < plan_.weights()->size(); ++i) {
    const plan::Weight &w = *plan_.weights()->Get(i);
    std::string label = "weights[" + std::to_string(i) + "]";
    if (!w.name())
      fail(label + ".name missing");
    label += " '" + w.name()->str() + "'";
    const bool generated = plan_.dummy_weights(); // no file: the runtime generates the values
    if (!generated && w.file() >= numFiles)
      fail(label + ": file " + std::to_string(w.file()) + " is out of range (the plan has " + std::to_string(numFiles) +
           " weight files)");
    if (w.dtype() != DType::F32 && w.dtype() != DType::BF16 && w.dtype() != DType::F16)
      fail(label + ": dtype " + dtypeName(w.dtype()) + " is not a weight dtype (F32, BF16, F16)");
    if (!w.shape())
      fail(label + ": shape missing");
    uint64_t bytes = dtypeBytes(w.dtype());
    for (int64_t d : *w.shape()) {
      if (d < 0)
        fail(label + ": negative dimension in shape " + shapeString(*w.shape()));
      if (d > 0 && bytes > std::numeric_limits<uint64_t>::max() / uint64_t(d))
        fail(label + ": shape " + shapeString(*w.shape()) + " is too large");
      bytes *= uint64_t(d);
    }
    if (w.slices() && w.slices()->size() != 0) {
      checkSlices(w, bytes, label);
    } else if (w.size() != bytes) {
      fail(label + ": size is " + std::to_string(w.size()) + " bytes, dtype " + dtypeName(w.dtype()) + " and shape " +
           shapeString(*w.shape()) + " need " + std::to_string(bytes));
    }
    if (generated)
      continue;
    const plan::WeightFile &file = *plan_.weight_files()->Get(w.file());
    if (w.offset() > file.size() || w.size() > file.size() - w.offset())
      fail(label + ": bytes [" + std::to_string(w.offset()) + ", " + std::to_string(w.offset() + w.size()) +
           ") run past the end of weight file '" + file.path()->str() + "' (" + std::to_string(file.size()) +
           " bytes)");
  }
}

// A split weight: one slice per rank, each `bytes` long and inside the
// checkpoint tensor's bytes [offset, offset + size).
void PlanChecker::checkSlices(const plan::Weight &w, uint64_t bytes, const std::string &label) const {
  const uint32_t ranks = plan_.tensor_parallel();
  if (w.slices()->size() != ranks)
    fail(label + ": has " + std::to_string(w.slices()->size()) + " slices for " + std::to_string(ranks) +
         " tensor-parallel ranks");
  for (uint32_t r = 0; r < ranks; ++r) {
    const plan::WeightSlice &s = *w.slices()->Get(r);
    const std::string slice = label + ": slice of rank " + std::to_string(r);
    if (s.runs() == 0 || s.run_bytes() == 0 || s.run_bytes() > bytes || s.runs() != bytes / s.run_bytes() ||
        bytes % s.run_bytes() != 0)
      fail(slice + ": " + std::to_string(s.runs()) + " runs of " + std::to_string(s.run_bytes()) +
           " bytes do not make the " + std::to_string(bytes) + " bytes of shape " + shapeString(*w.shape()));
    if (s.runs() > 1 && s.stride() < s.run_bytes())
      fail(slice + ": stride " + std::to_string(s.stride()) + " is shorter than a run");
    const uint64_t span = (s.runs() - 1) * s.stride() + s.run_bytes();
    if (s.offset() < w.offset() || s.offset() - w.offset() > w.size() || span > w.size() - (s.offset() - w.offset()))
      fail(slice + ": bytes [" + std::to_string(s.offset()) + ", " + std::to_string(s.offset() + span) +
           ") leave the tensor's [" + std::to_string(w.offset()) + ", " + std::to_string(w.offset() + w.size()) + ")");
  }
}

void PlanChecker::checkKvSpec() const {
  const plan::KvSpec *kv = plan_.kv();
  if (!kv)
    fail("kv spec missing");
  if (kv->page_size() == 0 || kv->page_size() > kMaxPageSize)
    fail("kv.page_size " + std::to_string(kv->page_size()) + " is outside [1, " + std::to_string(kMaxPageSize) + "]");
  const uint32_t numLayers = model().num_layers();
  if (sizeOf(kv->layers()) != numLayers)
    fail("kv.layers has " + std::to_string(sizeOf(kv->layers())) + " entries, model.num_layers is " +
         std::to_string(numLayers) + " (one entry per decoder layer)");
  for (uint32_t i = 0; i < numLayers; ++i) {
    const plan::KvLayer &l = *kv->layers()->Get(i);
    const std::string label = "kv.layers[" + std::to_string(i) + "]";
    if (l.layer() != i)
      fail(label + ".layer is " + std::to_string(l.layer()) + " (entries must be in layer order)");
    if (!isKnownKind(l.kind()))
      fail(label + ".kind " + std::to_string(int(l.kind())) + " is unknown");
    if (l.head_dim() == 0 || l.num_kv_heads() == 0)
      fail(label + ": head_dim and num_kv_heads must be positive");
    if (uint64_t(l.head_dim()) * l.num_kv_heads() > kMaxKvRowElements)
      fail(label + ": head_dim * num_kv_heads = " + std::to_string(uint64_t(l.head_dim()) * l.num_kv_heads()) +
           " exceeds " + std::to_string(kMaxKvRowElements));
    if (l.kind() == AttentionKind::Full && l.window() != 0)
      fail(label + ": a Full layer must have window 0, found " + std::to_string(l.window()));
    if (l.kind() == AttentionKind::Sliding && l.window() == 0)
      fail(label + ": a Sliding layer needs a window > 0");
    if (l.owner() >= numLayers)
      fail(label + ".owner " + std::to_string(l.owner()) + " is out of range (" + std::to_string(numLayers) +
           " layers)");
    if (l.owner() == i)
      continue;
    const plan::KvLayer &owner = *kv->layers()->Get(l.owner());
    const std::string ownerLabel = "owner " + std::to_string(l.owner());
    if (owner.owner() != owner.layer())
      fail(label + ": " + ownerLabel + " is itself KV-shared (owners must hold storage)");
    if (owner.kind() != l.kind())
      fail(label + ": " + ownerLabel + " is a " + kindName(owner.kind()) + " layer, layer " + std::to_string(i) +
           " is " + kindName(l.kind()));
    if (owner.head_dim() != l.head_dim() || owner.num_kv_heads() != l.num_kv_heads() || owner.window() != l.window())
      fail(label + ": head_dim/num_kv_heads/window " + std::to_string(l.head_dim()) + "/" +
           std::to_string(l.num_kv_heads()) + "/" + std::to_string(l.window()) + " differ from " + ownerLabel + "'s " +
           std::to_string(owner.head_dim()) + "/" + std::to_string(owner.num_kv_heads()) + "/" +
           std::to_string(owner.window()));
  }
}

void PlanChecker::checkPrograms() const {
  if (sizeOf(plan_.programs()) == 0)
    fail("the plan has no programs");
  std::set<std::string> names;
  for (uint32_t i = 0; i < plan_.programs()->size(); ++i) {
    const plan::Program &program = *plan_.programs()->Get(i);
    if (!program.name())
      fail("programs[" + std::to_string(i) + "].name missing");
    if (!names.insert(program.name()->str()).second)
      fail("two programs are named '" + program.name()->str() + "'");
    checkProgram(program);
  }
}

void PlanChecker::checkProgram(const plan::Program &program) const {
  const std::string label = "program '" + program.name()->str() + "'";
  const uint32_t numBuffers = sizeOf(program.buffers());
  if (numBuffers == 0)
    fail(label + " has no buffers");
  for (uint32_t i = 0; i < numBuffers; ++i) {
    const plan::Buffer &b = *program.buffers()->Get(i);
    const std::string bl = label + " buffers[" + std::to_string(i) + "]";
    if (b.width() == 0)
      fail(bl + ".width is 0");
    if (b.dtype() != DType::F32 && b.dtype() != DType::I32)
      fail(bl + ".dtype " + dtypeName(b.dtype()) + " is not a buffer dtype (F32, I32)");
  }
  auto checkIo = [&](const char *field, uint32_t index, DType dtype, uint32_t width) {
    if (index >= numBuffers)
      fail(label + "." + field + " " + std::to_string(index) + " is out of range (" + std::to_string(numBuffers) +
           " buffers)");
    const plan::Buffer &b = *program.buffers()->Get(index);
    if (b.dtype() != dtype || b.width() != width)
      fail(label + "." + field + " buffer " + std::to_string(index) + " is " + dtypeName(b.dtype()) + " width " +
           std::to_string(b.width()) + ", must be " + dtypeName(dtype) + " width " + std::to_string(width));
  };
  checkIo("token_ids", program.token_ids(), DType::I32, 1);
  checkIo("positions", program.positions(), DType::I32, 1);
  checkIo("logits", program.logits(), DType::F32, model().vocab_size());
  if (program.token_ids() == program.positions())
    fail(label + ": token_ids and positions are the same buffer");

  // Dataflow: inputs are written before they are read; KV caches likewise.
  std::vector<bool> written(numBuffers, false);
  written[program.token_ids()] = written[program.positions()] = true;
  std::set<uint32_t> kvWritten;
  for (uint32_t i = 0; i < sizeOf(program.instructions()); ++i) {
    const plan::Instruction &inst = *program.instructions()->Get(i);
    verifyInstruction(plan_, program, i, where_);
    const std::string il = label + " instruction " + std::to_string(i) + " (" + plan::EnumNameOp(inst.op_type()) + ")";
    if (verify::sizeOf(plan_.kernels()) > 0) // a CUDA plan
      verifyKernelChoices(inst, where_ + ": " + il);
    for (uint32_t k = 0; k < sizeOf(inst.inputs()); ++k)
      if (!written[inst.inputs()->Get(k)])
        fail(il + ": inputs[" + std::to_string(k) + "] (buffer " + std::to_string(inst.inputs()->Get(k)) +
             ") is read before any instruction writes it");
    for (uint32_t k = 0; k < sizeOf(inst.outputs()); ++k) {
      uint32_t out = inst.outputs()->Get(k);
      if (out == program.token_ids() || out == program.positions())
        fail(il + ": outputs[" + std::to_string(k) + "] overwrites the program's token_ids or positions input");
      for (uint32_t j = 0; j < k; ++j)
        if (inst.outputs()->Get(j) == out)
          fail(il + ": outputs[" + std::to_string(j) + "] and outputs[" + std::to_string(k) + "] are the same buffer");
      written[out] = true;
    }
    if (const plan::Attention *att = inst.op_as_Attention()) {
      if (att->writes_kv())
        kvWritten.insert(att->cache_layer());
      else if (!kvWritten.count(att->cache_layer()))
        fail(il + ": reads the KV cache of layer " + std::to_string(att->cache_layer()) +
             " before any instruction writes it");
    }
  }
  if (!written[program.logits()])
    fail(label + ": the logits buffer " + std::to_string(program.logits()) + " is never written");
}
} // namespace

void verifyPlanMeaning(const plan::Plan &plan, const std::string &where) { PlanChecker(plan, where).run(); }

} // namespace g4::rt
