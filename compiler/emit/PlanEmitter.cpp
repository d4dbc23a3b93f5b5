#include "emit/PlanEmitter.h"

#include "g4/G4Dialect.h"
#include "g4k/G4KDialect.h"
#include "plan/plan_generated.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/TypeSwitch.h"

#include <filesystem>
#include <map>

namespace g4::emit {
namespace fb = g4::plan;
namespace fs = std::filesystem;

namespace {

constexpr uint32_t kSchemaVersion = 1;

fb::DType dtypeOf(mlir::Type element) {
  if (element.isBF16())
    return fb::DType::BF16;
  if (element.isF16())
    return fb::DType::F16;
  if (element.isInteger(32))
    return fb::DType::I32;
  return fb::DType::F32;
}

uint64_t bytesOf(mlir::RankedTensorType type) {
  return uint64_t(type.getNumElements()) * (type.getElementType().getIntOrFloatBitWidth() / 8);
}

class Emitter {
public:
  Emitter(mlir::ModuleOp module, const PlanOptions &options) : module_(module), options_(options) {}

  mlir::FailureOr<std::vector<uint8_t>> run() {
    for (auto encoder : module_.getOps<mlir::g4::EncoderOp>())
      return encoder.emitOpError("cannot be executed by a v1 plan: run g4-strip-multimodal to serve text only"),
             mlir::failure();
    auto forward = module_.lookupSymbol<mlir::func::FuncOp>("forward");
    if (!forward)
      return module_.emitError("no func.func @forward to emit"), mlir::failure();
    if (!attr<mlir::DictionaryAttr>("g4.kv"))
      return module_.emitError("no KV-cache plan (g4.kv): run g4-plan-kv before emitting"), mlir::failure();
    checkpoint_ = attr<mlir::StringAttr>("g4.checkpoint").str();
    dummyWeights_ = module_->hasAttr("g4.dummy_weights");
    if (auto tp = attr<mlir::IntegerAttr>("g4.tensor_parallel"))
      ranks_ = tp.getInt();
    if (mlir::failed(program(forward)))
      return mlir::failure();

    auto kv = kvSpec();
    auto model = modelInfo();
    fs::path planDir = fs::absolute(options_.planPath).parent_path();
    std::string relative = fs::path(checkpoint_).lexically_relative(planDir).string();
    std::vector<flatbuffers::Offset<fb::WeightFile>> files;
    for (const std::string &f : fileOrder_)
      files.push_back(fb::CreateWeightFileDirect(fbb_, f.c_str(), fs::file_size(fs::path(checkpoint_) / f)));
    auto tokenizer = tokenizerInfo();
    auto generation = generationDefaults();
    std::vector<flatbuffers::Offset<fb::KernelImage>> kernels;
    if (options_.kernels)
      kernels = writeKernelImages(fbb_, *options_.kernels);
    auto root = fb::CreatePlanDirect(
        fbb_, kSchemaVersion, "gemma4c 0.1", model, relative.empty() ? "." : relative.c_str(), &files, &weights_,
        &programs_, kv, tokenizer, generation, dummyWeights_, options_.kernels ? &kernels : nullptr, uint32_t(ranks_));
    fb::FinishPlanBuffer(fbb_, root);
    return std::vector<uint8_t>(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize());
  }

private:
  template <typename A> A attr(llvm::StringRef name) { return module_->getAttrOfType<A>(name); }

  flatbuffers::Offset<fb::ModelInfo> modelInfo() {
    auto i64 = [&](const char *name) { return attr<mlir::IntegerAttr>(name).getInt(); };
    std::vector<int32_t> eos;
    for (int64_t id : attr<mlir::DenseI64ArrayAttr>("g4.eos_token_ids").asArrayRef())
      eos.push_back(int32_t(id));
    float softcap = 0;
    if (auto cap = attr<mlir::FloatAttr>("g4.final_logit_softcapping"))
      softcap = float(cap.getValueAsDouble());
    return fb::CreateModelInfoDirect(fbb_, attr<mlir::StringAttr>("g4.model_type").str().c_str(),
                                     uint32_t(i64("g4.vocab_size")), uint32_t(i64("g4.hidden_size")),
                                     uint32_t(i64("g4.num_layers")), uint32_t(i64("g4.max_position_embeddings")),
                                     int32_t(i64("g4.bos_token_id")), int32_t(i64("g4.pad_token_id")), &eos, softcap);
  }

  flatbuffers::Offset<fb::TokenizerInfo> tokenizerInfo() {
    auto tokenizer = attr<mlir::DictionaryAttr>("g4.tokenizer");
    if (!tokenizer)
      return 0;
    auto text = [&](const char *name) {
      auto s = attr<mlir::StringAttr>(name);
      return s ? s.str() : std::string();
    };
    return fb::CreateTokenizerInfoDirect(fbb_, tokenizer.getAs<mlir::StringAttr>("kind").str().c_str(),
                                         tokenizer.getAs<mlir::StringAttr>("path").str().c_str(),
                                         uint64_t(tokenizer.getAs<mlir::IntegerAttr>("size").getInt()),
                                         text("g4.chat_template").c_str(), text("g4.tokenizer_config").c_str());
  }

  flatbuffers::Offset<fb::GenerationDefaults> generationDefaults() {
    auto generation = attr<mlir::DictionaryAttr>("g4.generation");
    if (!generation)
      return 0;
    std::vector<int32_t> eos;
    for (int64_t id : generation.getAs<mlir::DenseI64ArrayAttr>("eos_token_ids").asArrayRef())
      eos.push_back(int32_t(id));
    return fb::CreateGenerationDefaultsDirect(
        fbb_, &eos, generation.getAs<mlir::BoolAttr>("do_sample").getValue(),
        float(generation.getAs<mlir::FloatAttr>("temperature").getValueAsDouble()),
        int32_t(generation.getAs<mlir::IntegerAttr>("top_k").getInt()),
        float(generation.getAs<mlir::FloatAttr>("top_p").getValueAsDouble()));
  }

  flatbuffers::Offset<fb::KvSpec> kvSpec() {
    std::vector<flatbuffers::Offset<fb::KvLayer>> layers;
    for (auto &[layer, op] : attention_) {
      auto kind = op.getKind() == mlir::g4::AttentionKind::full ? fb::AttentionKind::Full : fb::AttentionKind::Sliding;
      layers.push_back(fb::CreateKvLayer(fbb_, uint32_t(layer), kind, uint32_t(op.getHeadDim()),
                                         uint32_t(op.getNumKvHeads()), uint32_t(op.getWindow()),
                                         uint32_t(op.getCacheLayer())));
    }
    auto kv = attr<mlir::DictionaryAttr>("g4.kv");
    return fb::CreateKvSpecDirect(fbb_, uint32_t(kv.getAs<mlir::IntegerAttr>("page_size").getInt()), &layers,
                                  float(kv.getAs<mlir::FloatAttr>("sliding_full_ratio").getValueAsDouble()));
  }

  // The manifest index of a weight symbol, declared on first use.
  uint32_t weightIndex(mlir::g4::WeightRefOp ref) {
    auto [it, inserted] = weightIndex_.try_emplace(ref.getWeight(), uint32_t(weights_.size()));
    if (!inserted)
      return it->second;
    auto decl = module_.lookupSymbol<mlir::g4::WeightOp>(ref.getWeightAttr());
    auto type = mlir::cast<mlir::RankedTensorType>(decl.getType());
    std::string file = decl.getFile().str();
    auto [fileIt, newFile] = fileIndex_.try_emplace(file, uint32_t(fileOrder_.size()));
    if (newFile && !dummyWeights_) // dummy weights have no file; their index stays 0
      fileOrder_.push_back(file);
    std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    std::vector<fb::WeightSlice> slices = slicesOf(decl);
    const uint64_t size = bytesOf(type) * (decl.getShardParts() ? *decl.getShardParts() : 1);
    weights_.push_back(fb::CreateWeightDirect(fbb_, decl.getTensorName().str().c_str(), fileIt->second,
                                              decl.getOffset(), size, dtypeOf(type.getElementType()), &shape,
                                              slices.empty() ? nullptr : &slices));
    return it->second;
  }

  // Each rank's byte runs of a weight split by g4-shard: part p of dim d is,
  // in every index of the dims before d, one run of the part's bytes.
  std::vector<fb::WeightSlice> slicesOf(mlir::g4::WeightOp decl) {
    if (!decl.getShardDim())
      return {};
    auto type = mlir::cast<mlir::RankedTensorType>(decl.getType());
    const int64_t dim = *decl.getShardDim(), parts = *decl.getShardParts();
    uint64_t runs = 1, runBytes = bytesOf(type);
    for (int64_t d = 0; d < dim; ++d) {
      runs *= uint64_t(type.getDimSize(d));
      runBytes /= uint64_t(type.getDimSize(d));
    }
    std::vector<fb::WeightSlice> slices;
    for (int64_t rank = 0; rank < ranks_; ++rank) {
      const uint64_t part = uint64_t(rank * parts / ranks_);
      slices.emplace_back(uint64_t(decl.getOffset()) + part * runBytes, runBytes, runBytes * uint64_t(parts), runs);
    }
    return slices;
  }

  uint32_t buffer(mlir::Value v, const std::string &name) {
    auto type = mlir::cast<mlir::RankedTensorType>(v.getType());
    uint32_t width = type.getRank() == 2 ? uint32_t(type.getDimSize(1)) : 1;
    uint32_t index = uint32_t(buffers_.size());
    buffers_.push_back(fb::CreateBufferDirect(fbb_, name.c_str(), width, dtypeOf(type.getElementType())));
    bufferIndex_[v] = index;
    return index;
  }

  mlir::LogicalResult program(mlir::func::FuncOp forward) {
    mlir::Block &body = forward.getBody().front();
    uint32_t tokenIds = buffer(body.getArgument(0), "token_ids");
    uint32_t positions = buffer(body.getArgument(1), "positions");
    std::vector<flatbuffers::Offset<fb::Instruction>> instructions;
    uint32_t logits = 0;
    for (mlir::Operation &op : body) {
      if (auto ref = mlir::dyn_cast<mlir::g4::WeightRefOp>(op)) {
        weightOf_[ref.getResult()] = weightIndex(ref);
        continue;
      }
      if (auto ret = mlir::dyn_cast<mlir::func::ReturnOp>(op)) {
        logits = bufferIndex_.lookup(ret.getOperand(0));
        continue;
      }
      // A g4k.dispatch is its g4 operation, run with the dispatch's launches.
      auto dispatch = mlir::dyn_cast<mlir::g4k::DispatchOp>(op);
      mlir::Operation &computation = dispatch ? *dispatch.getComputation() : op;
      std::vector<uint32_t> inputs, weights, outputs;
      for (mlir::Value operand : computation.getOperands()) {
        if (dispatch)
          operand = dispatch.getBoundValue(operand);
        if (auto w = weightOf_.find(operand); w != weightOf_.end())
          weights.push_back(w->second);
        else
          inputs.push_back(bufferIndex_.lookup(operand));
      }
      std::string name = bufferName(op);
      for (mlir::Value result : op.getResults())
        outputs.push_back(buffer(result, name));
      auto params = parameters(computation);
      if (mlir::failed(params))
        return mlir::failure();
      auto choices = dispatch ? kernelChoices(dispatch) : std::vector<flatbuffers::Offset<fb::KernelChoice>>();
      instructions.push_back(fb::CreateInstructionDirect(fbb_, params->first, params->second, &inputs, &outputs,
                                                         &weights, dispatch ? &choices : nullptr));
    }
    programs_.push_back(
        fb::CreateProgramDirect(fbb_, "forward", &buffers_, tokenIds, positions, logits, &instructions));
    return mlir::success();
  }

  // The launches of a dispatch, in regime order (plan.fbs KernelChoice).
  std::vector<flatbuffers::Offset<fb::KernelChoice>> kernelChoices(mlir::g4k::DispatchOp dispatch) {
    std::vector<flatbuffers::Offset<fb::KernelChoice>> choices;
    for (mlir::g4k::LaunchOp launch : dispatch.getLaunches()) {
      const uint32_t maxRows = launch.getMaxRows() ? uint32_t(*launch.getMaxRows()) : kernels::kUnboundedRows;
      choices.push_back(fb::CreateKernelChoiceDirect(
          fbb_, uint32_t(launch.getMinRows()), maxRows, launch.getFamily().str().c_str(),
          launch.getKernel().str().c_str(), uint32_t(launch.getTileTokens()), uint32_t(launch.getTileRows()),
          uint32_t(launch.getSharedBytes()), uint32_t(launch.getRowsPerTileAbove().value_or(0))));
    }
    return choices;
  }

  // The importer's name of the op ("layers.0.rms_norm"); a fused op joins the
  // names of the ops it replaced with '+'; otherwise the op's mnemonic.
  static std::string bufferName(mlir::Operation &op) {
    if (auto loc = mlir::dyn_cast<mlir::NameLoc>(op.getLoc()))
      return loc.getName().str();
    std::string joined;
    if (auto fused = mlir::dyn_cast<mlir::FusedLoc>(op.getLoc()))
      for (mlir::Location part : fused.getLocations())
        if (auto loc = mlir::dyn_cast<mlir::NameLoc>(part))
          joined += (joined.empty() ? "" : "+") + loc.getName().str();
    return joined.empty() ? op.getName().stripDialect().str() : joined;
  }

  using Params = std::pair<fb::Op, flatbuffers::Offset<void>>;

  mlir::FailureOr<Params> parameters(mlir::Operation &op) {
    auto u32 = [](int64_t v) { return uint32_t(v); };
    auto f = [](llvm::APFloat v) { return v.convertToFloat(); };
    return llvm::TypeSwitch<mlir::Operation *, mlir::FailureOr<Params>>(&op)
        .Case([&](mlir::g4::EmbedOp o) {
          return Params{fb::Op::Embed, fb::CreateEmbed(fbb_, f(o.getScale()), o.getVocabSharded()).Union()};
        })
        .Case([&](mlir::g4::LinearOp) {
          return Params{fb::Op::Linear, fb::CreateLinear(fbb_).Union()};
        })
        .Case([&](mlir::g4::LmHeadOp o) {
          // An uncapped head stays a Linear, which every backend runs.
          if (auto cap = o.getSoftcapAttr())
            return Params{fb::Op::LmHead, fb::CreateLmHead(fbb_, f(cap.getValue())).Union()};
          return Params{fb::Op::Linear, fb::CreateLinear(fbb_).Union()};
        })
        .Case([&](mlir::g4::RmsNormOp o) {
          return Params{fb::Op::RmsNorm, fb::CreateRmsNorm(fbb_, f(o.getEps()), u32(o.getGroup())).Union()};
        })
        .Case([&](mlir::g4::ScaleOp o) {
          return Params{fb::Op::Scale, fb::CreateScale(fbb_, f(o.getFactor())).Union()};
        })
        .Case([&](mlir::g4::AddOp) {
          return Params{fb::Op::Add, fb::CreateAdd(fbb_).Union()};
        })
        .Case([&](mlir::g4::MulOp) {
          return Params{fb::Op::Mul, fb::CreateMul(fbb_).Union()};
        })
        .Case([&](mlir::g4::GeluTanhMulOp) {
          return Params{fb::Op::GeluTanhMul, fb::CreateGeluTanhMul(fbb_).Union()};
        })
        .Case([&](mlir::g4::SliceOp o) {
          auto width = mlir::cast<mlir::RankedTensorType>(o.getType()).getDimSize(1);
          return Params{fb::Op::Slice, fb::CreateSlice(fbb_, u32(o.getOffset()), u32(width)).Union()};
        })
        .Case([&](mlir::g4::RopeOp o) {
          return Params{fb::Op::Rope, fb::CreateRope(fbb_, u32(o.getHeadDim()), u32(o.getRotaryPairs()),
                                                     f(o.getTheta()), f(o.getFactor()))
                                          .Union()};
        })
        .Case([&](mlir::g4::AttentionOp o) {
          attention_.emplace(o.getLayer(), o);
          auto kind =
              o.getKind() == mlir::g4::AttentionKind::full ? fb::AttentionKind::Full : fb::AttentionKind::Sliding;
          const bool prologue = bool(o.getQNorm());
          return Params{
              fb::Op::Attention,
              fb::CreateAttention(fbb_, u32(o.getLayer()), u32(o.getCacheLayer()), kind, u32(o.getNumHeads()),
                                  u32(o.getNumKvHeads()), u32(o.getHeadDim()), u32(o.getWindow()), f(o.getScale()),
                                  bool(o.getKey()), prologue, prologue ? f(*o.getNormEps()) : 0.0f,
                                  prologue ? u32(*o.getRotaryPairs()) : 0u, prologue ? f(*o.getRopeTheta()) : 0.0f,
                                  prologue ? f(*o.getRopeFactor()) : 1.0f, o.getVNorm())
                  .Union()};
        })
        .Case([&](mlir::g4::MoeRouterOp o) {
          auto experts = mlir::cast<mlir::RankedTensorType>(o.getProj().getType()).getDimSize(0);
          return Params{fb::Op::MoeRouter,
                        fb::CreateMoeRouter(fbb_, u32(experts), u32(o.getTopK()), f(o.getEps())).Union()};
        })
        .Case([&](mlir::g4::MoeExpertsOp o) {
          auto shape = mlir::cast<mlir::RankedTensorType>(o.getDown().getType()).getShape();
          auto topK = mlir::cast<mlir::RankedTensorType>(o.getRouteIds().getType()).getDimSize(1);
          return Params{
              fb::Op::MoeExperts,
              fb::CreateMoeExperts(fbb_, u32(shape[0]), u32(topK), u32(shape[2]), o.getExpertsSharded()).Union()};
        })
        .Case([&](mlir::g4::LayerScalarOp) {
          return Params{fb::Op::LayerScalar, fb::CreateLayerScalar(fbb_).Union()};
        })
        .Case([&](mlir::g4::SoftcapOp o) {
          return Params{fb::Op::Softcap, fb::CreateSoftcap(fbb_, f(o.getCap())).Union()};
        })
        .Case([&](mlir::g4::AddRmsNormOp o) {
          return Params{fb::Op::AddRmsNorm,
                        fb::CreateAddRmsNorm(fbb_, f(o.getEps()), bool(o.getXNorm()), bool(o.getScalar())).Union()};
        })
        .Case([&](mlir::g4::RmsNormAddOp o) {
          return Params{fb::Op::RmsNormAdd, fb::CreateRmsNormAdd(fbb_, f(o.getEps())).Union()};
        })
        .Case([&](mlir::g4::RmsNormRopeOp o) {
          return Params{fb::Op::RmsNormRope,
                        fb::CreateRmsNormRope(fbb_, f(o.getEps()), u32(o.getHeadDim()), u32(o.getRotaryPairs()),
                                              f(o.getTheta()), f(o.getFactor()))
                            .Union()};
        })
        .Case([&](mlir::g4::GatedLinearOp) {
          return Params{fb::Op::GatedLinear, fb::CreateGatedLinear(fbb_).Union()};
        })
        .Case([&](mlir::g4::MultiLinearOp) {
          return Params{fb::Op::MultiLinear, fb::CreateMultiLinear(fbb_).Union()};
        })
        .Case([&](mlir::g4::SliceGatedLinearOp o) {
          return Params{fb::Op::SliceGatedLinear, fb::CreateSliceGatedLinear(fbb_, u32(o.getOffset())).Union()};
        })
        .Case([&](mlir::g4::AllReduceOp) {
          return Params{fb::Op::AllReduce, fb::CreateAllReduce(fbb_).Union()};
        })
        .Case([&](mlir::g4::AllGatherOp) {
          return Params{fb::Op::AllGather, fb::CreateAllGather(fbb_).Union()};
        })
        .Default([&](mlir::Operation *other) -> mlir::FailureOr<Params> {
          other->emitOpError("has no v1 plan instruction");
          return mlir::failure();
        });
  }

  mlir::ModuleOp module_;
  const PlanOptions &options_;
  flatbuffers::FlatBufferBuilder fbb_;
  std::string checkpoint_;
  bool dummyWeights_ = false;
  int64_t ranks_ = 1; // g4.tensor_parallel
  std::vector<flatbuffers::Offset<fb::Weight>> weights_;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers_;
  std::vector<flatbuffers::Offset<fb::Program>> programs_;
  std::vector<std::string> fileOrder_;
  std::map<std::string, uint32_t> fileIndex_;
  llvm::StringMap<uint32_t> weightIndex_;
  llvm::DenseMap<mlir::Value, uint32_t> weightOf_;
  llvm::DenseMap<mlir::Value, uint32_t> bufferIndex_;
  std::map<int64_t, mlir::g4::AttentionOp> attention_;
};

} // namespace

mlir::FailureOr<std::vector<uint8_t>> emitPlan(mlir::ModuleOp module, const PlanOptions &options) {
  return Emitter(module, options).run();
}

} // namespace g4::emit
