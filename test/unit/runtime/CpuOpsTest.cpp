// Each CPU kernel against a direct double-precision computation, on seeded
// non-zero inputs with sizes that are not multiples of any block size.
#include "TestPlan.h"
#include "cpu/Ops.h"
#include "io/Error.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace g4::rt::test {
namespace {

using namespace g4::rt::cpu;

constexpr double kTolerance = 1e-5;

void expectNear(const std::vector<float> &actual, const std::vector<double> &expected, const char *what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], kTolerance * (1 + std::abs(expected[i]))) << what << " element " << i;
}

double naiveGelu(double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }

TEST(CpuOps, Embed) {
  const size_t rows = 11, width = 7;
  const std::vector<float> table = randomValues(rows * width, 1);
  const std::vector<int32_t> ids = {3, 0, 10, 3, 7};
  std::vector<float> y(ids.size() * width);
  embed(ids.data(), ids.size(), table.data(), rows, width, 1.5f, y.data());
  std::vector<double> expected;
  for (int32_t id : ids)
    for (size_t i = 0; i < width; ++i)
      expected.push_back(double(table[size_t(id) * width + i]) * 1.5);
  expectNear(y, expected, "embed");
}

TEST(CpuOps, EmbedRejectsIdOutsideTable) {
  const std::vector<float> table = randomValues(4 * 3, 1);
  const std::vector<int32_t> ids = {1, 4};
  std::vector<float> y(6);
  try {
    embed(ids.data(), ids.size(), table.data(), 4, 3, 1.0f, y.data());
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()), "Embed: id 4 of token 1 is not a row of the table (4 rows)");
  }
}

TEST(CpuOps, Linear) {
  const size_t tokens = 5, in = 37, out = 19;
  const std::vector<float> x = randomValues(tokens * in, 2), w = randomValues(out * in, 3);
  std::vector<float> y(tokens * out);
  linear(x.data(), w.data(), y.data(), tokens, in, out);
  std::vector<double> expected(tokens * out);
  for (size_t t = 0; t < tokens; ++t)
    for (size_t o = 0; o < out; ++o)
      for (size_t i = 0; i < in; ++i)
        expected[t * out + o] += double(x[t * in + i]) * w[o * in + i];
  expectNear(y, expected, "linear");
}

TEST(CpuOps, LinearRowDoesNotDependOnBatch) {
  const size_t tokens = 7, in = 45, out = 21;
  const std::vector<float> x = randomValues(tokens * in, 4), w = randomValues(out * in, 5);
  std::vector<float> all(tokens * out), one(out);
  linear(x.data(), w.data(), all.data(), tokens, in, out);
  for (size_t t = 0; t < tokens; ++t) {
    linear(x.data() + t * in, w.data(), one.data(), 1, in, out);
    EXPECT_TRUE(std::equal(one.begin(), one.end(), all.begin() + std::ptrdiff_t(t * out))) << "token " << t;
  }
}

TEST(CpuOps, RmsNormPerGroup) {
  const size_t tokens = 3, width = 15, group = 5;
  const float eps = 1e-6f;
  const std::vector<float> x = randomValues(tokens * width, 6), w = nearOne(group, 7);
  for (bool scaled : {true, false}) {
    std::vector<float> y(tokens * width);
    rmsNorm(x.data(), scaled ? w.data() : nullptr, y.data(), tokens, width, group, eps);
    std::vector<double> expected(tokens * width);
    for (size_t g = 0; g < tokens * width; g += group) {
      double sumSquares = 0;
      for (size_t i = 0; i < group; ++i)
        sumSquares += double(x[g + i]) * x[g + i];
      const double r = 1 / std::sqrt(sumSquares / group + eps);
      for (size_t i = 0; i < group; ++i)
        expected[g + i] = x[g + i] * r * (scaled ? w[i] : 1.0);
    }
    expectNear(y, expected, scaled ? "rms norm" : "rms norm without scale");
  }
}

TEST(CpuOps, Elementwise) {
  const size_t n = 29;
  const std::vector<float> a = randomValues(n, 8, 3.0f), b = randomValues(n, 9);
  std::vector<float> y(n);
  std::vector<double> expected(n);

  scale(a.data(), 0.25f, y.data(), n);
  std::transform(a.begin(), a.end(), expected.begin(), [](float v) { return v * 0.25; });
  expectNear(y, expected, "scale");

  add(a.data(), b.data(), y.data(), n);
  std::transform(a.begin(), a.end(), b.begin(), expected.begin(), [](float u, float v) { return double(u) + v; });
  expectNear(y, expected, "add");

  mul(a.data(), b.data(), y.data(), n);
  std::transform(a.begin(), a.end(), b.begin(), expected.begin(), [](float u, float v) { return double(u) * v; });
  expectNear(y, expected, "mul");

  geluTanhMul(a.data(), b.data(), y.data(), n);
  std::transform(a.begin(), a.end(), b.begin(), expected.begin(),
                 [](float u, float v) { return naiveGelu(u) * v; });
  expectNear(y, expected, "gelu_tanh mul");

  softcap(a.data(), 2.0f, y.data(), n);
  std::transform(a.begin(), a.end(), expected.begin(), [](float v) { return std::tanh(v / 2.0) * 2.0; });
  expectNear(y, expected, "softcap");
}

TEST(CpuOps, Slice) {
  const size_t tokens = 3, width = 11, offset = 4, sliceWidth = 5;
  const std::vector<float> x = randomValues(tokens * width, 10);
  std::vector<float> y(tokens * sliceWidth);
  slice(x.data(), y.data(), tokens, width, offset, sliceWidth);
  std::vector<double> expected;
  for (size_t t = 0; t < tokens; ++t)
    for (size_t i = 0; i < sliceWidth; ++i)
      expected.push_back(x[t * width + offset + i]);
  expectNear(y, expected, "slice");
}

// inv_freq and the angle are fp32 by definition (plan.fbs, GEMMA4.md); the
// rotation itself is checked in double.
std::vector<double> naiveRope(const std::vector<float> &x, const std::vector<int32_t> &positions, size_t width,
                              const RopeParams &p) {
  const size_t half = p.headDim / 2;
  std::vector<double> y(x.size());
  for (size_t t = 0; t < positions.size(); ++t)
    for (size_t head = 0; head < width / p.headDim; ++head) {
      const size_t base = t * width + head * p.headDim;
      for (size_t j = 0; j < half; ++j) {
        const float invFreq =
            j < p.rotaryPairs ? 1.0f / std::pow(p.theta, float(2 * j) / float(p.headDim)) / p.factor : 0.0f;
        const double angle = float(positions[t]) * invFreq;
        const double first = x[base + j], second = x[base + j + half];
        y[base + j] = first * std::cos(angle) - second * std::sin(angle);
        y[base + j + half] = second * std::cos(angle) + first * std::sin(angle);
      }
    }
  return y;
}

TEST(CpuOps, Rope) {
  const std::vector<int32_t> positions = {0, 3, 17, 100};
  const size_t width = 30; // 3 heads of 10
  const std::vector<float> x = randomValues(positions.size() * width, 11);
  const RopeParams cases[] = {{10, 5, 1e4f, 1.0f}, {10, 2, 1e6f, 1.0f}, {10, 5, 1e4f, 2.0f}, {10, 0, 1e4f, 1.0f}};
  for (const RopeParams &p : cases) {
    std::vector<float> y(x.size());
    rope(x.data(), positions.data(), y.data(), positions.size(), width, p);
    expectNear(y, naiveRope(x, positions, width, p),
               ("rope pairs " + std::to_string(p.rotaryPairs) + " factor " + std::to_string(p.factor)).c_str());
  }
}

TEST(CpuOps, MoeRouter) {
  const size_t tokens = 4, hidden = 13;
  const MoeRouterParams p{7, 3, 1e-6f};
  const std::vector<float> h = randomValues(tokens * hidden, 12), proj = randomValues(p.numExperts * hidden, 13);
  const std::vector<float> scaleW = nearOne(hidden, 14), perExpert = nearOne(p.numExperts, 15);
  std::vector<float> weights(tokens * p.topK);
  std::vector<int32_t> ids(tokens * p.topK);
  moeRouter(h.data(), proj.data(), scaleW.data(), perExpert.data(), weights.data(), ids.data(), tokens, hidden, p);

  std::vector<double> expectedWeights;
  for (size_t t = 0; t < tokens; ++t) {
    double sumSquares = 0;
    for (size_t i = 0; i < hidden; ++i)
      sumSquares += double(h[t * hidden + i]) * h[t * hidden + i];
    const double inv = 1 / std::sqrt(sumSquares / hidden + p.eps);
    std::vector<double> probs(p.numExperts);
    for (size_t e = 0; e < p.numExperts; ++e)
      for (size_t i = 0; i < hidden; ++i)
        probs[e] += h[t * hidden + i] * inv * scaleW[i] / std::sqrt(double(hidden)) * proj[e * hidden + i];
    const double maxLogit = *std::max_element(probs.begin(), probs.end());
    double sum = 0;
    for (double &v : probs)
      sum += (v = std::exp(v - maxLogit));
    std::vector<int32_t> order(p.numExperts);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return probs[size_t(a)] > probs[size_t(b)]; });
    double topSum = 0;
    for (size_t k = 0; k < p.topK; ++k)
      topSum += probs[size_t(order[k])] / sum;
    for (size_t k = 0; k < p.topK; ++k) {
      EXPECT_EQ(ids[t * p.topK + k], order[k]) << "token " << t << " rank " << k;
      expectedWeights.push_back(probs[size_t(order[k])] / sum / topSum * perExpert[size_t(order[k])]);
    }
  }
  expectNear(weights, expectedWeights, "route weights");
}

TEST(CpuOps, MoeRouterTiesPickLowerExpert) {
  const size_t hidden = 6;
  const MoeRouterParams p{5, 3, 1e-6f};
  const std::vector<float> h = randomValues(hidden, 16), row = randomValues(hidden, 17);
  std::vector<float> proj;
  for (size_t e = 0; e < p.numExperts; ++e)
    proj.insert(proj.end(), row.begin(), row.end()); // every expert scores the same
  const std::vector<float> ones(hidden, 1.0f), perExpert = nearOne(p.numExperts, 18);
  std::vector<float> weights(p.topK);
  std::vector<int32_t> ids(p.topK);
  moeRouter(h.data(), proj.data(), ones.data(), perExpert.data(), weights.data(), ids.data(), 1, hidden, p);
  EXPECT_EQ(ids, (std::vector<int32_t>{0, 1, 2}));
  for (size_t k = 0; k < p.topK; ++k)
    EXPECT_NEAR(weights[k], perExpert[k] / 3.0, 1e-6);
}

TEST(CpuOps, MoeExperts) {
  const size_t tokens = 3, hidden = 11;
  const MoeExpertsParams p{4, 2, 5};
  const std::vector<float> x = randomValues(tokens * hidden, 19);
  const std::vector<float> gateUp = randomValues(p.numExperts * 2 * p.intermediate * hidden, 20);
  const std::vector<float> down = randomValues(p.numExperts * hidden * p.intermediate, 21);
  const std::vector<float> routeWeights = {0.7f, 0.3f, 0.55f, 0.45f, 0.9f, 0.1f};
  const std::vector<int32_t> routeIds = {2, 0, 3, 1, 1, 3};
  std::vector<float> y(tokens * hidden);
  moeExperts(x.data(), routeWeights.data(), routeIds.data(), gateUp.data(), down.data(), y.data(), tokens, hidden, p);

  std::vector<double> expected(tokens * hidden);
  for (size_t t = 0; t < tokens; ++t)
    for (size_t k = 0; k < p.topK; ++k) {
      const size_t e = size_t(routeIds[t * p.topK + k]);
      std::vector<double> act(p.intermediate);
      for (size_t i = 0; i < p.intermediate; ++i) {
        double gate = 0, up = 0;
        for (size_t j = 0; j < hidden; ++j) {
          gate += double(gateUp[(e * 2 * p.intermediate + i) * hidden + j]) * x[t * hidden + j];
          up += double(gateUp[(e * 2 * p.intermediate + p.intermediate + i) * hidden + j]) * x[t * hidden + j];
        }
        act[i] = naiveGelu(gate) * up;
      }
      for (size_t j = 0; j < hidden; ++j) {
        double out = 0;
        for (size_t i = 0; i < p.intermediate; ++i)
          out += double(down[(e * hidden + j) * p.intermediate + i]) * act[i];
        expected[t * hidden + j] += routeWeights[t * p.topK + k] * out;
      }
    }
  expectNear(y, expected, "moe experts");
}

// Fused kernels against the unfused kernels they replace: bit for bit, as the
// goldens of fused plans rely on.

TEST(CpuOps, AddRmsNormIsAddThenRmsNorm) {
  const size_t tokens = 5, width = 37;
  const float eps = 1e-6f;
  const std::vector<float> residual = randomValues(tokens * width, 22, 4.0f), x = randomValues(tokens * width, 23);
  const std::vector<float> w = nearOne(width, 24);
  std::vector<float> sum(tokens * width), normed(tokens * width);
  addRmsNorm(residual.data(), x.data(), w.data(), sum.data(), normed.data(), tokens, width, eps);

  std::vector<float> expectedSum(tokens * width), expectedNormed(tokens * width);
  add(residual.data(), x.data(), expectedSum.data(), tokens * width);
  rmsNorm(expectedSum.data(), w.data(), expectedNormed.data(), tokens, width, width, eps);
  EXPECT_EQ(sum, expectedSum);
  EXPECT_EQ(normed, expectedNormed);
}

// The post-norm + residual add of a PLE layer's FFN; the add commutes, so the
// norm may be either operand of the unfused add.
TEST(CpuOps, RmsNormAddIsRmsNormThenAdd) {
  const size_t tokens = 5, width = 37;
  const float eps = 1e-6f;
  const std::vector<float> residual = randomValues(tokens * width, 32, 4.0f);
  const std::vector<float> x = randomValues(tokens * width, 33, 3.0f);
  const std::vector<float> w = nearOne(width, 34);
  std::vector<float> sum(tokens * width);
  rmsNormAdd(residual.data(), x.data(), w.data(), sum.data(), tokens, width, eps);

  std::vector<float> normed(tokens * width), expected(tokens * width), commuted(tokens * width);
  rmsNorm(x.data(), w.data(), normed.data(), tokens, width, width, eps);
  add(residual.data(), normed.data(), expected.data(), tokens * width);
  add(normed.data(), residual.data(), commuted.data(), tokens * width);
  EXPECT_EQ(sum, expected);
  EXPECT_EQ(sum, commuted);
}

TEST(CpuOps, RmsNormRopeIsRmsNormThenRope) {
  const std::vector<int32_t> positions = {0, 5, 19, 1000, 3};
  const size_t width = 42; // 3 heads of 14
  const float eps = 1e-6f;
  const std::vector<float> x = randomValues(positions.size() * width, 25, 3.0f);
  const RopeParams cases[] = {{14, 7, 1e4f, 1.0f}, {14, 3, 1e6f, 1.0f}, {14, 3, 1e6f, 2.0f}};
  for (const RopeParams &p : cases) {
    const std::vector<float> w = nearOne(p.headDim, 26);
    std::vector<float> y(x.size());
    rmsNormRope(x.data(), w.data(), positions.data(), y.data(), positions.size(), width, eps, p);

    std::vector<float> normed(x.size()), expected(x.size());
    rmsNorm(x.data(), w.data(), normed.data(), positions.size(), width, p.headDim, eps);
    rope(normed.data(), positions.data(), expected.data(), positions.size(), width, p);
    EXPECT_EQ(y, expected) << "rotary pairs " << p.rotaryPairs << " factor " << p.factor;
  }
}

TEST(CpuOps, GatedLinearIsTwoLinearsThenGeluTanhMul) {
  const size_t tokens = 6, in = 41, out = 23;
  const std::vector<float> x = randomValues(tokens * in, 27);
  const std::vector<float> gate = randomValues(out * in, 28), up = randomValues(out * in, 29);
  std::vector<float> y(tokens * out);
  gatedLinear(x.data(), gate.data(), up.data(), y.data(), tokens, in, out);

  std::vector<float> g(tokens * out), u(tokens * out), expected(tokens * out);
  linear(x.data(), gate.data(), g.data(), tokens, in, out);
  linear(x.data(), up.data(), u.data(), tokens, in, out);
  geluTanhMul(g.data(), u.data(), expected.data(), tokens * out);
  EXPECT_EQ(y, expected);
}

TEST(CpuOps, LmHeadIsLinearThenSoftcap) {
  const size_t tokens = 3, in = 19, vocab = 53;
  const std::vector<float> x = randomValues(tokens * in, 30, 2.0f), table = randomValues(vocab * in, 31);
  std::vector<float> raw(tokens * vocab), capped(tokens * vocab);
  linear(x.data(), table.data(), raw.data(), tokens, in, vocab);
  softcap(raw.data(), 3.0f, capped.data(), tokens * vocab);
  for (float cap : {3.0f, 0.0f}) {
    std::vector<float> logits(tokens * vocab);
    lmHead(x.data(), table.data(), logits.data(), tokens, in, vocab, cap);
    EXPECT_EQ(logits, cap > 0 ? capped : raw) << "cap " << cap;
  }
}

} // namespace
} // namespace g4::rt::test
