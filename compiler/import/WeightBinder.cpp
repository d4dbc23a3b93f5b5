#include "import/WeightBinder.h"

#include "g4/G4Dialect.h"
#include "io/Error.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>

namespace g4::import {
namespace {

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// "model.layers.0.self_attn.q_proj.weight" -> "layers_0_self_attn_q_proj_weight"
std::string symbolName(const std::string &tensorName) {
  std::string s = tensorName.rfind("model.", 0) == 0 ? tensorName.substr(6) : tensorName;
  std::replace(s.begin(), s.end(), '.', '_');
  return s;
}

} // namespace

WeightBinder::WeightBinder(mlir::ModuleOp module, const Checkpoint &checkpoint, bool dummyWeights)
    : module_(module), checkpoint_(checkpoint), dummyWeights_(dummyWeights),
      declarations_(mlir::OpBuilder::atBlockBegin(module.getBody())) {}

mlir::Type WeightBinder::elementType(const std::string &dtype) const {
  mlir::MLIRContext *ctx = declarations_.getContext();
  if (dtype == "BF16")
    return mlir::BFloat16Type::get(ctx);
  if (dtype == "F16")
    return mlir::Float16Type::get(ctx);
  if (dtype == "F32")
    return mlir::Float32Type::get(ctx);
  return {};
}

mlir::FlatSymbolRefAttr WeightBinder::declare(const std::string &name, mlir::RankedTensorType type,
                                              const CheckpointTensor &tensor) {
  auto it = declared_.find(name);
  if (it != declared_.end())
    return it->second;
  auto op = mlir::g4::WeightOp::create(declarations_, module_.getLoc(), symbolName(name), name, tensor.file,
                                       tensor.info.begin, type, /*shard_dim=*/nullptr, /*shard_parts=*/nullptr);
  declarations_.setInsertionPointAfter(op); // keep the declarations in import order
  auto ref = mlir::FlatSymbolRefAttr::get(op.getSymNameAttr());
  declared_.emplace(name, ref);
  used_.insert(name);
  return ref;
}

mlir::Type WeightBinder::storedElementType(const std::string &name) {
  auto it = checkpoint_.tensors.find(name);
  mlir::Type t = it == checkpoint_.tensors.end() ? mlir::Type() : elementType(it->second.info.dtype);
  return t ? t : mlir::BFloat16Type::get(module_.getContext());
}

mlir::Value WeightBinder::get(mlir::OpBuilder &builder, const std::string &name, const std::vector<int64_t> &shape) {
  mlir::Location loc = mlir::NameLoc::get(builder.getStringAttr(name));
  if (dummyWeights_) {
    // No file: the runtime generates the tensor at load, as bf16 like every published checkpoint.
    auto type = mlir::RankedTensorType::get(shape, builder.getBF16Type());
    return mlir::g4::WeightRefOp::create(builder, loc, type, declare(name, type, CheckpointTensor{}));
  }
  auto it = checkpoint_.tensors.find(name);
  mlir::Type element = it == checkpoint_.tensors.end() ? mlir::Type() : elementType(it->second.info.dtype);
  auto expected = mlir::RankedTensorType::get(shape, element ? element : builder.getBF16Type());
  if (it == checkpoint_.tensors.end()) {
    if (!used_.count(name))
      errors_.push_back(name + ": missing (expected shape " + formatShape(shape) + ")");
    used_.insert(name);
  } else if (!element) {
    if (!used_.count(name))
      errors_.push_back(name + ": dtype " + it->second.info.dtype + " is not supported (expected BF16, F16 or F32)");
    used_.insert(name);
  } else if (it->second.info.shape != shape) {
    if (!used_.count(name))
      errors_.push_back(name + ": shape " + formatShape(it->second.info.shape) + ", expected " + formatShape(shape));
    used_.insert(name);
  } else {
    mlir::FlatSymbolRefAttr ref = declare(name, expected, it->second);
    return mlir::g4::WeightRefOp::create(builder, loc, expected, ref);
  }
  // Keep building with a placeholder symbol so every mismatch gets reported.
  return mlir::g4::WeightRefOp::create(builder, loc, expected,
                                       mlir::FlatSymbolRefAttr::get(builder.getContext(), symbolName(name)));
}

std::vector<std::string> WeightBinder::claimPrefix(const std::vector<std::string> &prefixes) {
  std::vector<std::string> symbols;
  for (auto &[name, tensor] : checkpoint_.tensors) {
    bool match = llvm::any_of(prefixes, [&](const std::string &p) { return name.rfind(p, 0) == 0; });
    if (!match)
      continue;
    mlir::Type element = elementType(tensor.info.dtype);
    if (!element) {
      errors_.push_back(name + ": dtype " + tensor.info.dtype + " is not supported (expected BF16, F16 or F32)");
      used_.insert(name);
      continue;
    }
    auto type = mlir::RankedTensorType::get(tensor.info.shape, element);
    symbols.push_back(declare(name, type, tensor).getValue().str());
  }
  return symbols;
}

void WeightBinder::ignore(const std::string &name) { used_.insert(name); }

void WeightBinder::checkComplete() const {
  std::vector<std::string> all = errors_;
  for (auto &[name, tensor] : checkpoint_.tensors)
    if (!used_.count(name))
      all.push_back(name + ": unexpected tensor (in " + tensor.file + "); config.json implies no such weight");
  if (all.empty())
    return;
  std::string message = checkpoint_.dir + ": the checkpoint does not match config.json (" + std::to_string(all.size()) +
                        " problem" + (all.size() > 1 ? "s" : "") + "):";
  for (const std::string &e : all)
    message += "\n  " + e;
  throw Error(message);
}

} // namespace g4::import
