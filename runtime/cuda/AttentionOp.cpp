// Attention: the step's K/V rows are written to the layer's pages, then
// attention<head_dim, group> runs over tiles of the step's tokens, split
// along the keys (and merged by attentionCombine) when tiles x KV heads
// leave the GPU's multiprocessors idle.
#include "KernelArgs.h"
#include "KernelNames.h"
#include "cuda/Launch.h"
#include "cuda/Ops.h"

#include <algorithm>

namespace g4::rt::cuda {
namespace {

constexpr uint32_t kMaxSplits = 16;

// Enough blocks for two waves over the multiprocessors, within the workspace.
uint32_t splitsFor(const OpEnv &env, uint32_t blocks, uint32_t tileRows, uint32_t headDim) {
  const uint32_t target = 2 * uint32_t(env.device->multiprocessors);
  uint32_t splits = std::clamp<uint32_t>((target + blocks - 1) / blocks, 1, kMaxSplits);
  while (splits > 1 && uint64_t(blocks) * splits * tileRows * (headDim + 2) > env.workspace.attentionPartialFloats)
    --splits;
  return splits;
}

} // namespace

void runAttention(const OpEnv &env, const BoundInstruction &b, uint32_t rows) {
  const plan::Attention &op = *b.inst->op_as_Attention();
  const g4k::KvPoolView kv =
      env.kv->view(op.cache_layer(), env.inputs->pageTable(op.kind()), env.inputs->pageTableStride());
  if (op.writes_kv()) {
    const g4k::KvWriteArgs write{b.in[2], b.in[3], b.in[1], env.inputs->tokenSequence(), kv, int(rows)};
    launch(env.kernels->kvWrite, {blocksFor(uint64_t(kv.rowElements), g4k::kBlockThreads, 64), gridRows(rows)},
           g4k::kBlockThreads, 0, env.stream, write, env.programmatic);
  }

  const uint32_t group = op.num_heads() / op.num_kv_heads();
  const uint32_t tileTokens = uint32_t(g4k::attentionTileTokens(int(group)));
  const uint32_t tileRows = uint32_t(g4k::attentionTileRows(int(group)));
  const uint32_t tiles = env.inputs->numTiles(tileTokens);
  const uint32_t splits = splitsFor(env, tiles * op.num_kv_heads(), tileRows, op.head_dim());
  g4k::AttentionArgs args{};
  args.q = b.in[0];
  args.o = b.out[0];
  args.positions = b.in[1];
  args.tokenSequence = env.inputs->tokenSequence();
  args.tiles = env.inputs->tiles(tileTokens);
  args.kv = kv;
  args.partial = env.workspace.attentionPartial;
  args.numHeads = int(op.num_heads());
  args.numKvHeads = int(op.num_kv_heads());
  args.window = int(op.window());
  args.scale = op.scale();
  args.splits = int(splits);
  launch((*env.kernels)(kernels::attention(op.head_dim(), group)), {tiles, op.num_kv_heads(), splits},
         g4k::kAttentionWarps * 32, g4k::attentionSharedBytes(int(op.head_dim()), int(group)), env.stream, args, env.programmatic);
  if (splits > 1) {
    const g4k::AttentionCombineArgs combine{env.workspace.attentionPartial, b.out[0],          args.tiles,
                                            int(op.num_heads()),          int(op.num_kv_heads()), int(op.head_dim()),
                                            int(group),                   int(splits)};
    launch(env.kernels->attentionCombine, {tiles * op.num_kv_heads() * tileRows}, 128, 0, env.stream, combine, env.programmatic);
  }
}

} // namespace g4::rt::cuda
