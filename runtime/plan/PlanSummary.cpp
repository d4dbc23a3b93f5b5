#include "plan/PlanSummary.h"

#include "kv/KvLayout.h"

#include <array>
#include <iomanip>
#include <map>

namespace g4::rt {

namespace {

void printModel(const plan::Plan &p, std::ostream &out) {
  const plan::ModelInfo &m = *p.model();
  out << "model: " << (m.model_type() ? m.model_type()->str() : "?") << ", vocab " << m.vocab_size() << ", hidden "
      << m.hidden_size() << ", " << m.num_layers() << " layers, max positions " << m.max_position_embeddings() << "\n";
  out << "  bos " << m.bos_token_id() << ", pad " << m.pad_token_id() << ", eos [";
  if (m.eos_token_ids())
    for (uint32_t i = 0; i < m.eos_token_ids()->size(); ++i)
      out << (i ? ", " : "") << m.eos_token_ids()->Get(i);
  out << "], final logit softcapping ";
  if (m.final_logit_softcapping() > 0)
    out << m.final_logit_softcapping() << "\n";
  else
    out << "none\n";
}

void printWeights(const PlanFile &plan, std::ostream &out) {
  const plan::Plan &p = plan.plan();
  uint64_t totalBytes = 0;
  for (const plan::WeightFile *f : *p.weight_files())
    totalBytes += f->size();
  out << "checkpoint dir: " << plan.checkpointDir().string() << "\n";
  out << "weight files: " << p.weight_files()->size() << ", " << totalBytes << " bytes\n";
  for (const plan::WeightFile *f : *p.weight_files())
    out << "  " << f->path()->str() << "  " << f->size() << " bytes\n";
  std::map<std::string, size_t> perDtype;
  for (const plan::Weight *w : *p.weights())
    ++perDtype[plan::EnumNameDType(w->dtype())];
  out << "weights: " << p.weights()->size();
  const char *sep = " (";
  for (const auto &[dtype, count] : perDtype) {
    out << sep << dtype << " " << count;
    sep = ", ";
  }
  out << (perDtype.empty() ? "" : ")") << "\n";
  if (p.tensor_parallel() > 1) {
    size_t split = 0;
    for (const plan::Weight *w : *p.weights())
      split += w->slices() && w->slices()->size();
    out << "tensor parallel: " << p.tensor_parallel() << " ranks, " << split << " weights split (each rank reads its "
        << "byte ranges of the checkpoint), the rest read whole by every rank\n";
  }
}

void printPrograms(const plan::Plan &p, std::ostream &out) {
  for (const plan::Program *program : *p.programs()) {
    const uint32_t numInstructions = program->instructions() ? program->instructions()->size() : 0;
    out << "program '" << program->name()->str() << "': " << program->buffers()->size() << " buffers, "
        << numInstructions << " instructions\n";
    std::array<size_t, size_t(plan::Op::MAX) + 1> perOp{};
    for (uint32_t i = 0; i < numInstructions; ++i)
      ++perOp[size_t(program->instructions()->Get(i)->op_type())];
    out << " ";
    for (size_t op = 1; op < perOp.size(); ++op)
      if (perOp[op])
        out << " " << plan::EnumNameOp(plan::Op(op)) << " " << perOp[op];
    out << "\n";
  }
}

void printKv(const plan::Plan &p, std::ostream &out) {
  const plan::KvSpec &kv = *p.kv();
  out << "kv: page size " << kv.page_size() << " tokens\n";
  out << "  layer  kind     head_dim  kv_heads  window  owner\n";
  for (const plan::KvLayer *l : *kv.layers())
    out << "  " << std::left << std::setw(7) << l->layer() << std::setw(9) << plan::EnumNameAttentionKind(l->kind())
        << std::setw(10) << l->head_dim() << std::setw(10) << l->num_kv_heads() << std::setw(8) << l->window()
        << l->owner() << (l->owner() == l->layer() ? "" : " (shared)") << "\n"
        << std::right;
  const KvLayout layout(kv, sizeof(float));
  for (plan::AttentionKind kind : {plan::AttentionKind::Sliding, plan::AttentionKind::Full}) {
    const KvPoolLayout &pool = layout.pool(kind);
    out << "  " << (kind == plan::AttentionKind::Sliding ? "sliding" : "full") << " pool: " << pool.storageLayers.size()
        << " storage layers, " << pool.bytesPerToken << " bytes per token (fp32)";
    if (kind == plan::AttentionKind::Sliding && pool.window)
      out << ", window " << pool.window;
    out << "\n";
  }
}

void printKernels(const plan::Plan &p, std::ostream &out) {
  if (!p.kernels() || p.kernels()->size() == 0) {
    out << "cuda kernels: none (compiled with --arch none)\n";
    return;
  }
  for (const plan::KernelImage *image : *p.kernels())
    out << "cuda kernels: " << (image->arch() ? image->arch()->str() : "?") << ", "
        << (image->functions() ? image->functions()->size() : 0) << " functions, cubin "
        << (image->cubin() ? image->cubin()->size() : 0) << " bytes, PTX " << (image->ptx() ? image->ptx()->size() : 0)
        << " bytes (" << (image->compiler() ? image->compiler()->str() : "?") << ")\n";
}

} // namespace

void printPlanSummary(const PlanFile &plan, std::ostream &out) {
  const plan::Plan &p = plan.plan();
  out << "plan: " << plan.path().string() << "\n";
  out << "schema version: " << p.schema_version() << "\n";
  out << "compiler: " << (p.compiler() ? p.compiler()->str() : "?") << "\n";
  printModel(p, out);
  printWeights(plan, out);
  printPrograms(p, out);
  printKv(p, out);
  printKernels(p, out);
}

} // namespace g4::rt
