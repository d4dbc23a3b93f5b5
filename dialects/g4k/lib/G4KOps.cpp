//===- G4KOps.cpp - verifiers of the g4k operations -------------*- C++ -*-===//
//
// A launch checks its own family, kernel and tile against the kernel
// families (kernels/KernelFamilies.h), an attention launch against its
// variant's instance for the op (kernels/AttentionVariants.h), and its
// dispatch's architecture; a dispatch then (region verifier) checks its
// body's shape and that its launches cover every row count exactly once (a
// conditional launch's rows a second time, by the launch serving the rest).
// Every error states what was expected and what was found.
//
//===----------------------------------------------------------------------===//

#include "g4k/G4KDialect.h"

#include "AttentionVariants.h"
#include "GpuArch.h"
#include "KernelFamilies.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <string>

using namespace mlir;
using namespace mlir::g4k;

using ::g4::kernels::FamilyInfo;
using ::g4::kernels::FamilyRole;

#define GET_OP_CLASSES
#include "g4k/G4KOps.cpp.inc"

std::optional<FamilyRole> mlir::g4k::familyRoleOf(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<FamilyRole>>(op)
      .Case<mlir::g4::LinearOp, mlir::g4::GatedLinearOp, mlir::g4::LmHeadOp, mlir::g4::MultiLinearOp,
            mlir::g4::SliceGatedLinearOp, mlir::g4::MoeRouterOp>([](auto) { return FamilyRole::Linear; })
      .Case([](mlir::g4::AttentionOp) { return FamilyRole::Attention; })
      .Case([](mlir::g4::MoeExpertsOp) { return FamilyRole::MoeExperts; })
      .Default([](Operation *) { return std::nullopt; });
}

// "rows 5 to 64" or "rows 65 and above".
static std::string rowsText(LaunchOp launch) {
  std::string text = "rows " + std::to_string(launch.getMinRows());
  std::optional<uint64_t> last = launch.getMaxRows();
  return text + (last ? " to " + std::to_string(*last) : " and above");
}

static std::string knownFamilies() {
  std::string list;
  for (const FamilyInfo &info : ::g4::kernels::kFamilies)
    list += (list.empty() ? "" : ", ") + std::string(info.name);
  return list;
}

//===----------------------------------------------------------------------===//
// g4k.dispatch
//===----------------------------------------------------------------------===//

Operation *DispatchOp::getComputation() {
  Block &body = getBody().front();
  return body.empty() ? nullptr : &body.front();
}

Value DispatchOp::getBoundValue(Value inner) {
  auto arg = dyn_cast<BlockArgument>(inner);
  if (arg && arg.getOwner() == &getBody().front())
    return getBindings()[arg.getArgNumber()];
  return inner;
}

LogicalResult DispatchOp::verify() {
  if (!::g4::kernels::findArch(getArch().str()))
    return emitOpError() << "unknown GPU architecture \"" << getArch()
                         << "\" (supported: " << ::g4::kernels::supportedArchList() << ")";
  Block &body = getBody().front();
  if (body.getArgumentTypes() != getBindings().getTypes())
    return emitOpError() << "expects body arguments of the bindings' types " << getBindings().getTypes() << ", found "
                         << body.getArgumentTypes();
  return success();
}

// After the launches verified themselves: the body's shape and the regimes.
LogicalResult DispatchOp::verifyRegions() {
  Block &body = getBody().front();
  Operation *computation = getComputation();
  if (!computation || !familyRoleOf(computation))
    return emitOpError() << "expects its body to begin with a g4.linear, g4.gated_linear, g4.lm_head, "
                            "g4.multi_linear, g4.slice_gated_linear, g4.moe_router, g4.attention or g4.moe_experts"
                         << (computation ? ", found " + computation->getName().getStringRef().str() : "");
  // Then the launches, then the yield: nothing else.
  int64_t next = 1;
  bool unbounded = false, launched = false;
  LaunchOp conditional; // the last launch, while it has a condition
  for (Operation &op : llvm::drop_begin(body.without_terminator())) {
    auto launch = dyn_cast<LaunchOp>(op);
    if (!launch)
      return emitOpError() << "expects only g4k.launch after the g4 operation, found " << op.getName();
    if (conditional) {
      // The step the condition turned away falls through to this launch.
      if (launch.getMinRows() != conditional.getMinRows() || launch.getMaxRows() != conditional.getMaxRows())
        return launch.emitOpError() << "expects the rows of the conditional launch before it (" << rowsText(conditional)
                                    << "), found " << rowsText(launch);
      conditional = launch.getRowsPerTileAbove() ? launch : LaunchOp();
      continue;
    }
    if (unbounded)
      return launch.emitOpError() << "follows a launch that already serves every larger step";
    int64_t first = int64_t(launch.getMinRows());
    if (first > next)
      return launch.emitOpError() << "leaves rows " << next << " to " << first - 1
                                  << " without a launch; regimes must cover every row count";
    if (first < next)
      return launch.emitOpError() << "overlaps the previous launch at rows " << first << " to " << next - 1;
    std::optional<uint64_t> last = launch.getMaxRows();
    unbounded = !last;
    next = last ? int64_t(*last) + 1 : next;
    launched = true;
    conditional = launch.getRowsPerTileAbove() ? launch : LaunchOp();
  }
  if (conditional)
    return conditional.emitOpError() << "is conditional but the last launch of " << rowsText(conditional)
                                     << "; a launch without a condition must serve them otherwise";
  if (!launched)
    return emitOpError() << "has no g4k.launch";
  if (!unbounded)
    return emitOpError() << "serves rows up to " << next - 1 << " only; the last launch must serve every larger step";
  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError() << "expects its body to end with g4k.yield";
  if (yield.getValues() != ValueRange(computation->getResults()))
    return emitOpError() << "expects g4k.yield of the g4 operation's results";
  if (yield.getValues().getTypes() != getResultTypes())
    return emitOpError() << "result types " << getResultTypes() << " do not match the yielded "
                         << yield.getValues().getTypes();
  return success();
}

//===----------------------------------------------------------------------===//
// g4k.launch
//===----------------------------------------------------------------------===//

// An attention launch runs its variant's instance for the op's head_dim and
// group, with that instance's tile (the CUDA backend launches it so).
static LogicalResult verifyAttentionInstance(LaunchOp launch, mlir::g4::AttentionOp op) {
  namespace kn = ::g4::kernels;
  const std::optional<kn::AttentionVariant> variant =
      kn::attentionVariantOf(kn::findFamily(launch.getFamily().str())->family);
  const uint32_t headDim = uint32_t(op.getHeadDim()), group = uint32_t(op.getNumHeads() / op.getNumKvHeads());
  const std::vector<kn::AttentionVariant> variants = kn::attentionVariants(headDim, group);
  if (!variant || llvm::find(variants, *variant) == variants.end())
    return launch.emitOpError() << "family \"" << launch.getFamily() << "\" has no kernel for head_dim " << headDim
                                << " and group " << group;
  const kn::AttentionShape shape = kn::attentionShape(*variant, headDim, group);
  if (launch.getKernel() != shape.name || launch.getTileTokens() != shape.tileTokens ||
      launch.getTileRows() != shape.tileRows || launch.getSharedBytes() != shape.sharedBytes)
    return launch.emitOpError() << "expects \"" << shape.name << "\" with tile_tokens " << shape.tileTokens
                                << ", tile_rows " << shape.tileRows << " and shared_bytes " << shape.sharedBytes
                                << " for head_dim " << headDim << " and group " << group << ", found \""
                                << launch.getKernel() << "\" with " << launch.getTileTokens() << ", "
                                << launch.getTileRows() << " and " << launch.getSharedBytes();
  return success();
}

LogicalResult LaunchOp::verify() {
  const FamilyInfo *family = ::g4::kernels::findFamily(getFamily().str());
  if (!family)
    return emitOpError() << "unknown kernel family \"" << getFamily() << "\" (known: " << knownFamilies() << ")";
  if (!::g4::kernels::kernelMatchesFamily(*family, getKernel().str()))
    return emitOpError() << "kernel \"" << getKernel() << "\" is not of family \"" << getFamily() << "\" (expected "
                         << (family->library ? "\"" : "a name expression starting with \"") << family->kernel << "\")";
  const int64_t first = int64_t(getMinRows());
  if (first < 1)
    return emitOpError() << "expects min_rows >= 1, found " << first;
  if (std::optional<uint64_t> last = getMaxRows(); last && int64_t(*last) < first)
    return emitOpError() << "expects max_rows >= min_rows " << first << ", found " << int64_t(*last);
  const bool tiled =
      family->family == ::g4::kernels::KernelFamily::Gemv || family->family == ::g4::kernels::KernelFamily::Attention;
  if (tiled && int64_t(getTileTokens()) < 1)
    return emitOpError() << "expects a tile of at least one token for family \"" << getFamily() << "\", found "
                         << int64_t(getTileTokens());
  if (std::optional<uint64_t> above = getRowsPerTileAbove()) {
    if (family->role != FamilyRole::Attention)
      return emitOpError() << "family \"" << getFamily() << "\" cannot be conditional (rows_per_tile): only attention "
                           << "launches have tiles of one sequence's tokens";
    if (*above < 1)
      return emitOpError() << "expects rows_per_tile > N with N >= 1, found 0";
  }
  auto dispatch = cast<DispatchOp>((*this)->getParentOp());
  Operation *computation = dispatch.getComputation();
  if (computation && familyRoleOf(computation) != family->role)
    return emitOpError() << "family \"" << getFamily() << "\" cannot run " << computation->getName();
  if (auto attention = dyn_cast_if_present<mlir::g4::AttentionOp>(computation))
    if (failed(verifyAttentionInstance(*this, attention)))
      return failure();
  if (const ::g4::kernels::GpuArch *arch = ::g4::kernels::findArch(dispatch.getArch().str());
      arch && int64_t(getSharedBytes()) > int64_t(arch->maxSharedBytes))
    return emitOpError() << "needs " << int64_t(getSharedBytes()) << " bytes of shared memory per block, " << arch->name
                         << " allows " << arch->maxSharedBytes;
  return success();
}
