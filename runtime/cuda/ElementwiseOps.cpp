// Embed, RmsNorm, the elementwise ops, Slice, Rope, row gathers and argmax.
#include "KernelArgs.h"
#include "cuda/Launch.h"
#include "cuda/Ops.h"
#include "io/Error.h"

#include <algorithm>

namespace g4::rt::cuda {

using g4k::kBlockThreads;

void runEmbed(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const uint32_t width = b.outWidth[0], tableRows = b.weightInfo[0]->shape()->Get(0);
  const bool sharded = b.inst->op_as_Embed()->vocab_sharded();
  const g4k::EmbedArgs args{b.in[0],
                            b.weights[0],
                            b.out[0],
                            int(rows),
                            int(tableRows),
                            int(width),
                            b.inst->op_as_Embed()->scale(),
                            int(sharded ? env.rank * tableRows : 0),
                            int(sharded ? env.ranks * tableRows : tableRows)};
  launch(env.kernels->embed, {blocksFor(width, kBlockThreads, 64), gridRows(rows)}, kBlockThreads, 0, env.stream, args,
         env.programmatic);
}

namespace {

void launchRmsNorm(const OpEnv &env, const g4k::RmsNormArgs &args, bool addResidual) {
  const size_t variant = args.group >= 512 ? 1 : 0; // a block per long group, a warp per short one
  const unsigned threads = unsigned(g4k::rmsNormBlockThreads(kernels::kRmsNormThreads[variant]));
  const unsigned groupsPerBlock = threads / kernels::kRmsNormThreads[variant];
  launch(env.kernels->rmsNorm[addResidual][variant],
         {unsigned((uint64_t(args.groups) + groupsPerBlock - 1) / groupsPerBlock)}, threads, 0, env.stream, args,
         env.programmatic);
}

} // namespace

void runRmsNorm(const OpEnv &env, CUdeviceptr x, CUdeviceptr weight, CUdeviceptr y, uint32_t rows, uint32_t width,
                uint32_t group, float eps) {
  const g4k::RmsNormArgs args{x, 0, 0, weight, y, (long long)(uint64_t(rows) * width / group), int(group), eps, 0, 0};
  launchRmsNorm(env, args, false);
}

void runAddRmsNorm(const OpEnv &env, const AddRmsNormOperands &op, uint32_t rows, uint32_t width, float eps) {
  const g4k::RmsNormArgs args{op.x,       op.residual, op.sum,   op.weight, op.normed, (long long)rows,
                              int(width), eps,         op.xNorm, op.scalar};
  launchRmsNorm(env, args, true);
}

void checkNormRopeHeadDim(const char *op, uint32_t headDim) {
  if (headDim > uint32_t(g4k::kRopeMaxHeadDim))
    throw Error(std::string(op) + ": head_dim " + std::to_string(headDim) + " is above " +
                std::to_string(g4k::kRopeMaxHeadDim) + ", the most the CUDA kernel takes");
}

void runRmsNormRope(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const plan::RmsNormRope &op = *b.inst->op_as_RmsNormRope();
  checkNormRopeHeadDim("RmsNormRope", op.head_dim());
  const uint32_t width = b.inWidth[0];
  const g4k::RmsNormRopeArgs args{
      b.in[0],    b.weights[0], b.in[1], b.out[0], int(rows), int(width), int(op.head_dim()), int(op.rotary_pairs()),
      op.theta(), op.factor(),  op.eps()};
  const uint64_t heads = uint64_t(rows) * (width / op.head_dim());
  launch(env.kernels->rmsNormRope, {unsigned((heads + 3) / 4)}, 128, 0, env.stream, args, env.programmatic);
}

void runElementwise(const OpEnv &env, kernels::ElementwiseOp op, CUdeviceptr a, CUdeviceptr b, CUdeviceptr y,
                    uint64_t n, float factor, CUdeviceptr scalar) {
  const g4k::ElementwiseArgs args{a, b, y, (long long)n, factor, scalar};
  launch(env.kernels->elementwise[size_t(op)], {blocksFor(n, kBlockThreads, 8192)}, kBlockThreads, 0, env.stream, args,
         env.programmatic);
}

void runSlice(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const plan::Slice &op = *b.inst->op_as_Slice();
  const g4k::SliceArgs args{b.in[0], b.out[0], int(rows), int(b.inWidth[0]), int(op.offset()), int(op.width())};
  launch(env.kernels->slice, {blocksFor(uint64_t(rows) * op.width(), kBlockThreads, 8192)}, kBlockThreads, 0,
         env.stream, args, env.programmatic);
}

void runRope(const OpEnv &env, CUdeviceptr x, CUdeviceptr positions, CUdeviceptr y, uint32_t rows, uint32_t width,
             uint32_t headDim, uint32_t rotaryPairs, float theta, float factor) {
  const g4k::RopeArgs args{x, positions, y, int(rows), int(width), int(headDim), int(rotaryPairs), theta, factor};
  launch(env.kernels->rope, {blocksFor(uint64_t(rows) * width / 2, kBlockThreads, 8192)}, kBlockThreads, 0, env.stream,
         args, env.programmatic);
}

void runGatherRows(const OpEnv &env, CUdeviceptr src, CUdeviceptr dst, CUdeviceptr rowIndices, uint32_t count,
                   uint32_t width) {
  const g4k::GatherRowsArgs args{src, dst, rowIndices, int(count), int(width)};
  launch(env.kernels->gatherRows, {blocksFor(width, kBlockThreads, 64), gridRows(count)}, kBlockThreads, 0, env.stream,
         args, env.programmatic);
}

void runArgmax(const OpEnv &env, CUdeviceptr logits, CUdeviceptr tokens, uint32_t rows, uint32_t vocab) {
  const g4k::ArgmaxArgs args{logits, tokens, int(rows), int(vocab)};
  launch(env.kernels->argmax, {rows}, 1024, 0, env.stream, args, env.programmatic);
}

} // namespace g4::rt::cuda
