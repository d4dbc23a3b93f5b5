// The CPU reference kernels of the plan's ops (plan.fbs gives each one's
// semantics), fp32 throughout. Matrices are row-major [tokens, width]. Every
// kernel computes a token's row from that token's inputs alone, in a fixed
// order, so a row's result never depends on what else is in the batch.
// Attention, which reads the KV cache, is in Attention.h.
#pragma once

#include <cstddef>
#include <cstdint>

namespace g4::rt::cpu {

// Which part of a tensor split over tensor-parallel ranks a rank holds: part
// `index` of `count` equal parts ({0, 1}: the whole tensor).
struct RankPart {
  uint32_t index = 0;
  uint32_t count = 1;
};

// y[t] = table[ids[t]] * scale; table [rows, width], the rows of ids
// [part.index * rows, (part.index + 1) * rows); other ids give zero rows.
// Throws g4::Error for an id that is not a row of the whole table.
void embed(const int32_t *ids, size_t tokens, const float *table, size_t rows, size_t width, float scale, float *y,
           RankPart part = {});

// y = x @ w^T; x [tokens, in], w [out, in], y [tokens, out].
void linear(const float *x, const float *w, float *y, size_t tokens, size_t in, size_t out);

// Each run of `group` elements of a row: y = x * (mean(x^2) + eps)^-0.5 (* w
// when w is not null; w has `group` elements).
void rmsNorm(const float *x, const float *w, float *y, size_t tokens, size_t width, size_t group, float eps);

// Elementwise over n values.
void scale(const float *x, float factor, float *y, size_t n);
void add(const float *a, const float *b, float *y, size_t n);
void mul(const float *a, const float *b, float *y, size_t n);
void geluTanhMul(const float *gate, const float *up, float *y, size_t n);
void softcap(const float *x, float cap, float *y, size_t n);

// gelu with the tanh approximation (torch's gelu(approximate="tanh")).
float geluTanh(float x);

// y[t] = x[t, offset : offset + sliceWidth]; x [tokens, width].
void slice(const float *x, float *y, size_t tokens, size_t width, size_t offset, size_t sliceWidth);

struct RopeParams {
  uint32_t headDim = 0;
  uint32_t rotaryPairs = 0; // frequencies j < rotaryPairs rotate; the rest are identity
  float theta = 0;
  float factor = 1;
};
// Rotate-half RoPE on every head of x [tokens, width]: element j of a head
// pairs with j + head_dim/2, both rotated by angle positions[t] * inv_freq[j].
void rope(const float *x, const int32_t *positions, float *y, size_t tokens, size_t width, const RopeParams &params);

struct MoeRouterParams {
  uint32_t numExperts = 0;
  uint32_t topK = 0;
  float eps = 0;
};
// h [tokens, hidden]; proj [experts, hidden]; scale [hidden]; perExpertScale
// [experts] -> routeWeights [tokens, top_k], routeIds [tokens, top_k].
void moeRouter(const float *h, const float *proj, const float *scale, const float *perExpertScale, float *routeWeights,
               int32_t *routeIds, size_t tokens, size_t hidden, const MoeRouterParams &params);

struct MoeExpertsParams {
  uint32_t numExperts = 0; // in the weights: ids [part.index * numExperts, (part.index + 1) * numExperts)
  uint32_t topK = 0;
  uint32_t intermediate = 0;
  RankPart part = {}; // routes to other parts' experts add nothing
};
// x [tokens, hidden]; gateUp [experts, 2 * intermediate, hidden] (gate rows
// first); down [experts, hidden, intermediate] -> y [tokens, hidden]. Throws
// g4::Error for a route id that is not an expert.
void moeExperts(const float *x, const float *routeWeights, const int32_t *routeIds, const float *gateUp,
                const float *down, float *y, size_t tokens, size_t hidden, const MoeExpertsParams &params);

// Fused instructions. Each computes exactly what the sequence of kernels above
// that it replaces computes: the same fp32 operations in the same order.

// sum = residual + x; normed = rmsNorm of sum over whole rows, times w [width].
// With xNorm [width], x is first rmsNorm'd with it; with scalar [1], sum is
// then scaled by it (and stored so).
void addRmsNorm(const float *residual, const float *x, const float *w, float *sum, float *normed, size_t tokens,
                size_t width, float eps, const float *xNorm = nullptr, const float *scalar = nullptr);

// sum = residual + rmsNorm of x over whole rows, times w [width] (rmsNorm
// with group = width, then add): addRmsNorm's xNorm and sum without its
// output norm.
void rmsNormAdd(const float *residual, const float *x, const float *w, float *sum, size_t tokens, size_t width,
                float eps);

// rmsNorm with group = params.headDim and weight w [headDim], then rope.
void rmsNormRope(const float *x, const float *w, const int32_t *positions, float *y, size_t tokens, size_t width,
                 float eps, const RopeParams &params);

// y = geluTanh(x @ gate^T) * (x @ up^T); x [tokens, in], gate and up [out, in].
void gatedLinear(const float *x, const float *gate, const float *up, float *y, size_t tokens, size_t in, size_t out);

// y = geluTanh(x @ gate^T) * side[:, offset : offset + out]; x [tokens, in],
// gate [out, in], side [tokens, sideWidth] (Linear, Slice, then GeluTanhMul).
void sliceGatedLinear(const float *x, const float *gate, const float *side, float *y, size_t tokens, size_t in,
                      size_t out, size_t sideWidth, size_t offset);

// logits = x @ table^T, then softcap(logits, cap) when cap > 0; table [vocab, in].
void lmHead(const float *x, const float *table, float *logits, size_t tokens, size_t in, size_t vocab, float cap);

} // namespace g4::rt::cpu
