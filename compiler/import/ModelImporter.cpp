#include "import/ModelImporter.h"

#include "g4/G4Dialect.h"
#include "import/Checkpoint.h"
#include "import/ModelConfig.h"
#include "import/TextAssets.h"
#include "import/WeightBinder.h"
#include "io/Float16.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include <cmath>
#include <filesystem>

namespace g4::import {
namespace {

// sqrt(n) rounded to the embedding table's dtype, as the reference's
// `embed_scale.to(weight.dtype)` does (bf16: sqrt(3072) becomes 55.5).
float embedScale(int64_t n, mlir::Type element) {
  float scale = std::sqrt(float(n));
  if (element.isBF16())
    return io::bf16ToFloat(io::floatToBf16(scale));
  if (element.isF16())
    return float(_Float16(scale));
  return scale;
}

// Builds the decoder graph inside @forward, one reference module at a time.
class DecoderBuilder {
public:
  DecoderBuilder(const ModelConfig &config, WeightBinder &weights, mlir::OpBuilder &builder, mlir::Value tokenIds,
                 mlir::Value positions)
      : c_(config), w_(weights), b_(builder), ids_(tokenIds), pos_(positions) {}

  mlir::Value build() {
    const int64_t H = c_.hiddenSize;
    std::string embedName = c_.weightPrefix + "embed_tokens.weight";
    mlir::Value table = weight("embed_tokens.weight", {c_.vocabSize, H});
    mlir::Value x = mlir::g4::EmbedOp::create(b_, loc("embed"), act(H), ids_, table,
                                              f32(embedScale(H, w_.storedElementType(embedName))));
    mlir::Value ple;
    if (c_.pleDim > 0)
      ple = perLayerInputs(x);
    for (int64_t i = 0; i < c_.numLayers; ++i)
      x = layer(i, x, ple);
    x = rmsNorm(x, weight("norm.weight", {H}));
    mlir::Value head = table;
    if (!c_.tieWordEmbeddings)
      head = w_.get(b_, "lm_head.weight", {c_.vocabSize, H});
    else
      w_.ignore("lm_head.weight");
    mlir::Value logits =
        mlir::g4::LmHeadOp::create(b_, loc("lm_head"), act(c_.vocabSize), x, head, /*softcap=*/mlir::FloatAttr());
    if (c_.finalLogitSoftcapping)
      logits = mlir::g4::SoftcapOp::create(b_, loc("softcap"), logits, f32(float(*c_.finalLogitSoftcapping)));
    return logits;
  }

private:
  // Per-layer embeddings, once per token: [T, L*P].
  mlir::Value perLayerInputs(mlir::Value embedded) {
    const int64_t LP = c_.numLayers * c_.pleDim;
    std::string tableName = c_.weightPrefix + "embed_tokens_per_layer.weight";
    mlir::Value table = weight("embed_tokens_per_layer.weight", {c_.pleVocabSize, LP});
    mlir::Value identity = mlir::g4::EmbedOp::create(b_, loc("ple.embed"), act(LP), ids_, table,
                                                     f32(embedScale(c_.pleDim, w_.storedElementType(tableName))));
    mlir::Value proj = linear(embedded, weight("per_layer_model_projection.weight", {LP, c_.hiddenSize}));
    proj = mlir::g4::ScaleOp::create(b_, loc("ple.scale"), proj, f32(float(std::pow(double(c_.hiddenSize), -0.5))));
    proj = rmsNorm(proj, weight("per_layer_projection_norm.weight", {c_.pleDim}), c_.pleDim);
    mlir::Value sum = mlir::g4::AddOp::create(b_, loc("ple.add"), proj, identity);
    return mlir::g4::ScaleOp::create(b_, loc("ple.combine"), sum, f32(float(std::pow(2.0, -0.5))));
  }

  mlir::Value layer(int64_t i, mlir::Value residual, mlir::Value ple) {
    const LayerConfig &l = c_.layers[size_t(i)];
    const int64_t H = c_.hiddenSize;
    prefix_ = "layers." + std::to_string(i) + ".";

    mlir::Value h = rmsNorm(residual, weight(prefix_ + "input_layernorm.weight", {H}));
    h = attention(i, l, h);
    h = rmsNorm(h, weight(prefix_ + "post_attention_layernorm.weight", {H}));
    mlir::Value attnOut = mlir::g4::AddOp::create(b_, loc("residual"), residual, h);

    mlir::Value m = rmsNorm(attnOut, weight(prefix_ + "pre_feedforward_layernorm.weight", {H}));
    m = mlp(m, l.intermediateSize);
    if (c_.moe) {
      mlir::Value m1 = rmsNorm(m, weight(prefix_ + "post_feedforward_layernorm_1.weight", {H}));
      mlir::Value m2 = rmsNorm(experts(attnOut), weight(prefix_ + "post_feedforward_layernorm_2.weight", {H}));
      m = mlir::g4::AddOp::create(b_, loc("moe.combine"), m1, m2);
    }
    m = rmsNorm(m, weight(prefix_ + "post_feedforward_layernorm.weight", {H}));
    mlir::Value out = mlir::g4::AddOp::create(b_, loc("residual"), attnOut, m);

    if (ple) {
      const int64_t P = c_.pleDim;
      mlir::Value gate = linear(out, weight(prefix_ + "per_layer_input_gate.weight", {P, H}));
      mlir::Value input = mlir::g4::SliceOp::create(b_, loc("ple.slice"), act(P), ple, i64(i * P));
      mlir::Value g = mlir::g4::GeluTanhMulOp::create(b_, loc("ple.gate"), gate, input);
      g = linear(g, weight(prefix_ + "per_layer_projection.weight", {H, P}));
      g = rmsNorm(g, weight(prefix_ + "post_per_layer_input_norm.weight", {H}));
      out = mlir::g4::AddOp::create(b_, loc("residual"), out, g);
    }
    return mlir::g4::LayerScalarOp::create(b_, loc("layer_scalar"), act(H), out, weight(prefix_ + "layer_scalar", {1}));
  }

  mlir::Value attention(int64_t i, const LayerConfig &l, mlir::Value h) {
    const int64_t H = c_.hiddenSize, D = l.headDim, QW = c_.numHeads * D, KW = l.numKvHeads * D;
    std::string p = prefix_ + "self_attn.";
    mlir::Value q = linear(h, weight(p + "q_proj.weight", {QW, H}));
    q = rope(rmsNorm(q, weight(p + "q_norm.weight", {D}), D), l);
    mlir::Value k, v;
    if (l.kvShared) {
      for (const char *ignored : {"k_proj.weight", "v_proj.weight", "k_norm.weight", "v_norm.weight"})
        w_.ignore(c_.weightPrefix + p + ignored);
    } else {
      mlir::Value kRaw = linear(h, weight(p + "k_proj.weight", {KW, H}));
      k = rope(rmsNorm(kRaw, weight(p + "k_norm.weight", {D}), D), l);
      mlir::Value vRaw = l.kEqV ? kRaw : linear(h, weight(p + "v_proj.weight", {KW, H}));
      v = rmsNorm(vRaw, mlir::Value(), D);
    }
    auto kind = mlir::g4::AttentionKindAttr::get(
        b_.getContext(), l.kind == LayerKind::Full ? mlir::g4::AttentionKind::full : mlir::g4::AttentionKind::sliding);
    mlir::Value o =
        mlir::g4::AttentionOp::create(b_, loc("attention"), act(QW), q, pos_, k, v, /*q_norm=*/nullptr,
                                      /*k_norm=*/nullptr, i64(i), i64(l.kvOwner), kind, i64(c_.numHeads),
                                      i64(l.numKvHeads), i64(D), i64(l.window), f32(1.0f), /*norm_eps=*/nullptr,
                                      /*rotary_pairs=*/nullptr, /*rope_theta=*/nullptr, /*rope_factor=*/nullptr,
                                      /*v_norm=*/nullptr);
    return linear(o, weight(p + "o_proj.weight", {H, QW}));
  }

  mlir::Value mlp(mlir::Value x, int64_t I) {
    const int64_t H = c_.hiddenSize;
    std::string p = prefix_ + "mlp.";
    mlir::Value gate = linear(x, weight(p + "gate_proj.weight", {I, H}));
    mlir::Value up = linear(x, weight(p + "up_proj.weight", {I, H}));
    mlir::Value g = mlir::g4::GeluTanhMulOp::create(b_, loc("mlp.gate"), gate, up);
    return linear(g, weight(p + "down_proj.weight", {H, I}));
  }

  // The router reads the residual after attention; the experts its pre-norm-2 form.
  mlir::Value experts(mlir::Value attnOut) {
    const int64_t H = c_.hiddenSize, E = c_.numExperts, K = c_.topKExperts, I = c_.moeIntermediateSize;
    auto router = mlir::g4::MoeRouterOp::create(
        b_, loc("moe.router"), act(K), mlir::RankedTensorType::get({mlir::ShapedType::kDynamic, K}, b_.getI32Type()),
        attnOut, weight(prefix_ + "router.proj.weight", {E, H}), weight(prefix_ + "router.scale", {H}),
        weight(prefix_ + "router.per_expert_scale", {E}), i64(K), f32(float(c_.rmsNormEps)));
    mlir::Value x = rmsNorm(attnOut, weight(prefix_ + "pre_feedforward_layernorm_2.weight", {H}));
    return mlir::g4::MoeExpertsOp::create(b_, loc("moe.experts"), act(H), x, router.getRouteWeights(),
                                          router.getRouteIds(), weight(prefix_ + "experts.gate_up_proj", {E, 2 * I, H}),
                                          weight(prefix_ + "experts.down_proj", {E, H, I}));
  }

  mlir::Value rope(mlir::Value x, const LayerConfig &l) {
    return mlir::g4::RopeOp::create(b_, loc("rope"), x.getType(), x, pos_, i64(l.headDim), i64(l.rotaryPairs),
                                    f32(float(l.rope.theta)), f32(float(l.rope.factor)));
  }

  mlir::Value rmsNorm(mlir::Value x, mlir::Value w, int64_t group = 0) {
    int64_t width = mlir::cast<mlir::RankedTensorType>(x.getType()).getDimSize(1);
    return mlir::g4::RmsNormOp::create(b_, loc("rms_norm"), x.getType(), x, w, f32(float(c_.rmsNormEps)),
                                       i64(group ? group : width));
  }

  mlir::Value linear(mlir::Value x, mlir::Value w) {
    int64_t out = mlir::cast<mlir::RankedTensorType>(w.getType()).getDimSize(0);
    return mlir::g4::LinearOp::create(b_, loc("linear"), act(out), x, w);
  }

  mlir::Value weight(const std::string &relative, const std::vector<int64_t> &shape) {
    return w_.get(b_, c_.weightPrefix + relative, shape);
  }

  mlir::RankedTensorType act(int64_t width) {
    return mlir::RankedTensorType::get({mlir::ShapedType::kDynamic, width}, b_.getF32Type());
  }
  mlir::FloatAttr f32(float v) { return b_.getF32FloatAttr(v); }
  mlir::IntegerAttr i64(int64_t v) { return b_.getI64IntegerAttr(v); }
  mlir::Location loc(const std::string &what) { return mlir::NameLoc::get(b_.getStringAttr(prefix_ + what)); }

  const ModelConfig &c_;
  WeightBinder &w_;
  mlir::OpBuilder &b_;
  mlir::Value ids_, pos_;
  std::string prefix_;
};

void setModelAttributes(mlir::ModuleOp module, const ModelConfig &c, const std::string &checkpointDir) {
  mlir::OpBuilder b(module.getContext());
  auto set = [&](const char *name, mlir::Attribute value) { module->setAttr(name, value); };
  set("g4.model_type", b.getStringAttr(c.modelType));
  set("g4.checkpoint", b.getStringAttr(std::filesystem::absolute(checkpointDir).lexically_normal().string()));
  set("g4.vocab_size", b.getI64IntegerAttr(c.vocabSize));
  set("g4.hidden_size", b.getI64IntegerAttr(c.hiddenSize));
  set("g4.num_layers", b.getI64IntegerAttr(c.numLayers));
  set("g4.max_position_embeddings", b.getI64IntegerAttr(c.maxPositionEmbeddings));
  set("g4.bos_token_id", b.getI64IntegerAttr(c.bosTokenId));
  set("g4.pad_token_id", b.getI64IntegerAttr(c.padTokenId));
  set("g4.eos_token_ids", b.getDenseI64ArrayAttr(c.eosTokenIds));
  if (c.finalLogitSoftcapping)
    set("g4.final_logit_softcapping", b.getF32FloatAttr(float(*c.finalLogitSoftcapping)));
}

} // namespace

mlir::OwningOpRef<mlir::ModuleOp> importCheckpoint(mlir::MLIRContext &context, const std::string &checkpointDir,
                                                   const ImportOptions &options) {
  context.loadDialect<mlir::g4::G4Dialect, mlir::func::FuncDialect>();
  ModelConfig config = loadModelConfig(checkpointDir);
  Checkpoint checkpoint;
  checkpoint.dir = checkpointDir;
  if (!options.dummyWeights)
    checkpoint = loadCheckpoint(checkpointDir);

  mlir::OpBuilder b(&context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::ModuleOp::create(mlir::FileLineColLoc::get(&context, config.configPath, 0, 0));
  setModelAttributes(*module, config, checkpointDir);
  importTextAssets(*module, checkpointDir);
  if (options.dummyWeights)
    (*module)->setAttr("g4.dummy_weights", b.getUnitAttr());

  auto tokens = mlir::RankedTensorType::get({mlir::ShapedType::kDynamic}, b.getI32Type());
  auto logitsType = mlir::RankedTensorType::get({mlir::ShapedType::kDynamic, config.vocabSize}, b.getF32Type());
  b.setInsertionPointToEnd(module->getBody());
  auto forward =
      mlir::func::FuncOp::create(b, module->getLoc(), "forward", b.getFunctionType({tokens, tokens}, {logitsType}));
  forward.setArgAttr(0, "g4.name", b.getStringAttr("token_ids"));
  forward.setArgAttr(1, "g4.name", b.getStringAttr("positions"));
  // Declarations (weights, then encoders) go before @forward, in import order.
  WeightBinder weights(*module, checkpoint, options.dummyWeights);
  for (const MultimodalTower &tower : config.towers) {
    std::vector<std::string> symbols = weights.claimPrefix(tower.prefixes);
    llvm::SmallVector<mlir::Attribute> refs;
    for (const std::string &s : symbols)
      refs.push_back(mlir::FlatSymbolRefAttr::get(&context, s));
    b.setInsertionPoint(forward);
    mlir::g4::EncoderOp::create(b, module->getLoc(), b.getStringAttr(tower.modality), b.getArrayAttr(refs));
  }

  mlir::Block *body = forward.addEntryBlock();
  b.setInsertionPointToStart(body);
  DecoderBuilder decoder(config, weights, b, body->getArgument(0), body->getArgument(1));
  mlir::Value logits = decoder.build();
  mlir::func::ReturnOp::create(b, module->getLoc(), logits);

  weights.checkComplete();
  return module;
}

} // namespace g4::import
