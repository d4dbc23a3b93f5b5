#include "cpu/Ops.h"

#include "io/Error.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

namespace g4::rt::cpu {

namespace {

// Eight interleaved partial sums combined in a fixed order: the compiler can
// vectorize it, and the result depends only on the two vectors.
float dot(const float *a, const float *b, size_t n) {
  float acc[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (size_t j = 0; j < 8; ++j)
      acc[j] += a[i + j] * b[i + j];
  float tail = 0;
  for (; i < n; ++i)
    tail += a[i] * b[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

float inverseRms(const float *x, size_t n, float eps) {
  float sumSquares = 0;
  for (size_t i = 0; i < n; ++i)
    sumSquares += x[i] * x[i];
  return std::pow(sumSquares / float(n) + eps, -0.5f);
}

// y = x * (mean(x^2) + eps)^-0.5 (* w) over n elements.
void normalize(const float *x, const float *w, float *y, size_t n, float eps) {
  const float r = inverseRms(x, n, eps);
  for (size_t i = 0; i < n; ++i)
    y[i] = w ? x[i] * r * w[i] : x[i] * r;
}

// Calls f(t, o) for every token t < tokens and output o < out. Blocks of
// weight rows are reused across a block of tokens while in cache.
template <typename F> void forEachOutput(size_t tokens, size_t out, F f) {
  constexpr size_t kTokenBlock = 4;
  constexpr size_t kOutBlock = 16;
  for (size_t t0 = 0; t0 < tokens; t0 += kTokenBlock) {
    const size_t t1 = std::min(tokens, t0 + kTokenBlock);
    for (size_t o0 = 0; o0 < out; o0 += kOutBlock) {
      const size_t o1 = std::min(out, o0 + kOutBlock);
      for (size_t t = t0; t < t1; ++t)
        for (size_t o = o0; o < o1; ++o)
          f(t, o);
    }
  }
}

// The RoPE rotation of the heads of one token: fp32 frequencies inv_freq[j]
// for j < head_dim/2 (0 from rotary_pairs on), angles for `setPosition`.
class TokenRotation {
public:
  explicit TokenRotation(const RopeParams &params)
      : invFreq_(params.headDim / 2, 0.0f), cos_(invFreq_.size()), sin_(invFreq_.size()) {
    for (size_t j = 0; j < params.rotaryPairs; ++j)
      invFreq_[j] = 1.0f / std::pow(params.theta, float(2 * j) / float(params.headDim)) / params.factor;
  }

  void setPosition(int32_t position) {
    for (size_t j = 0; j < invFreq_.size(); ++j) {
      const float angle = float(position) * invFreq_[j];
      cos_[j] = std::cos(angle);
      sin_[j] = std::sin(angle);
    }
  }

  // Rotate-half of one head: element j pairs with j + head_dim/2.
  void apply(const float *xh, float *yh) const {
    const size_t half = invFreq_.size();
    for (size_t j = 0; j < half; ++j) {
      const float a = xh[j], b = xh[j + half];
      yh[j] = a * cos_[j] - b * sin_[j];
      yh[j + half] = b * cos_[j] + a * sin_[j];
    }
  }

private:
  std::vector<float> invFreq_, cos_, sin_;
};

} // namespace

void embed(const int32_t *ids, size_t tokens, const float *table, size_t rows, size_t width, float scale, float *y,
           RankPart part) {
  const size_t first = part.index * rows;
  for (size_t t = 0; t < tokens; ++t) {
    if (ids[t] < 0 || size_t(ids[t]) >= rows * part.count)
      throw Error("Embed: id " + std::to_string(ids[t]) + " of token " + std::to_string(t) +
                  " is not a row of the table (" + std::to_string(rows * part.count) + " rows)");
    if (size_t(ids[t]) < first || size_t(ids[t]) >= first + rows) {
      std::fill_n(y + t * width, width, 0.0f);
      continue;
    }
    const float *row = table + (size_t(ids[t]) - first) * width;
    for (size_t i = 0; i < width; ++i)
      y[t * width + i] = row[i] * scale;
  }
}

void linear(const float *x, const float *w, float *y, size_t tokens, size_t in, size_t out) {
  forEachOutput(tokens, out, [&](size_t t, size_t o) { y[t * out + o] = dot(x + t * in, w + o * in, in); });
}

void rmsNorm(const float *x, const float *w, float *y, size_t tokens, size_t width, size_t group, float eps) {
  for (size_t g = 0; g < tokens * width; g += group)
    normalize(x + g, w, y + g, group, eps);
}

void scale(const float *x, float factor, float *y, size_t n) {
  for (size_t i = 0; i < n; ++i)
    y[i] = x[i] * factor;
}

void add(const float *a, const float *b, float *y, size_t n) {
  for (size_t i = 0; i < n; ++i)
    y[i] = a[i] + b[i];
}

void mul(const float *a, const float *b, float *y, size_t n) {
  for (size_t i = 0; i < n; ++i)
    y[i] = a[i] * b[i];
}

float geluTanh(float x) {
  const float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

void geluTanhMul(const float *gate, const float *up, float *y, size_t n) {
  for (size_t i = 0; i < n; ++i)
    y[i] = geluTanh(gate[i]) * up[i];
}

void softcap(const float *x, float cap, float *y, size_t n) {
  for (size_t i = 0; i < n; ++i)
    y[i] = std::tanh(x[i] / cap) * cap;
}

void slice(const float *x, float *y, size_t tokens, size_t width, size_t offset, size_t sliceWidth) {
  for (size_t t = 0; t < tokens; ++t)
    std::copy_n(x + t * width + offset, sliceWidth, y + t * sliceWidth);
}

void rope(const float *x, const int32_t *positions, float *y, size_t tokens, size_t width, const RopeParams &params) {
  TokenRotation rotation(params);
  for (size_t t = 0; t < tokens; ++t) {
    rotation.setPosition(positions[t]);
    for (size_t head = t * width; head < (t + 1) * width; head += params.headDim)
      rotation.apply(x + head, y + head);
  }
}

void moeRouter(const float *h, const float *proj, const float *scale, const float *perExpertScale, float *routeWeights,
               int32_t *routeIds, size_t tokens, size_t hidden, const MoeRouterParams &params) {
  const size_t experts = params.numExperts, topK = params.topK;
  const float hiddenScale = float(std::pow(double(hidden), -0.5));
  std::vector<float> r(hidden), probs(experts);
  std::vector<int32_t> order(experts);
  for (size_t t = 0; t < tokens; ++t) {
    const float *ht = h + t * hidden;
    const float inv = inverseRms(ht, hidden, params.eps);
    for (size_t i = 0; i < hidden; ++i)
      r[i] = ht[i] * inv * scale[i] * hiddenScale;
    for (size_t e = 0; e < experts; ++e)
      probs[e] = dot(r.data(), proj + e * hidden, hidden);
    const float maxLogit = *std::max_element(probs.begin(), probs.end());
    float sum = 0;
    for (float &p : probs) {
      p = std::exp(p - maxLogit);
      sum += p;
    }
    for (float &p : probs)
      p /= sum;
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(topK), order.end(), [&](int32_t a, int32_t b) {
      return probs[size_t(a)] > probs[size_t(b)] || (probs[size_t(a)] == probs[size_t(b)] && a < b);
    });
    float topSum = 0;
    for (size_t k = 0; k < topK; ++k)
      topSum += probs[size_t(order[k])];
    for (size_t k = 0; k < topK; ++k) {
      const size_t e = size_t(order[k]);
      routeIds[t * topK + k] = int32_t(e);
      routeWeights[t * topK + k] = probs[e] / topSum * perExpertScale[e];
    }
  }
}

void moeExperts(const float *x, const float *routeWeights, const int32_t *routeIds, const float *gateUp,
                const float *down, float *y, size_t tokens, size_t hidden, const MoeExpertsParams &params) {
  const size_t inter = params.intermediate, topK = params.topK;
  std::vector<float> act(inter);
  for (size_t t = 0; t < tokens; ++t) {
    const float *xt = x + t * hidden;
    float *yt = y + t * hidden;
    std::fill_n(yt, hidden, 0.0f);
    for (size_t k = 0; k < topK; ++k) {
      const int32_t global = routeIds[t * topK + k];
      const uint32_t allExperts = params.numExperts * params.part.count;
      if (global < 0 || uint32_t(global) >= allExperts)
        throw Error("MoeExperts: route id " + std::to_string(global) + " of token " + std::to_string(t) +
                    " is not an expert (" + std::to_string(allExperts) + " experts)");
      const int32_t id = global - int32_t(params.part.index * params.numExperts);
      if (id < 0 || uint32_t(id) >= params.numExperts)
        continue; // another rank's expert
      const float *gate = gateUp + size_t(id) * 2 * inter * hidden;
      const float *up = gate + inter * hidden;
      const float *downE = down + size_t(id) * hidden * inter;
      for (size_t i = 0; i < inter; ++i)
        act[i] = geluTanh(dot(gate + i * hidden, xt, hidden)) * dot(up + i * hidden, xt, hidden);
      const float weight = routeWeights[t * topK + k];
      for (size_t j = 0; j < hidden; ++j)
        yt[j] += weight * dot(downE + j * inter, act.data(), inter);
    }
  }
}

void addRmsNorm(const float *residual, const float *x, const float *w, float *sum, float *normed, size_t tokens,
                size_t width, float eps, const float *xNorm, const float *scalar) {
  std::vector<float> addend(xNorm ? width : 0);
  for (size_t row = 0; row < tokens * width; row += width) {
    const float *a = x + row;
    if (xNorm) {
      normalize(a, xNorm, addend.data(), width, eps);
      a = addend.data();
    }
    add(residual + row, a, sum + row, width);
    if (scalar)
      scale(sum + row, *scalar, sum + row, width);
    normalize(sum + row, w, normed + row, width, eps);
  }
}

void rmsNormAdd(const float *residual, const float *x, const float *w, float *sum, size_t tokens, size_t width,
                float eps) {
  std::vector<float> addend(width);
  for (size_t row = 0; row < tokens * width; row += width) {
    normalize(x + row, w, addend.data(), width, eps);
    add(residual + row, addend.data(), sum + row, width);
  }
}

void rmsNormRope(const float *x, const float *w, const int32_t *positions, float *y, size_t tokens, size_t width,
                 float eps, const RopeParams &params) {
  TokenRotation rotation(params);
  std::vector<float> normed(params.headDim);
  for (size_t t = 0; t < tokens; ++t) {
    rotation.setPosition(positions[t]);
    for (size_t head = t * width; head < (t + 1) * width; head += params.headDim) {
      normalize(x + head, w, normed.data(), params.headDim, eps);
      rotation.apply(normed.data(), y + head);
    }
  }
}

void gatedLinear(const float *x, const float *gate, const float *up, float *y, size_t tokens, size_t in, size_t out) {
  forEachOutput(tokens, out, [&](size_t t, size_t o) {
    const float *xt = x + t * in;
    y[t * out + o] = geluTanh(dot(xt, gate + o * in, in)) * dot(xt, up + o * in, in);
  });
}

void sliceGatedLinear(const float *x, const float *gate, const float *side, float *y, size_t tokens, size_t in,
                      size_t out, size_t sideWidth, size_t offset) {
  linear(x, gate, y, tokens, in, out);
  for (size_t t = 0; t < tokens; ++t)
    geluTanhMul(y + t * out, side + t * sideWidth + offset, y + t * out, out);
}

void lmHead(const float *x, const float *table, float *logits, size_t tokens, size_t in, size_t vocab, float cap) {
  linear(x, table, logits, tokens, in, vocab);
  if (cap > 0)
    softcap(logits, cap, logits, tokens * vocab);
}

} // namespace g4::rt::cpu
