#include "cuda/CudaBackend.h"

#include "KernelArgs.h"
#include "cuda/CudaCheck.h"
#include "io/Error.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace g4::rt::cuda {
namespace {

std::vector<uint32_t> externalBuffers(const plan::Program &program) {
  return {program.token_ids(), program.positions()};
}

uint32_t pagesPerSequence(const PlanFile &plan, const CudaBackendOptions &options) {
  const uint32_t pageSize = plan.kv().page_size();
  return (options.maxTokensPerSequence + pageSize - 1) / pageSize;
}

} // namespace

// Workspace sizes for the largest step the options allow.
struct CudaBackend::Sizes {
  uint64_t head = 0, tail = 0; // activation regions
  uint64_t bf16Input = 0, gated = 0, stacked = 0, splitMmaPartialFloats = 0, splitMmaCounters = 0,
           attentionPartialFloats = 0, halfInput = 0, halfWeights = 0, halfScalars = 0;
  uint64_t routerInput = 0, routerLogits = 0, moeOffsets = 0, moeActive = 0, moeSorted = 0, moeActivations = 0,
           moeOutputs = 0, moeInput = 0, moeGateUp = 0, moeSplit = 0;
  uint64_t gatherStaging = 0; // the largest AllGather's ranks x rows x width floats
  uint32_t experts = 0;

  Sizes(const PlanFile &plan, const CudaBackendOptions &options, const DeviceProperties &device,
        const ActivationLayout &layout) {
    const plan::Program &program = plan.program("forward");
    const uint64_t tokens = options.maxStepTokens;
    head = layout.headRowElements() * tokens * 4;
    tail = layout.tailRowElements() * options.maxSequences * 4;
    auto width = [&](uint32_t buffer) { return uint64_t(program.buffers()->Get(buffer)->width()); };
    uint64_t linearIn = 0, linearOut = 0, gatedInter = 0, headDim = 0, topK = 0, inter = 0, hidden = 0;
    for (uint32_t i = 0; i < program.instructions()->size(); ++i) {
      const plan::Instruction *inst = program.instructions()->Get(i);
      if (servesRows(*inst, kernels::KernelFamily::HalfGemm, uint32_t(tokens)))
        for (uint32_t weight : *inst->weights())
          halfWeights = std::max(halfWeights, elementCount(*plan.plan().weights()->Get(weight)) * 2);
      const uint64_t in0 = inst->inputs()->size() ? width(inst->inputs()->Get(0)) : 0;
      const uint64_t out0 = inst->outputs()->size() ? width(inst->outputs()->Get(0)) : 0;
      switch (inst->op_type()) {
      case plan::Op::Linear:
      case plan::Op::LmHead:
        linearIn = std::max(linearIn, in0);
        linearOut = std::max(linearOut, out0);
        break;
      case plan::Op::GatedLinear:
      case plan::Op::SliceGatedLinear:
        linearIn = std::max(linearIn, in0);
        linearOut = std::max(linearOut, out0);
        gatedInter = std::max(gatedInter, out0);
        break;
      case plan::Op::MultiLinear:
        linearIn = std::max(linearIn, in0);
        for (uint32_t buffer : *inst->outputs())
          linearOut = std::max(linearOut, width(buffer));
        break;
      case plan::Op::AllGather: {
        const uint64_t rows = i < layout.boundary() ? tokens : options.maxSequences;
        gatherStaging = std::max(gatherStaging, uint64_t(plan.plan().tensor_parallel()) * rows * in0 * 4);
        break;
      }
      case plan::Op::Attention:
        headDim = std::max<uint64_t>(headDim, inst->op_as_Attention()->head_dim());
        break;
      case plan::Op::MoeRouter:
        routerInput = std::max(routerInput, tokens * in0 * 4);
        routerLogits = std::max<uint64_t>(routerLogits, tokens * inst->op_as_MoeRouter()->num_experts() * 4);
        linearIn = std::max(linearIn, in0);
        linearOut = std::max<uint64_t>(linearOut, inst->op_as_MoeRouter()->num_experts());
        break;
      case plan::Op::MoeExperts: {
        const plan::MoeExperts &op = *inst->op_as_MoeExperts();
        experts = std::max(experts, op.num_experts());
        topK = std::max<uint64_t>(topK, op.top_k());
        inter = std::max<uint64_t>(inter, op.intermediate());
        hidden = std::max(hidden, in0);
        break;
      }
      default:
        break;
      }
    }
    // The plan's kernel choices say which paths a step of up to `tokens` rows can take.
    using kernels::KernelFamily;
    const uint32_t stackedRows = largestRowsServed(program, KernelFamily::SplitGemmStacked, uint32_t(tokens));
    const bool split = stackedRows > 0 || largestRowsServed(program, KernelFamily::SplitGemm, uint32_t(tokens)) > 0;
    bf16Input = split ? 2 * tokens * linearIn * 2 : 0; // hi and lo
    if (halfWeights)
      halfInput = tokens * linearIn * 2;
    gated = tokens * 2 * gatedInter * 4;
    stacked = 2 * uint64_t(stackedRows) * linearOut * 4;
    if (largestRowsServed(program, KernelFamily::SplitMma, uint32_t(tokens)) > 0) {
      splitMmaPartialFloats = g4k::splitMmaPartialFloats(device.multiprocessors);
      splitMmaCounters = uint64_t(g4k::splitMmaCounters(device.multiprocessors));
    }
    // Splits are only used while tiles x KV heads < 2 x SMs, so blocks x splits < 4 x SMs.
    attentionPartialFloats =
        4ull * uint64_t(device.multiprocessors) * attentionTiling(program).maxTileRows * (headDim + 2);
    const uint64_t entries = tokens * topK, rows = experts ? entries + kMoeGemmSlack : 0;
    moeOffsets = moeActive = (experts + 1) * 4;
    moeSorted = entries * 4;
    moeActivations = rows * inter * 4;
    moeOutputs = rows * hidden * 4;
    const bool moeHalf = largestRowsServed(program, KernelFamily::MoeExpertHalfGemm, uint32_t(tokens)) > 0;
    const bool moeSplitGemm = largestRowsServed(program, KernelFamily::MoeExpertGemm, uint32_t(tokens)) > 0;
    const bool moeGemm = moeHalf || moeSplitGemm;
    if (moeGemm || largestRowsServed(program, KernelFamily::MoeExpertWgmma, uint32_t(tokens)) > 0)
      moeInput = rows * hidden * 4; // the tokens gathered in expert order
    if (moeGemm)
      moeGateUp = rows * 2 * inter * 4;
    if (moeSplitGemm)
      moeSplit = 2 * rows * std::max(hidden, inter) * 2;
    if (moeHalf) { // the f16 copies of the gathered tokens (or activations) and of one expert's weights
      halfInput = std::max(halfInput, rows * std::max(hidden, inter) * 2);
      halfWeights = std::max(halfWeights, 2 * inter * hidden * 2);
    }
    if (halfWeights)
      halfScalars = kHalfScalarsBytes;
  }

  uint64_t workspace() const {
    return alignBytes(bf16Input) + alignBytes(gated) + alignBytes(stacked) + alignBytes(halfInput) +
           alignBytes(halfWeights) + alignBytes(halfScalars) + alignBytes(splitMmaPartialFloats * 4) +
           alignBytes(splitMmaCounters * 4) + alignBytes(attentionPartialFloats * 4) + alignBytes(routerInput) +
           alignBytes(routerLogits) + alignBytes(moeOffsets) + alignBytes(moeActive) + 3 * alignBytes(moeSorted) +
           alignBytes(moeActivations) + alignBytes(moeOutputs) + alignBytes(moeInput) + alignBytes(moeGateUp) +
           alignBytes(moeSplit) + alignBytes(gatherStaging);
  }
};

size_t CudaBackend::workspaceBytes(const PlanFile &plan, const CudaBackendOptions &options,
                                   const DeviceProperties &device) {
  const plan::Program &program = plan.program("forward");
  const ActivationLayout layout(program, externalBuffers(program));
  const Sizes sizes(plan, options, device, layout);
  const size_t inputs = StepInputs::bytesFor({options.maxStepTokens, options.maxSequences,
                                              pagesPerSequence(plan, options), attentionTiling(program).tileTokens});
  return alignBytes(sizes.head) + alignBytes(sizes.tail) + sizes.workspace() + Gemm::kWorkspaceBytes + inputs +
         alignBytes(options.maxSequences * 4) + alignBytes(options.maxSequences * sizeof(g4k::SampleRowParams));
}

CudaBackend::CudaBackend(const PlanFile &plan, const Device &device, const KernelLibrary &library,
                         const CudaWeights &weights, const KvCache &kv, const CudaBackendOptions &options,
                         const DeviceCollectives *collectives)
    : plan_(plan), program_(plan.program("forward")), device_(device), options_(options),
      kernels_(library, plan.plan()), weights_(weights), layout_(program_, externalBuffers(program_)),
      inputs_({options.maxStepTokens, options.maxSequences, pagesPerSequence(plan, options),
               attentionTiling(program_).tileTokens},
              kv.layout()),
      kvStorage_(kv.layout(), {kv.capacity(plan::AttentionKind::Sliding), kv.capacity(plan::AttentionKind::Full)}) {
  const uint32_t ranks = plan.plan().tensor_parallel();
  if ((collectives ? collectives->ranks() : 1) != ranks)
    throw Error("CUDA backend: the plan has " + std::to_string(ranks) + " tensor-parallel rank(s), the collectives " +
                std::to_string(collectives ? collectives->ranks() : 1));
  if (collectives && !collectives->capturable())
    options_.cudaGraphs = false;
  if (options.maxSequences == 0 || options.maxStepTokens < options.maxSequences)
    throw Error("CUDA backend: --max-step-tokens (" + std::to_string(options.maxStepTokens) +
                ") must be at least --max-sequences (" + std::to_string(options.maxSequences) + "), which is >= 1");
  const Sizes sizes(plan, options, device.properties(), layout_);
  head_ = DeviceBuffer(sizes.head, "activations (step tokens)");
  tail_ = DeviceBuffer(sizes.tail, "activations (logits rows)");
  workspace_ = DeviceBuffer(sizes.workspace(), "op workspace");
  tokens_ = DeviceBuffer(options.maxSequences * sizeof(int32_t), "selected tokens");
  sampleParams_ = DeviceBuffer(options.maxSequences * sizeof(g4k::SampleRowParams), "sampling parameters");
  sampleParamsHost_ = PinnedBuffer(options.maxSequences * sizeof(g4k::SampleRowParams), "sampling parameters");

  env_.stream = device.stream();
  env_.device = &device.properties();
  env_.kernels = &kernels_;
  env_.gemm = &gemm_;
  env_.inputs = &inputs_;
  env_.kv = &kvStorage_;
  env_.hostSync = true;
  env_.programmatic = options.programmaticLaunch && device.properties().major >= 9;
  env_.collectives = collectives;
  env_.rank = collectives ? collectives->rank() : 0;
  env_.ranks = ranks;
  CUdeviceptr next = workspace_.get();
  auto take = [&](uint64_t bytes) {
    const CUdeviceptr p = next;
    next += alignBytes(bytes);
    return p;
  };
  OpWorkspace &w = env_.workspace;
  w.bf16Input = take(sizes.bf16Input);
  w.gated = take(sizes.gated);
  w.stacked = take(sizes.stacked);
  w.halfInput = take(sizes.halfInput);
  w.halfWeights = take(sizes.halfWeights);
  w.halfScalars = take(sizes.halfScalars);
  if (sizes.halfScalars)
    G4_CUDA_CALL(driver(), cuMemsetD32Async, halfZero(w), 0u, 1, env_.stream);
  w.splitMmaPartial = take(sizes.splitMmaPartialFloats * 4);
  w.splitMmaPartialFloats = sizes.splitMmaPartialFloats;
  w.splitMmaCounters = take(sizes.splitMmaCounters * 4);
  w.splitMmaCounterCount = uint32_t(sizes.splitMmaCounters);
  if (sizes.splitMmaCounters)
    G4_CUDA_CALL(driver(), cuMemsetD32Async, w.splitMmaCounters, 0u, sizes.splitMmaCounters, env_.stream);
  w.attentionPartial = take(sizes.attentionPartialFloats * 4);
  w.attentionPartialFloats = sizes.attentionPartialFloats;
  w.routerInput = take(sizes.routerInput);
  w.routerLogits = take(sizes.routerLogits);
  w.moeOffsets = take(sizes.moeOffsets);
  w.moeActive = take(sizes.moeActive);
  w.moeSorted = take(sizes.moeSorted);
  w.moeSlots = take(sizes.moeSorted);
  w.moeSortedTokens = take(sizes.moeSorted);
  w.moeActivations = take(sizes.moeActivations);
  w.moeOutputs = take(sizes.moeOutputs);
  w.moeInput = take(sizes.moeInput);
  w.moeGateUp = take(sizes.moeGateUp);
  w.moeSplit = take(sizes.moeSplit);
  w.gatherStaging = take(sizes.gatherStaging);
  moeOffsetsHost_ = PinnedBuffer((sizes.experts + 1) * sizeof(int32_t), "MoE expert offsets");
  w.moeOffsetsHost = static_cast<int32_t *>(moeOffsetsHost_.get());
  if (options.profile)
    profile_ = std::make_unique<OpProfile>(program_.instructions()->size());
  bind();
}

void CudaBackend::bind() {
  const uint32_t numInstructions = program_.instructions()->size();
  auto external = [&](uint32_t buffer) -> CUdeviceptr {
    if (buffer == program_.token_ids())
      return inputs_.tokenIds();
    if (buffer == program_.positions())
      return inputs_.positions();
    return 0;
  };
  auto headAddress = [&](uint32_t buffer) {
    if (CUdeviceptr p = external(buffer))
      return p;
    return head_.get() + uint64_t(layout_.headOffset(buffer)) * options_.maxStepTokens * 4;
  };
  for (uint32_t i = 0; i < numInstructions; ++i) {
    const plan::Instruction &inst = *program_.instructions()->Get(i);
    const bool inHead = i < layout_.boundary();
    auto address = [&](uint32_t buffer) { return inHead ? headAddress(buffer) : tailAddress(buffer); };
    BoundInstruction b;
    b.inst = &inst;
    b.choices = KernelChoices(inst, kernels_);
    for (uint32_t buffer : *inst.inputs()) {
      b.in.push_back(address(buffer));
      b.inWidth.push_back(program_.buffers()->Get(buffer)->width());
    }
    for (uint32_t buffer : *inst.outputs()) {
      b.out.push_back(address(buffer));
      b.outWidth.push_back(program_.buffers()->Get(buffer)->width());
    }
    if (inst.weights())
      for (uint32_t weight : *inst.weights()) {
        b.weights.push_back(weights_[weight]);
        b.weightInfo.push_back(plan_.plan().weights()->Get(weight));
        b.weightExponents.push_back(weights_.halfExponent(weight));
      }
    bound_.push_back(std::move(b));
  }
  for (uint32_t buffer : layout_.crossing()) {
    gathers_.emplace_back(headAddress(buffer), tailAddress(buffer));
    gatherWidths_.push_back(program_.buffers()->Get(buffer)->width());
  }
}

CUdeviceptr CudaBackend::tailAddress(uint32_t buffer) const {
  return tail_.get() + uint64_t(layout_.tailOffset(buffer)) * options_.maxSequences * 4;
}

void CudaBackend::runRange(uint32_t begin, uint32_t end, uint32_t rows) {
  for (uint32_t i = begin; i < end; ++i) {
    if (profile_)
      profile_->begin(i, device_.stream());
    runInstruction(env_, bound_[i], rows);
    if (profile_)
      profile_->end(i, plan::EnumNameOp(bound_[i].inst->op_type()), device_.stream());
    if (options_.syncEachInstruction) {
      try {
        device_.synchronize();
      } catch (const Error &e) {
        throw Error("instruction " + std::to_string(i) + " (" + plan::EnumNameOp(bound_[i].inst->op_type()) +
                    ") failed on the GPU: " + e.what());
      }
    }
  }
}

void CudaBackend::finishPass() {
  device_.synchronize();
  if (profile_)
    profile_->collect();
}

void CudaBackend::runHead(uint32_t rows) { runRange(0, layout_.boundary(), rows); }

void CudaBackend::runTail(uint32_t rows) {
  for (size_t g = 0; g < gathers_.size(); ++g)
    runGatherRows(env_, gathers_[g].first, gathers_[g].second, inputs_.rows(), rows, gatherWidths_[g]);
  runRange(layout_.boundary(), program_.instructions()->size(), rows);
}

void CudaBackend::forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) {
  device_.makeCurrent();
  const uint32_t tokens = uint32_t(batch.size());
  const uint32_t vocab = plan_.model().vocab_size();
  const CUstream stream = device_.stream();
  inputs_.upload(batch, kv, stream);
  runHead(tokens);
  logits.resize(size_t(tokens) * vocab);
  const CUdeviceptr tailLogits = tailAddress(program_.logits());
  std::vector<uint32_t> rows;
  for (uint32_t first = 0; first < tokens; first += options_.maxSequences) {
    const uint32_t count = std::min(options_.maxSequences, tokens - first);
    rows.resize(count);
    for (uint32_t r = 0; r < count; ++r)
      rows[r] = first + r;
    inputs_.uploadRows(rows, stream);
    runTail(count);
    G4_CUDA_CALL(driver(), cuMemcpyDtoHAsync, logits.data() + size_t(first) * vocab, tailLogits,
                 size_t(count) * vocab * sizeof(float), stream);
    finishPass(); // the rows' staging is reused by the next pass
  }
}

void CudaBackend::runDecode(uint32_t rows, GraphCache &graphs, const SelectFn &select) {
  auto record = [&] {
    runHead(rows);
    runTail(rows);
    select(0, rows);
  };
  if (options_.cudaGraphs && !options_.syncEachInstruction && !profile_) {
    env_.hostSync = false; // nothing may wait for the GPU inside a capture
    try {
      graphs.launch(rows, device_.stream(), record);
    } catch (...) {
      env_.hostSync = true;
      throw;
    }
    env_.hostSync = true;
  } else {
    record();
  }
}

void CudaBackend::forwardSelecting(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                                   GraphCache &graphs, const SelectFn &select, std::vector<int32_t> &tokens) {
  device_.makeCurrent();
  const uint32_t numTokens = uint32_t(batch.size());
  const CUstream stream = device_.stream();
  inputs_.upload(batch, kv, stream);
  tokens.resize(rows.size());
  // One token per sequence, each one's token wanted: a decode step, the same
  // launches for every step of this size.
  if (rows.size() == numTokens && numTokens <= options_.maxSequences && inputs_.oneTokenPerTile()) {
    inputs_.uploadRows(rows, stream);
    runDecode(numTokens, graphs, select);
    G4_CUDA_CALL(driver(), cuMemcpyDtoHAsync, tokens.data(), tokens_.get(), rows.size() * sizeof(int32_t), stream);
    finishPass();
    return;
  }
  runHead(numTokens);
  for (size_t first = 0; first < rows.size(); first += options_.maxSequences) {
    const uint32_t count = uint32_t(std::min<size_t>(options_.maxSequences, rows.size() - first));
    inputs_.uploadRows(rows.subspan(first, count), stream);
    runTail(count);
    select(uint32_t(first), count);
    G4_CUDA_CALL(driver(), cuMemcpyDtoHAsync, tokens.data() + first, tokens_.get(), count * sizeof(int32_t), stream);
    finishPass();
  }
  if (rows.empty())
    finishPass(); // a step that only fills the KV cache (a prompt chunk that samples nothing)
}

void CudaBackend::forwardGreedy(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                                std::vector<int32_t> &tokens) {
  const CUdeviceptr tailLogits = tailAddress(program_.logits());
  forwardSelecting(
      batch, kv, rows, greedyGraphs_,
      [&](uint32_t, uint32_t count) { runArgmax(env_, tailLogits, tokens_.get(), count, plan_.model().vocab_size()); },
      tokens);
}

void CudaBackend::forwardSampled(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                                 std::span<const RowSampling> sampling, std::vector<int32_t> &tokens) {
  const bool greedy =
      std::all_of(sampling.begin(), sampling.end(), [](const RowSampling &s) { return s.temperature == 0; });
  if (greedy)
    return forwardGreedy(batch, kv, rows, tokens);
  if (rows.size() > options_.maxSequences)
    throw Error("CUDA backend: " + std::to_string(rows.size()) + " sampled rows in one step, above --max-sequences (" +
                std::to_string(options_.maxSequences) + ")");
  auto *params = static_cast<g4k::SampleRowParams *>(sampleParamsHost_.get());
  for (size_t i = 0; i < sampling.size(); ++i) {
    const RowSampling &s = sampling[i];
    // log(min_p) exactly as MinPStage computes it (std::log of a float).
    const float logMinP = s.minP > 0 ? std::log(s.minP) : -std::numeric_limits<float>::infinity();
    params[i] = {s.uniform, s.temperature, s.topP, logMinP, int(s.topK)};
  }
  device_.makeCurrent();
  G4_CUDA_CALL(driver(), cuMemcpyHtoDAsync, sampleParams_.get(), params, sampling.size() * sizeof(*params),
               device_.stream());
  const CUdeviceptr tailLogits = tailAddress(program_.logits());
  forwardSelecting(
      batch, kv, rows, sampledGraphs_,
      [&](uint32_t first, uint32_t count) {
        runSampleRows(env_, tailLogits, sampleParams_.get() + first * sizeof(*params), tokens_.get(), count,
                      plan_.model().vocab_size());
      },
      tokens);
  const uint32_t vocab = plan_.model().vocab_size();
  for (int32_t token : tokens)
    if (token < 0 || uint32_t(token) >= vocab)
      throw Error("CUDA backend: the sampling kernel chose token " + std::to_string(token) + ", outside [0, " +
                  std::to_string(vocab) + ")");
}

} // namespace g4::rt::cuda
