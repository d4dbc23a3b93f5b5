// Attention: the step's K/V rows are written to the layer's pages (with a
// prologue, by the kernel that also normalizes and rotates q and k), then the
// attention variant the plan chose for the step (chooseAttention) runs over
// tiles of the step's tokens, split along the keys (and merged by
// attentionCombine) when tiles x KV heads leave the GPU's multiprocessors
// idle.
#include "AttentionVariants.h"
#include "KernelArgs.h"
#include "cuda/Launch.h"
#include "cuda/Ops.h"

#include <algorithm>

namespace g4::rt::cuda {
namespace {

constexpr uint32_t kMaxSplits = 16;

// Splits along the keys: SIMT blocks (small, several per SM) fill two waves;
// tensor-core blocks (one or two per SM by shared memory) at most one wave.
uint32_t splitsFor(const OpEnv &env, const kernels::AttentionShape &shape, kernels::AttentionVariant variant,
                   uint32_t blocks, uint32_t headDim) {
  const uint32_t sms = uint32_t(env.device->multiprocessors);
  const uint32_t wanted =
      variant == kernels::AttentionVariant::Simt
          ? (2 * sms + blocks - 1) / blocks
          : sms * std::max<uint32_t>(1, uint32_t(env.device->sharedMemoryPerBlockOptin / shape.sharedBytes)) / blocks;
  uint32_t splits = std::clamp<uint32_t>(wanted, 1, kMaxSplits);
  while (splits > 1 &&
         uint64_t(blocks) * splits * shape.tileRows * (headDim + 2) > env.workspace.attentionPartialFloats)
    --splits;
  return splits;
}

} // namespace

const KernelChoice &chooseAttention(const OpEnv &env, const KernelChoices &choices, uint32_t group, uint32_t rows) {
  return choices.at(rows, uint64_t(rows) * group,
                    [&](uint32_t tileTokens) { return env.inputs->numTiles(tileTokens); });
}

void runAttention(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const plan::Attention &op = *b.inst->op_as_Attention();
  const KernelChoice &choice = chooseAttention(env, b.choices, op.num_heads() / op.num_kv_heads(), rows);
  runAttention(env, b, rows, *kernels::attentionVariantOf(choice.family)); // the loader checked the family
}

void runAttention(const OpEnv &env, const BoundInstruction &b, uint32_t rows, kernels::AttentionVariant variant) {
  const plan::Attention &op = *b.inst->op_as_Attention();
  const g4k::KvPoolView kv =
      env.kv->view(op.cache_layer(), env.inputs->pageTable(op.kind()), env.inputs->pageTableStride());
  if (op.prologue()) {
    checkNormRopeHeadDim("Attention prologue", op.head_dim());
    g4k::AttentionPrologueArgs prologue{};
    prologue.q = b.in[0];
    prologue.qNorm = b.weights[0];
    if (op.writes_kv()) {
      prologue.k = b.in[2];
      prologue.v = b.in[3];
      prologue.kNorm = b.weights[1];
      prologue.kv = kv;
    }
    prologue.positions = b.in[1];
    prologue.tokenSequence = env.inputs->tokenSequence();
    prologue.tokens = int(rows);
    prologue.numHeads = int(op.num_heads());
    prologue.numKvHeads = int(op.num_kv_heads());
    prologue.headDim = int(op.head_dim());
    prologue.rotaryPairs = int(op.rotary_pairs());
    prologue.theta = op.rope_theta();
    prologue.factor = op.rope_factor();
    prologue.eps = op.norm_eps();
    prologue.vNorm = op.v_norm();
    const uint64_t warps = uint64_t(rows) * (op.num_heads() + (op.writes_kv() ? op.num_kv_heads() : 0));
    launch(env.kernels->attentionPrologue, {unsigned((warps + 3) / 4)}, 128, 0, env.stream, prologue, env.programmatic);
  } else if (op.writes_kv()) {
    const g4k::KvWriteArgs write{b.in[2], b.in[3], b.in[1], env.inputs->tokenSequence(), kv, int(rows)};
    launch(env.kernels->kvWrite, {blocksFor(uint64_t(kv.rowElements), g4k::kBlockThreads, 64), gridRows(rows)},
           g4k::kBlockThreads, 0, env.stream, write, env.programmatic);
  }

  const uint32_t group = op.num_heads() / op.num_kv_heads();
  const kernels::AttentionShape shape = kernels::attentionShape(variant, op.head_dim(), group);
  const uint32_t tiles = env.inputs->numTiles(shape.tileTokens);
  const uint32_t splits = splitsFor(env, shape, variant, tiles * op.num_kv_heads(), op.head_dim());
  g4k::AttentionArgs args{};
  args.q = b.in[0];
  args.o = b.out[0];
  args.positions = b.in[1];
  args.tokenSequence = env.inputs->tokenSequence();
  args.tiles = env.inputs->tiles(shape.tileTokens);
  args.kv = kv;
  args.partial = env.workspace.attentionPartial;
  args.numHeads = int(op.num_heads());
  args.numKvHeads = int(op.num_kv_heads());
  args.window = int(op.window());
  args.scale = op.scale();
  args.splits = int(splits);
  launch((*env.kernels)(shape.name), {tiles, op.num_kv_heads(), splits}, shape.threads, shape.sharedBytes, env.stream,
         args, env.programmatic);
  if (splits > 1) {
    const g4k::AttentionCombineArgs combine{env.workspace.attentionPartial,
                                            b.out[0],
                                            args.tiles,
                                            int(op.num_heads()),
                                            int(op.num_kv_heads()),
                                            int(op.head_dim()),
                                            int(group),
                                            int(shape.tileRows),
                                            int(splits)};
    launch(env.kernels->attentionCombine, {tiles * op.num_kv_heads() * shape.tileRows}, 128, 0, env.stream, combine,
           env.programmatic);
  }
}

} // namespace g4::rt::cuda
