// The launch ABI shared by the host (g++) and the kernels (NVRTC): one
// argument struct per kernel, passed by value, plus the compile-time tile
// constants both sides must agree on. Plain C++ that both compilers accept:
// no standard headers (NVRTC has none), fixed-size integer types only.
//
// Device pointers are typed pointers in kernels and CUdeviceptr-sized integers
// on the host (G4K_PTR), so the structs have one layout on both sides.
#pragma once

#if defined(__CUDACC_RTC__)
#define G4K_PTR(T) T *
#define G4K_SHARED_FN __host__ __device__ constexpr
#else
#define G4K_PTR(T) unsigned long long
#define G4K_SHARED_FN constexpr
#endif

namespace g4k {

using bf16 = unsigned short; // bfloat16 bits

// ---------------------------------------------------------------- tiles

inline constexpr int kAttentionWarps = 4;
inline constexpr int kAttentionKeys = 32;        // keys per shared-memory tile: one per lane
inline constexpr int kAttentionMaxTileRows = 16; // query rows (tokens x heads of one KV group) per block

// Tokens of one sequence a prefill attention block takes: as many as keep
// tokens x group within kAttentionMaxTileRows, at least one.
G4K_SHARED_FN int attentionTileTokens(int group) {
  return group >= kAttentionMaxTileRows ? 1 : kAttentionMaxTileRows / group;
}
G4K_SHARED_FN int attentionTileRows(int group) { return attentionTileTokens(group) * group; }
// Dynamic shared memory of attention<headDim, group>: the tile's queries
// (fp32), a K tile (bf16, rows padded by 4 elements against bank conflicts)
// and a V tile (bf16).
G4K_SHARED_FN unsigned attentionSharedBytes(int headDim, int group) {
  return unsigned(attentionTileRows(group) * headDim * 4 + kAttentionKeys * (headDim + 4) * 2 +
                  kAttentionKeys * headDim * 2);
}

// Tensor-core attention (AttentionMma.cuh), attentionMma<headDim, group, rowWarps>:
// rowWarps warps of 16 query rows each (prefill tiles: 8, two warps per
// scheduler to hide latency, or 4 above head_dim 256; decode: 1); head_dim
// above 256 splits each row's output columns over two warps (colWarps, which
// exchange the tile's scores), and the warps left of four split each key tile
// among themselves (keyWarps, merged at the end).
inline constexpr int kAttentionMmaDecodeRowWarps = 1;
G4K_SHARED_FN int attentionMmaColWarps(int headDim) { return headDim > 256 ? 2 : 1; }
G4K_SHARED_FN int attentionMmaTileRowWarps(int headDim) { return headDim > 256 ? 4 : 8; }
G4K_SHARED_FN int attentionMmaKeyWarps(int headDim, int rowWarps) {
  return rowWarps >= 4 ? 1 : 4 / attentionMmaColWarps(headDim);
}
G4K_SHARED_FN int attentionMmaThreads(int headDim, int rowWarps) {
  return 32 * rowWarps * attentionMmaKeyWarps(headDim, rowWarps) * attentionMmaColWarps(headDim);
}
G4K_SHARED_FN int attentionMmaKeys(int headDim) { return 64 / attentionMmaColWarps(headDim); } // keys per K/V tile
// Tokens per tile; the instance needs group <= 16 * rowWarps.
G4K_SHARED_FN int attentionMmaTileTokens(int group, int rowWarps) { return 16 * rowWarps / group; }
G4K_SHARED_FN int attentionMmaTileRows(int group, int rowWarps) {
  return attentionMmaTileTokens(group, rowWarps) * group;
}
// Dynamic shared memory: bf16 queries and two stages of K and V tiles (rows
// padded by 8 elements: conflict-free ldmatrix), the colWarps' bf16 scores,
// fp32 row statistics. The epilogue reuses the K/V stages for the output.
G4K_SHARED_FN unsigned attentionMmaSharedBytes(int headDim, int rowWarps) {
  const int stride = headDim + 8, rows = 16 * rowWarps, keys = attentionMmaKeys(headDim);
  const int colWarps = attentionMmaColWarps(headDim), keyWarps = attentionMmaKeyWarps(headDim, rowWarps);
  const int scores = colWarps > 1 ? rowWarps * keyWarps * 16 * (keys / keyWarps + 8) * 2 : 0;
  return unsigned(rows * stride * 2 + 4 * keys * stride * 2 + scores + (3 * keyWarps * colWarps * rows + 2 * rows) * 4);
}

inline constexpr int kRopeMaxHeadDim = 512; // rmsNormRope keeps a head in one warp's registers

// Threads of an rmsNorm block: groups of a warp share blocks of 128.
G4K_SHARED_FN int rmsNormBlockThreads(int threadsPerGroup) { return threadsPerGroup < 128 ? 128 : threadsPerGroup; }

inline constexpr int kGemvWarps = 4;         // warps of a GEMV block, one output row each
inline constexpr int kGemvRows = kGemvWarps; // output rows of a GEMV block
inline constexpr int kGemvChunks = 8;        // 16-byte weight loads a GEMV lane keeps in flight
// splitMma (device/SplitMma.cuh): a block of 4 warps x 32 weight rows, inputs
// in chunks of 64, token tiles up to 64. K splits aim at the blocks an SM
// holds (registers: 4 at 16 tokens, 2 above), fewer than two waves of them, so
// row tiles x splits < 2 x that, which bounds the partial tiles and counters.
inline constexpr int kSplitMmaThreads = 128;
inline constexpr int kSplitMmaRows = 128;
inline constexpr int kSplitMmaChunk = 64;
inline constexpr int kSplitMmaMaxTokens = 64;
G4K_SHARED_FN int splitMmaBlocksPerSm(int tokens) { return tokens <= 16 ? 4 : 2; }
G4K_SHARED_FN unsigned long long splitMmaPartialFloats(int multiprocessors) { // the largest over the token tiles
  return 2ull * splitMmaBlocksPerSm(kSplitMmaMaxTokens) * multiprocessors * kSplitMmaRows * kSplitMmaMaxTokens;
}
G4K_SHARED_FN int splitMmaCounters(int multiprocessors) { return 2 * splitMmaBlocksPerSm(16) * multiprocessors; }
// splitWgmma (device/SplitWgmma.cuh, sm_90a): splitMma's product with the
// weights streamed through kSplitWgmmaWeightStages shared-memory stages into
// wgmma, the token tile's hi and lo rows through two; two warpgroups x 64 of
// splitMma's 128 weight rows, one tile of 64 tokens (hi and lo: 128 wgmma
// columns), two blocks an SM. K splits are a thread-block cluster summing its
// tiles through distributed shared memory.
inline constexpr int kSplitWgmmaThreads = 256;
inline constexpr int kSplitWgmmaTokens = 64;
inline constexpr int kSplitWgmmaWeightStages = 4;
inline constexpr int kSplitWgmmaBlocksPerSm = 2;
inline constexpr int kSplitWgmmaMaxSplits = 8; // the portable cluster size
// A weight stage: 128 rows of 64 inputs (128 bytes); a token stage: the hi, then the lo rows.
inline constexpr int kSplitWgmmaWeightStageBytes = kSplitMmaRows * 128;
inline constexpr int kSplitWgmmaTokenStageBytes = 2 * kSplitWgmmaTokens * 128;
// The stages, and 1024 bytes to align them to the 128-byte swizzle's period.
inline constexpr unsigned kSplitWgmmaSharedBytes =
    kSplitWgmmaWeightStages * kSplitWgmmaWeightStageBytes + 2 * kSplitWgmmaTokenStageBytes + 1024;
inline constexpr int kMoeWarps = 4;  // warps of an MoE expert block, a tile of 16 weight rows each
inline constexpr int kMoeTokens = 8; // most tokens an MoE expert block stages per pass over its weights
inline constexpr int kMoeBatch = 8;  // 32-wide k chunks of weights an MoE warp loads at once (4: 3-8% slower)
// mma column groups of an MoE pass: 4 tokens' hi and lo halves each.
inline constexpr int kMoeGroups = kMoeTokens / 4;
inline constexpr int kBlockThreads = 256; // default block of the elementwise kernels

// An MoE expert block's staged inputs: per token, rows of k / 4 bf16x2 pairs
// (uint2), k padded to 32, then 2 more against shared-memory bank conflicts;
// the hi row, then the lo row.
G4K_SHARED_FN int moeStageQuads(int k) { return (k + 31) / 32 * 8; }
G4K_SHARED_FN int moeStageStride(int k) { return moeStageQuads(k) + 2; }
G4K_SHARED_FN unsigned moeExpertSharedBytes(int tokens, int k) { return unsigned(tokens * 2 * moeStageStride(k) * 8); }

// ---------------------------------------------------------------- arguments

// y[t] = table[ids[t] - first] * scale. A vocabulary-sharded rank's table
// holds rows [first, first + rows) of the vocab; other ids give zero rows.
struct EmbedArgs {
  G4K_PTR(const int) ids;    // [tokens]
  G4K_PTR(const bf16) table; // [rows, width]
  G4K_PTR(float) y;          // [tokens, width]
  int tokens;
  int rows;
  int width;
  float scale;
  int first; // the id of the table's row 0
  int vocab; // ids in [0, vocab) are valid
};

// y = epilogue(x @ w^T, x @ w2^T) for a few tokens; x [tokens, in] fp32,
// w and w2 [out, in] bf16 (w2 only for two-matrix epilogues); `factor` is the
// epilogue's constant (the soft-cap). The output rows may be segments of up to
// kGemvSegments projections of x (MultiLinear; one-matrix epilogues): rows
// [rowEnd[s-1], rowEnd[s]) are rows of w[s] [rowEnd[s] - rowEnd[s-1], in],
// written to y[s] [tokens, rowEnd[s] - rowEnd[s-1]]; a single projection
// (and each unused segment) ends at the last row, rowEnd[kGemvSegments - 1].
// Side-input epilogues (SliceGatedLinear) take output row r of token t's
// side operand from side[t * sideStride + r] (side: the slice's first column).
inline constexpr int kGemvSegments = 3;
struct GemvArgs {
  G4K_PTR(const float) x;
  G4K_PTR(const bf16) w[kGemvSegments];
  G4K_PTR(const bf16) w2;
  G4K_PTR(float) y[kGemvSegments];
  int rowEnd[kGemvSegments];
  int tokens;
  int in;
  float factor;
  G4K_PTR(const float) side;
  int sideStride;
};

// splitMma<tokens, Epilogue>: GemvArgs' product for a token tile per block,
// grid (row tiles, K splits, token tiles); `in` a multiple of 8.
struct SplitMmaArgs {
  G4K_PTR(const float) x;
  G4K_PTR(const bf16) w;
  G4K_PTR(const bf16) w2;
  G4K_PTR(float) y;
  G4K_PTR(float) partial; // K splits > 1: [token tiles x row tiles, splits, tokens, kSplitMmaRows]
  G4K_PTR(int) counters;  // [token tiles x row tiles], zero between launches
  int tokens;
  int in;
  int out;
  int chunksPerSplit; // kSplitMmaChunk-wide chunks of `in` per K split
  float factor;
};

// splitWgmma<Epilogue>: SplitMmaArgs' product over up to kGemvSegments
// projections of x in one launch (MultiLinear; one-matrix epilogues), grid
// (row tiles of every segment, K splits, token tiles); `in` a multiple of 8.
// Segment s: weights w[s] of outs[s] rows into y[s] ([tokens, outs[s]]), row
// tiles [tileEnd[s - 1], tileEnd[s]); unused segments repeat the last tileEnd.
struct SplitWgmmaArgs {
  G4K_PTR(const float) x;
  G4K_PTR(const bf16) w[kGemvSegments];
  G4K_PTR(const bf16) w2; // GeluTanhGate's up rows (one segment)
  G4K_PTR(float) y[kGemvSegments];
  int outs[kGemvSegments];
  int tileEnd[kGemvSegments];
  int tokens;
  int in;
  int chunksPerSplit; // kSplitMmaChunk-wide chunks of `in` per K split
  float factor;
};

// moeSplitWgmma: every expert's rows of x (grouped by moeSort's offsets) times
// its weights on splitWgmma's tiles. Grid (row tiles of `out`, K splits as
// clusters, token tiles: at least the experts' tiles of kSplitWgmmaTokens).
struct MoeSplitWgmmaArgs {
  G4K_PTR(const float) x;     // [entries, in], rows grouped by expert
  G4K_PTR(const bf16) w;      // [experts, rows, in]
  long long expertStride;     // elements from one expert's weights to the next
  long long upOffset;         // gated: elements from an expert's gate rows to its up rows
  G4K_PTR(float) y;           // [entries, out]
  G4K_PTR(const int) offsets; // [experts + 1]
  int experts;                // at most kSplitWgmmaThreads
  int out;
  int in;
  int chunksPerSplit;
  int gated; // y = gelu_tanh(gate x) * (up x), else y = w x
};

// y = rmsnorm(x) (* w); with rmsNorm<.., true>, of x + residual, also stored to sum.
struct RmsNormArgs {
  G4K_PTR(const float) x;
  G4K_PTR(const float) residual;
  G4K_PTR(float) sum;
  G4K_PTR(const bf16) w; // [group], or 0 for no weight
  G4K_PTR(float) y;      // or 0 with rmsNorm<.., true>: sum alone, no output norm (RmsNormAdd)
  long long groups;      // tokens * width / group
  int group;
  float eps;
  G4K_PTR(const bf16) xWeight; // AddRmsNorm's x_norm [group], or 0
  G4K_PTR(const bf16) scalar;  // AddRmsNorm's layer scalar [1], or 0
};

// y = op(a, b) over n elements; `factor` is Scale's factor or Softcap's cap;
// `scalar` is LayerScalar's weight.
struct ElementwiseArgs {
  G4K_PTR(const float) a;
  G4K_PTR(const float) b;
  G4K_PTR(float) y;
  long long n;
  float factor;
  G4K_PTR(const bf16) scalar;
};

struct SliceArgs {
  G4K_PTR(const float) x; // [tokens, width]
  G4K_PTR(float) y;       // [tokens, sliceWidth]
  int tokens;
  int width;
  int offset;
  int sliceWidth;
};

struct SplitArgs { // fp32 x -> bf16 hi + bf16 lo
  G4K_PTR(const float) x;
  G4K_PTR(bf16) hi;
  G4K_PTR(bf16) lo;
  long long n;
};

// The long-prefill GEMM's f16 operands (device/HalfOperands.cuh): each
// tensor scaled by 2^e, e = halfExponent(max |value|).
using f16 = unsigned short; // IEEE half bits

struct AbsMaxArgs { // atomicMax(*bits, float bits of max |x[i]|), *bits zeroed before
  G4K_PTR(const void) x; // fp32 (absMaxFloat) or bf16 (absMaxBf16)
  long long n;
  G4K_PTR(unsigned) bits;
};

struct HalfExponentsArgs { // bits[i] (AbsMaxArgs) -> halfExponent, in place, for i < n
  G4K_PTR(unsigned) bits;
  int n;
};

struct ActivationsToHalfArgs { // y = f16(x * 2^halfExponent(*amaxBits))
  G4K_PTR(const float) x;
  G4K_PTR(f16) y;
  long long n;
  G4K_PTR(const unsigned) amaxBits;
};

// y = f16(w * 2^*exponent); block 0 also writes *alpha = 2^-(*exponent + the
// activations' exponent), which unscales the f16 product.
struct WeightsToHalfArgs {
  G4K_PTR(const bf16) w;
  G4K_PTR(f16) y;
  long long n;
  G4K_PTR(const int) exponent;
  G4K_PTR(const unsigned) activationAmaxBits;
  G4K_PTR(float) alpha;
};

// dst[r] = src[rows[r]] for rows of `width` 4-byte elements.
struct GatherRowsArgs {
  G4K_PTR(const unsigned) src;
  G4K_PTR(unsigned) dst;
  G4K_PTR(const int) rows;
  int count;
  int width;
};

struct RopeArgs {
  G4K_PTR(const float) x;
  G4K_PTR(const int) positions;
  G4K_PTR(float) y;
  int tokens;
  int width;
  int headDim;
  int rotaryPairs;
  float theta;
  float factor;
};

// RmsNorm over each head (group = headDim, weight w), then Rope.
struct RmsNormRopeArgs {
  G4K_PTR(const float) x;
  G4K_PTR(const bf16) w; // [headDim]
  G4K_PTR(const int) positions;
  G4K_PTR(float) y;
  int tokens;
  int width;
  int headDim;
  int rotaryPairs;
  float theta;
  float factor;
  float eps;
};

// One layer's view of a KV pool (KvLayout): page p, slot s, element e of the
// K block is pool[p * pageElements + keyOffset + s * rowElements + e].
struct KvPoolView {
  G4K_PTR(bf16) pool;
  long long pageElements;
  long long keyOffset;          // elements
  long long valueOffset;        // elements
  int rowElements;              // num_kv_heads * head_dim
  int pageSize;                 // tokens per page
  G4K_PTR(const int) pageTable; // [sequence rows, pageTableStride]: page ids of the step's sequences
  int pageTableStride;
};

struct KvWriteArgs {
  G4K_PTR(const float) k; // [tokens, rowElements]
  G4K_PTR(const float) v;
  G4K_PTR(const int) positions;
  G4K_PTR(const int) tokenSequence; // [tokens]: the token's row of the page table
  KvPoolView kv;
  int tokens;
};

// An Attention's prologue (plan.fbs): q heads normalized and rotated in
// place; when kv.pool is set, k heads normalized and rotated, v heads
// normalized when vNorm, both stored as bf16 at each token's slot.
struct AttentionPrologueArgs {
  G4K_PTR(float) q;       // [tokens, numHeads * headDim]
  G4K_PTR(const float) k; // [tokens, numKvHeads * headDim]
  G4K_PTR(const float) v;
  G4K_PTR(const bf16) qNorm; // [headDim]
  G4K_PTR(const bf16) kNorm;
  G4K_PTR(const int) positions;
  G4K_PTR(const int) tokenSequence; // [tokens]: the token's row of the page table
  KvPoolView kv;                    // pool null: a KV-shared layer (q only)
  int tokens;
  int numHeads;
  int numKvHeads;
  int headDim;
  int rotaryPairs;
  float theta;
  float factor;
  float eps;
  int vNorm;
};

// attention<headDim, group>: grid (tiles, num_kv_heads, splits). A tile is
// up to attentionTileTokens(group) consecutive tokens of one sequence.
struct AttentionArgs {
  G4K_PTR(const float) q; // [tokens, numHeads * headDim]
  G4K_PTR(float) o;       // same shape; written directly when splits == 1
  G4K_PTR(const int) positions;
  G4K_PTR(const int) tokenSequence;
  G4K_PTR(const int) tiles; // [numTiles, 2]: first token, token count
  KvPoolView kv;
  G4K_PTR(float) partial; // splits > 1: [numTiles, numKvHeads, tileRows, splits, headDim + 2] (m, l, o)
  int numHeads;
  int numKvHeads;
  int window; // 0 = unlimited
  float scale;
  int splits;
};

// attentionCombine: merges the splits of `partial` into o; grid numTiles * numKvHeads * tileRows.
struct AttentionCombineArgs {
  G4K_PTR(const float) partial;
  G4K_PTR(float) o;
  G4K_PTR(const int) tiles;
  int numHeads;
  int numKvHeads;
  int headDim;
  int group;
  int tileRows; // rows of a tile in partial: tile tokens x group
  int splits;
};

struct MoeRouterArgs {
  G4K_PTR(const float) logits;        // [tokens, experts]: (rmsnorm_noscale(h) * scale) @ proj^T
  G4K_PTR(const bf16) perExpertScale; // [experts]
  G4K_PTR(float) routeWeights;        // [tokens, topK]
  G4K_PTR(int) routeIds;              // [tokens, topK]
  int tokens;
  float hiddenScale; // hidden^-0.5, rounded on the host as the reference does
};

// Groups the (token, k) entries of routeIds by expert: offsets [experts + 1],
// sorted [entries] (entry = token * topK + k), slots [entries] (the inverse:
// where each entry went), sortedTokens [entries] (the token of each sorted
// entry), and active [experts + 1]: the experts with entries, then their count.
// Expert ids are global: this rank holds experts [firstExpert, firstExpert +
// experts) (an expert-sharded plan); entries of other ranks' experts get slot
// -1 and sort after offsets[experts], with their tokens, unused.
struct MoeSortArgs {
  G4K_PTR(const int) routeIds;
  G4K_PTR(int) offsets;
  G4K_PTR(int) sorted;
  G4K_PTR(int) slots;
  G4K_PTR(int) sortedTokens;
  G4K_PTR(int) active;
  int entries;
  int experts;
  int topK;
  int firstExpert;
};

// Grid (active expert slots, row blocks): block x serves active[x].
struct MoeExpertArgs {
  G4K_PTR(const float) x; // gateUp: the tokens [tokens, hidden]; down: the activations [entries, inter]
  G4K_PTR(const bf16) w;  // gateUp: [experts, 2 * inter, hidden]; down: [experts, hidden, inter]
  G4K_PTR(float) y;       // gateUp: [entries, inter]; down: [entries, hidden]
  G4K_PTR(const int) offsets;
  G4K_PTR(const int) sorted;
  G4K_PTR(const int) active;
  int experts;
  int hidden;
  int inter;
  int topK;
  int passTokens; // tokens staged per pass: moeExpertSharedBytes(passTokens, k) bytes of shared memory
};

// y[t] = sum_k w[t, k] * expertOut[row of entry t * topK + k], over the
// entries of this rank's experts (moeSort's slots not -1).
struct MoeCombineArgs {
  G4K_PTR(const float) expertOut;    // [tokens * topK, hidden], by entry, or by sorted slot when bySlot
  G4K_PTR(const int) slots;          // [tokens * topK]: moeSort's
  G4K_PTR(const float) routeWeights; // [tokens, topK]
  G4K_PTR(float) y;                  // [tokens, hidden]
  int tokens;
  int hidden;
  int topK;
  int bySlot;
};

// act[r] = gelu_tanh(y[r, :inter]) * y[r, inter:] for rows of [rows, 2 * inter].
struct MoeGateArgs {
  G4K_PTR(const float) gateUp;
  G4K_PTR(float) act;
  long long rows;
  int inter;
};

struct ArgmaxArgs {
  G4K_PTR(const float) logits; // [rows, vocab]
  G4K_PTR(int) tokens;         // [rows]
  int rows;
  int vocab;
};

// One row's sampling (the host's RowSampling): temperature -> min-p -> top-k
// -> top-p -> draw, or greedy.
struct SampleRowParams {
  unsigned long long uniform; // 53 random bits: the draw's u = uniform * 2^-53
  float temperature;          // 0: greedy (argmax of the raw row)
  float topP;                 // 1 = off
  float logMinP;              // log(min_p) as the host's MinPStage computes it; -inf = off
  int topK;                   // 0 = off
};

inline constexpr int kSampleThreads = 1024; // sampleRows: one block per row

struct SampleRowsArgs {
  G4K_PTR(const float) logits;           // [rows, vocab]
  G4K_PTR(const SampleRowParams) params; // [rows]
  G4K_PTR(int) tokens;                   // [rows]
  int rows;
  int vocab;
};

struct FillDummyArgs {
  G4K_PTR(bf16) w;
  long long n;
  unsigned long long seed;
  float scale;
  float offset;
};

} // namespace g4k
