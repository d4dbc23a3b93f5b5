// The CUDA kernels, launched through the backend's op launchers, against the
// CPU reference ops (runtime/cpu) on random inputs (never zeros), at real
// Gemma 4 shapes and at sizes that are not multiples of the kernels' tiles.
// Outputs start as NaN so an unwritten element fails the comparison.
#include "AttentionFixture.h"
#include "GpuTestEnvironment.h"
#include "OpHarness.h"

#include "cpu/Ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace g4::gpu_test {
namespace {

using rt::cuda::BoundInstruction;
using ElementwiseOp = kernels::ElementwiseOp;

constexpr double kFp32Tolerance = 1e-5; // fp32 math on the same bf16 values, another summation order
// Tensor-core attention rounds q and the softmax probabilities to f16 (unit
// roundoff u = 2^-11 = 4.9e-4) for the mma; independent roundings of both
// leave a relative L2 error of about u, so 4u = 1.95e-3 is the bound.
constexpr double kAttentionF16Tolerance = 1.95e-3;

// ---------------------------------------------------------------- Linear

struct LinearCase {
  uint32_t tokens, in, out;
};

class LinearTest : public ::testing::TestWithParam<LinearCase> {};

// Every epilogue: plain, soft-capped (LmHead), gelu-gated pair (GatedLinear).
TEST_P(LinearTest, MatchesCpu) {
  const LinearCase c = GetParam();
  OpHarness h("dense-softcap.fused"); // its image holds every GEMV epilogue
  std::mt19937 rng(c.tokens * 1000 + c.in);
  const std::vector<float> x = randomValues(size_t(c.tokens) * c.in, rng);
  const std::vector<float> w = roundedToBf16(randomValues(size_t(c.out) * c.in, rng, 0.1f));
  const std::vector<float> w2 = roundedToBf16(randomValues(size_t(c.out) * c.in, rng, 0.1f));
  const size_t n = size_t(c.tokens) * c.out;
  std::vector<float> plain(n), second(n), capped(n), gated(n);
  rt::cpu::linear(x.data(), w.data(), plain.data(), c.tokens, c.in, c.out);
  rt::cpu::linear(x.data(), w2.data(), second.data(), c.tokens, c.in, c.out);
  rt::cpu::softcap(plain.data(), 3.0f, capped.data(), n);
  rt::cpu::geluTanhMul(plain.data(), second.data(), gated.data(), n);
  const CUdeviceptr dx = h.upload(x), dw = h.uploadBf16(w), dw2 = h.uploadBf16(w2);
  using kernels::GemvEpilogue;
  for (const auto &[epilogue, ref] : {std::pair{GemvEpilogue::Plain, &plain}, std::pair{GemvEpilogue::Softcap, &capped},
                                      std::pair{GemvEpilogue::GeluTanhGate, &gated}}) {
    // The choices gemma4c makes by default (g4-select-tiles).
    const rt::cuda::KernelChoices choices(kernels::linearChoices(epilogue, c.in, h.tileOptions()), *h.env().kernels);
    const char *path = kernels::familyInfo(choices.at(c.tokens).family).name.data();
    const CUdeviceptr y = h.poisoned(n);
    rt::cuda::runLinear(h.env(), {dx, dw, dw2, y, c.in, c.out, epilogue, 3.0f, &choices}, c.tokens);
    EXPECT_LE(relativeL2(h.download(y, n), *ref), kFp32Tolerance)
        << c.tokens << " x " << c.in << " -> " << c.out << " (" << path << ") epilogue " << int(epilogue);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearTest,
                         ::testing::Values(LinearCase{1, 2560, 2048}, LinearCase{3, 2816, 704}, LinearCase{5, 100, 37},
                                           LinearCase{8, 704, 2816}, LinearCase{11, 2560, 1003},
                                           LinearCase{37, 512, 333}, LinearCase{64, 2816, 2112},
                                           LinearCase{200, 96, 8}));

// ---------------------------------------------------------------- MultiLinear

struct MultiLinearCase {
  uint32_t tokens, in;
  std::vector<uint32_t> outs; // rows of each projection
};

class MultiLinearTest : public ::testing::TestWithParam<MultiLinearCase> {};

// Sibling projections of one input (q, k, v; q, k): one GEMV over their
// concatenated rows at decode, splitWgmma's segments from 17 rows on sm_90a,
// one projection after the other on the other paths; each against the CPU's
// Linear. Segment ends off the GEMV block's rows and off splitWgmma's row
// tiles, inputs not a multiple of 8 (and of splitWgmma's 64-input chunks).
TEST_P(MultiLinearTest, MatchesCpu) {
  const MultiLinearCase c = GetParam();
  OpHarness h("dense-softcap.fused");
  std::mt19937 rng(c.tokens * 1000 + c.in + uint32_t(c.outs.size()));
  const std::vector<float> x = randomValues(size_t(c.tokens) * c.in, rng);
  BoundInstruction b;
  b.in = {h.upload(x)};
  b.inWidth = {c.in};
  // The choices gemma4c makes by default (g4-select-tiles).
  b.choices = rt::cuda::KernelChoices(kernels::linearChoices(kernels::GemvEpilogue::Plain, c.in, h.tileOptions()),
                                      *h.env().kernels);
  std::vector<std::vector<float>> refs;
  for (uint32_t out : c.outs) {
    const std::vector<float> w = roundedToBf16(randomValues(size_t(out) * c.in, rng, 0.1f));
    refs.emplace_back(size_t(c.tokens) * out);
    rt::cpu::linear(x.data(), w.data(), refs.back().data(), c.tokens, c.in, out);
    b.weights.push_back(h.uploadBf16(w));
    b.out.push_back(h.poisoned(refs.back().size()));
    b.outWidth.push_back(out);
  }
  rt::cuda::runMultiLinear(h.env(), b, c.tokens);
  const char *path = kernels::familyInfo(b.choices.at(c.tokens).family).name.data();
  for (size_t i = 0; i < refs.size(); ++i)
    EXPECT_LE(relativeL2(h.download(b.out[i], refs[i].size()), refs[i]), kFp32Tolerance)
        << c.tokens << " x " << c.in << ": projection " << i << " of " << refs.size() << " (" << c.outs[i] << " rows, "
        << path << ")";
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, MultiLinearTest,
    ::testing::Values(MultiLinearCase{1, 2560, {2048, 512, 512}}, MultiLinearCase{2, 2560, {4096, 1024}},
                      MultiLinearCase{3, 100, {37, 13, 13}}, MultiLinearCase{4, 704, {130, 66, 66}},
                      MultiLinearCase{7, 2560, {2048, 512, 512}}, MultiLinearCase{40, 96, {50, 30}},
                      MultiLinearCase{100, 64, {64, 31, 33}}, MultiLinearCase{64, 1000, {300, 130, 130}},
                      MultiLinearCase{33, 2560, {2048, 512, 512}}));

// ---------------------------------------------------------------- SliceGatedLinear

struct SliceGatedLinearCase {
  uint32_t tokens, in, out, sideWidth, offset;
};

class SliceGatedLinearTest : public ::testing::TestWithParam<SliceGatedLinearCase> {};

// The per-layer-input gate gated by its slice of the side input: the gating
// in the GEMV's epilogue at decode, the plain projection then the slice and
// the gating on the other paths; against the CPU's composition. Outputs off
// the GEMV block's rows, inputs not a multiple of 8, slices not at 0.
TEST_P(SliceGatedLinearTest, MatchesCpu) {
  const SliceGatedLinearCase c = GetParam();
  OpHarness h("ple.fused"); // its image holds the side-gated GEMV epilogue
  std::mt19937 rng(c.tokens * 1000 + c.in + c.offset);
  const std::vector<float> x = randomValues(size_t(c.tokens) * c.in, rng);
  const std::vector<float> side = randomValues(size_t(c.tokens) * c.sideWidth, rng);
  const std::vector<float> w = roundedToBf16(randomValues(size_t(c.out) * c.in, rng, 0.1f));
  std::vector<float> ref(size_t(c.tokens) * c.out);
  rt::cpu::sliceGatedLinear(x.data(), w.data(), side.data(), ref.data(), c.tokens, c.in, c.out, c.sideWidth, c.offset);

  flatbuffers::FlatBufferBuilder fbb;
  const auto op = plan::CreateSliceGatedLinear(fbb, c.offset);
  fbb.Finish(plan::CreateInstruction(fbb, plan::Op::SliceGatedLinear, op.Union()));
  BoundInstruction b;
  b.inst = flatbuffers::GetRoot<plan::Instruction>(fbb.GetBufferPointer());
  b.in = {h.upload(x), h.upload(side)};
  b.inWidth = {c.in, c.sideWidth};
  b.weights = {h.uploadBf16(w)};
  b.out = {h.poisoned(ref.size())};
  b.outWidth = {c.out};
  // The choices gemma4c makes by default (g4-select-tiles).
  b.choices = rt::cuda::KernelChoices(
      kernels::linearChoices(kernels::GemvEpilogue::GeluTanhSlice, c.in, h.tileOptions()), *h.env().kernels);
  rt::cuda::runSliceGatedLinear(h.env(), b, c.tokens);
  EXPECT_LE(relativeL2(h.download(b.out[0], ref.size()), ref), kFp32Tolerance)
      << c.tokens << " x " << c.in << " -> " << c.out << ", side " << c.sideWidth << " at " << c.offset << " ("
      << kernels::familyInfo(b.choices.at(c.tokens).family).name << ")";
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, SliceGatedLinearTest,
    ::testing::Values(SliceGatedLinearCase{1, 2560, 256, 10752, 10496}, SliceGatedLinearCase{2, 2560, 256, 10752, 256},
                      SliceGatedLinearCase{3, 100, 37, 100, 50}, SliceGatedLinearCase{4, 704, 130, 300, 7},
                      SliceGatedLinearCase{7, 2560, 256, 10752, 5120}, SliceGatedLinearCase{40, 96, 50, 120, 64},
                      SliceGatedLinearCase{100, 64, 31, 40, 9}));

// ---------------------------------------------------------------- RmsNorm, elementwise, Rope

// Embed over the whole table and over each rank's rows of a vocab-sharded
// one (ids of other ranks give zero rows); an id outside the vocab gives NaN.
TEST(ElementwiseKernels, EmbedMatchesCpu) {
  OpHarness h("moe");
  std::mt19937 rng(5);
  constexpr uint32_t kRows = 37, kWidth = 100, kTokens = 9; // rows per rank
  for (const uint32_t ranks : {1u, 2u, 3u}) {
    std::vector<int32_t> ids(kTokens);
    std::uniform_int_distribution<int32_t> id(0, int32_t(kRows * ranks) - 1);
    for (int32_t &i : ids)
      i = id(rng);
    flatbuffers::FlatBufferBuilder fbb;
    const std::vector<int64_t> shape = {kRows, kWidth};
    fbb.Finish(plan::CreateWeightDirect(fbb, "embed_tokens", 0, 0, 0, plan::DType::BF16, &shape));
    const plan::Weight *table = flatbuffers::GetRoot<plan::Weight>(fbb.GetBufferPointer());
    flatbuffers::FlatBufferBuilder inst;
    const std::vector<uint32_t> ins = {0}, outs = {1}, weights = {0};
    inst.Finish(plan::CreateInstructionDirect(inst, plan::Op::Embed, plan::CreateEmbed(inst, 2.5f, ranks > 1).Union(),
                                              &ins, &outs, &weights));
    for (uint32_t rank = 0; rank < ranks; ++rank) {
      const std::vector<float> part = roundedToBf16(randomValues(size_t(kRows) * kWidth, rng));
      std::vector<float> ref(size_t(kTokens) * kWidth);
      rt::cpu::embed(ids.data(), kTokens, part.data(), kRows, kWidth, 2.5f, ref.data(), {rank, ranks});
      BoundInstruction b;
      b.inst = flatbuffers::GetRoot<plan::Instruction>(inst.GetBufferPointer());
      b.in = {h.uploadInts(ids)};
      b.out = {h.poisoned(ref.size())};
      b.inWidth = {1};
      b.outWidth = {kWidth};
      b.weights = {h.uploadBf16(part)};
      b.weightInfo = {table};
      h.env().rank = rank;
      h.env().ranks = ranks;
      rt::cuda::runEmbed(h.env(), b, kTokens);
      EXPECT_EQ(h.download(b.out[0], ref.size()), ref) << "rank " << rank << " of " << ranks;

      b.in = {h.uploadInts({int32_t(kRows * ranks)})};
      rt::cuda::runEmbed(h.env(), b, 1);
      const std::vector<float> outside = h.download(b.out[0], kWidth);
      EXPECT_TRUE(std::all_of(outside.begin(), outside.end(), [](float v) { return std::isnan(v); }))
          << "id " << kRows * ranks << " of a vocab of " << kRows * ranks;
    }
  }
  h.env().rank = 0;
  h.env().ranks = 1;
}

TEST(ElementwiseKernels, RmsNormMatchesCpu) {
  OpHarness h("moe");
  std::mt19937 rng(7);
  struct Case {
    uint32_t tokens, width, group;
    bool weighted;
  };
  for (const Case c : {Case{3, 2560, 2560, true}, Case{5, 2048, 256, true}, Case{2, 5376, 5376, false},
                       Case{7, 100, 20, true}, Case{1, 8192, 512, true}}) {
    const std::vector<float> x = randomValues(size_t(c.tokens) * c.width, rng, 3.0f);
    const std::vector<float> w = roundedToBf16(randomValues(c.group, rng));
    std::vector<float> ref(x.size());
    rt::cpu::rmsNorm(x.data(), c.weighted ? w.data() : nullptr, ref.data(), c.tokens, c.width, c.group, 1e-6f);
    const CUdeviceptr y = h.poisoned(ref.size());
    rt::cuda::runRmsNorm(h.env(), h.upload(x), c.weighted ? h.uploadBf16(w) : 0, y, c.tokens, c.width, c.group, 1e-6f);
    EXPECT_LE(relativeL2(h.download(y, ref.size()), ref), kFp32Tolerance)
        << c.tokens << " x " << c.width << " group " << c.group;
  }
}

// AddRmsNorm alone, with the post-norm of x, with the layer scalar, and both;
// hidden widths of E4B and 31B (two float4 passes per thread) and rows that
// are neither float4 vectors nor a warp's multiple.
TEST(ElementwiseKernels, AddRmsNormMatchesCpu) {
  OpHarness h("moe.fused"); // its image holds the rmsNorm add variants
  std::mt19937 rng(11);
  for (const uint32_t width : {2560u, 5376u, 100u, 37u})
    for (const bool xNorm : {false, true})
      for (const bool scaled : {false, true}) {
        const uint32_t tokens = 3;
        const std::vector<float> residual = randomValues(size_t(tokens) * width, rng, 2.0f);
        const std::vector<float> x = randomValues(residual.size(), rng, 3.0f);
        const std::vector<float> w = roundedToBf16(randomValues(width, rng));
        const std::vector<float> wx = roundedToBf16(randomValues(width, rng));
        const std::vector<float> scalar = roundedToBf16({0.37f});
        std::vector<float> sum(x.size()), normed(x.size());
        rt::cpu::addRmsNorm(residual.data(), x.data(), w.data(), sum.data(), normed.data(), tokens, width, 1e-6f,
                            xNorm ? wx.data() : nullptr, scaled ? scalar.data() : nullptr);
        rt::cuda::AddRmsNormOperands op{h.upload(residual),
                                        h.upload(x),
                                        h.uploadBf16(w),
                                        xNorm ? h.uploadBf16(wx) : 0,
                                        scaled ? h.uploadBf16(scalar) : 0,
                                        h.poisoned(x.size()),
                                        h.poisoned(x.size())};
        rt::cuda::runAddRmsNorm(h.env(), op, tokens, width, 1e-6f);
        EXPECT_LE(relativeL2(h.download(op.sum, sum.size()), sum), kFp32Tolerance)
            << "width " << width << " x_norm " << xNorm << " scaled " << scaled;
        EXPECT_LE(relativeL2(h.download(op.normed, normed.size()), normed), kFp32Tolerance)
            << "width " << width << " x_norm " << xNorm << " scaled " << scaled;
      }
}

// RmsNormAdd through runInstruction (the rmsNorm add variant without its
// output norm: x's post-norm, then the residual add): the hidden widths of
// E2B, E4B and 31B, and rows that are neither float4 vectors nor a warp's
// multiple, at decode and prefill token counts.
TEST(ElementwiseKernels, RmsNormAddMatchesCpu) {
  OpHarness h("ple.fused"); // its image holds the rmsNorm add variants
  std::mt19937 rng(13);
  flatbuffers::FlatBufferBuilder fbb;
  fbb.Finish(plan::CreateInstruction(fbb, plan::Op::RmsNormAdd, plan::CreateRmsNormAdd(fbb, 1e-6f).Union()));
  for (const uint32_t width : {1536u, 2560u, 5376u, 100u, 37u})
    for (const uint32_t tokens : {1u, 5u}) {
      const std::vector<float> residual = randomValues(size_t(tokens) * width, rng, 2.0f);
      const std::vector<float> x = randomValues(residual.size(), rng, 3.0f);
      const std::vector<float> w = roundedToBf16(randomValues(width, rng));
      std::vector<float> sum(x.size());
      rt::cpu::rmsNormAdd(residual.data(), x.data(), w.data(), sum.data(), tokens, width, 1e-6f);
      BoundInstruction b;
      b.inst = flatbuffers::GetRoot<plan::Instruction>(fbb.GetBufferPointer());
      b.in = {h.upload(residual), h.upload(x)};
      b.inWidth = {width, width};
      b.weights = {h.uploadBf16(w)};
      b.out = {h.poisoned(sum.size())};
      b.outWidth = {width};
      rt::cuda::runInstruction(h.env(), b, tokens);
      EXPECT_LE(relativeL2(h.download(b.out[0], sum.size()), sum), kFp32Tolerance) << tokens << " x " << width;
    }
}

TEST(ElementwiseKernels, OpsMatchCpu) {
  OpHarness h("moe");
  std::mt19937 rng(11);
  const size_t n = 1000003;
  const std::vector<float> a = randomValues(n, rng, 8.0f), b = randomValues(n, rng, 2.0f);
  const CUdeviceptr da = h.upload(a), db = h.upload(b);
  std::vector<float> ref(n);
  auto check = [&](ElementwiseOp op, float factor, const char *what) {
    const CUdeviceptr y = h.poisoned(n);
    rt::cuda::runElementwise(h.env(), op, da, db, y, n, factor);
    EXPECT_LE(relativeL2(h.download(y, n), ref), kFp32Tolerance) << what;
  };
  rt::cpu::add(a.data(), b.data(), ref.data(), n);
  check(ElementwiseOp::Add, 0, "add");
  rt::cpu::mul(a.data(), b.data(), ref.data(), n);
  check(ElementwiseOp::Mul, 0, "mul");
  rt::cpu::geluTanhMul(a.data(), b.data(), ref.data(), n);
  check(ElementwiseOp::GeluTanhMul, 0, "gelu_tanh mul");
  rt::cpu::scale(a.data(), 0.37f, ref.data(), n);
  check(ElementwiseOp::Scale, 0.37f, "scale");
  rt::cpu::softcap(a.data(), 3.0f, ref.data(), n);
  check(ElementwiseOp::Softcap, 3.0f, "softcap");
}

TEST(ElementwiseKernels, RopeMatchesCpu) {
  OpHarness h("moe");
  std::mt19937 rng(13);
  struct Case {
    uint32_t heads, headDim, rotaryPairs;
    float theta, factor;
  };
  const std::vector<int32_t> positions = {0, 1, 17, 511, 1024, 4097, 131071};
  const uint32_t tokens = uint32_t(positions.size());
  for (const Case c : {Case{8, 256, 128, 1e4f, 1.0f}, Case{2, 512, 64, 1e6f, 1.0f}, Case{4, 512, 64, 1e6f, 8.0f},
                       Case{3, 16, 8, 1e4f, 1.0f}}) {
    const uint32_t width = c.heads * c.headDim;
    const std::vector<float> x = randomValues(size_t(tokens) * width, rng);
    std::vector<float> ref(x.size());
    rt::cpu::rope(x.data(), positions.data(), ref.data(), tokens, width, {c.headDim, c.rotaryPairs, c.theta, c.factor});
    const CUdeviceptr y = h.poisoned(ref.size());
    rt::cuda::runRope(h.env(), h.upload(x), h.uploadInts(positions), y, tokens, width, c.headDim, c.rotaryPairs,
                      c.theta, c.factor);
    // Angles of ~1e5 radians: fp32 sin/cos of the same float angle agree to a few ulps of the angle.
    EXPECT_LE(relativeL2(h.download(y, ref.size()), ref), 1e-4) << "head_dim " << c.headDim;
  }
}

TEST(ElementwiseKernels, ArgmaxMatchesHost) {
  OpHarness h("moe");
  std::mt19937 rng(17);
  const uint32_t rows = 3, vocab = 262144 + 7;
  std::vector<float> logits = randomValues(size_t(rows) * vocab, rng, 10.0f);
  logits[5] = logits[9] = 50.0f;              // row 0: a tie, the lower id wins
  logits[vocab + vocab - 1] = 60.0f;          // row 1: the last id
  logits[2 * size_t(vocab) + 123456] = 11.0f; // row 2
  const CUdeviceptr tokens = h.uploadInts(std::vector<int32_t>(rows, -5));
  rt::cuda::runArgmax(h.env(), h.upload(logits), tokens, rows, vocab);
  EXPECT_EQ(h.downloadInts(tokens, rows), (std::vector<int32_t>{5, int32_t(vocab) - 1, 123456}));
}

// ---------------------------------------------------------------- Attention

class AttentionTest : public ::testing::TestWithParam<AttentionCase> {};

// Two sequences through five steps: both prefill (37 and 5 tokens), three
// decode steps, then a prefill chunk of one beside the other's decode; pages
// the window has left behind are freed as the engine frees them. Every
// variant the plan holds runs each step (the SIMT kernel in fp32: on sm_90a
// g4-select-tiles chooses it for head_dim not a multiple of 16 only, as in
// attention-simt; the tensor-core ones within kAttentionF16Tolerance). With
// a prologue, the query it rewrote in place matches the CPU's RmsNormRope,
// the K/V rows it stored the CPU's within a bf16 rounding, and the attention
// is checked against the CPU's over the cache the GPU wrote.
TEST_P(AttentionTest, MatchesCpuThroughPrefillAndDecode) {
  const AttentionCase c = GetParam();
  OpHarness h(c.plan);
  AttentionFixture f(h, c, 2, 64, 64);
  std::mt19937 rng(c.headDim + c.window);
  const std::vector<AttentionFixture::Step> steps = {
      {{0, 37}, {1, 5}}, {{0, 1}, {1, 1}}, {{0, 1}, {1, 1}}, {{1, 1}, {0, 1}}, {{0, 1}, {1, 9}}};
  for (size_t s = 0; s < steps.size(); ++s) {
    std::vector<float> ref = f.begin(steps[s], rng, true);
    bool cacheChecked = false;
    for (kernels::AttentionVariant variant : kernels::attentionVariants(c.headDim, c.heads / c.kvHeads))
      if (f.available(variant)) {
        const std::vector<float> out = f.run(variant);
        if (c.prologue && !cacheChecked) {
          ref = f.referenceFromGpuCache();
          cacheChecked = true;
        }
        EXPECT_LE(relativeL2(out, ref),
                  variant == kernels::AttentionVariant::Simt ? kFp32Tolerance : kAttentionF16Tolerance)
            << "step " << s << " variant " << int(variant);
        if (c.prologue)
          EXPECT_LE(relativeL2(f.gpuQuery(), f.cpuQuery()), kFp32Tolerance) << "step " << s;
      }
    f.end();
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, AttentionTest,
                         ::testing::Values(AttentionCase{"gemma-4-E4B-it", 256, 8, 2, 0, 16},
                                           AttentionCase{"gemma-4-E4B-it", 256, 8, 2, 7, 4},
                                           AttentionCase{"gemma-4-E4B-it", 512, 8, 2, 0, 16},
                                           AttentionCase{"gemma-4-26B-A4B-it", 256, 16, 8, 11, 4},
                                           AttentionCase{"gemma-4-26B-A4B-it", 512, 16, 2, 0, 16},
                                           AttentionCase{"moe", 16, 4, 2, 5, 4}, AttentionCase{"moe", 32, 4, 1, 0, 16},
                                           AttentionCase{"gemma-4-E4B-it", 256, 8, 2, 7, 4, true},
                                           AttentionCase{"gemma-4-26B-A4B-it", 512, 16, 2, 0, 16, true},
                                           AttentionCase{"moe", 16, 4, 2, 5, 4, true},
                                           AttentionCase{"attention-simt", 40, 4, 2, 7, 4},
                                           AttentionCase{"attention-simt", 72, 4, 2, 0, 16, true}));

// ---------------------------------------------------------------- MoE

struct MoeCase {
  const char *plan; // whose image holds moeRouter<experts, topK>
  uint32_t experts, topK, hidden, inter;
};

class MoeTest : public ::testing::TestWithParam<MoeCase> {};

// 300 tokens take the expert GEMMs (TileOptions::moeGemmEntries: on sm_90a
// splitWgmma's tiles, unless the sizes are not multiples of 8; per-expert
// cuBLASLt GEMMs elsewhere), fewer the expert kernels.
TEST_P(MoeTest, RouterAndExpertsMatchCpu) {
  const MoeCase c = GetParam();
  OpHarness h(c.plan, 512);
  std::mt19937 rng(c.experts + c.hidden);
  flatbuffers::FlatBufferBuilder fbb;
  const std::vector<uint32_t> routerIns = {0}, routerOuts = {1, 2}, expertIns = {0, 1, 2}, expertOuts = {3};
  const auto router = plan::CreateInstructionDirect(
      fbb, plan::Op::MoeRouter, plan::CreateMoeRouter(fbb, c.experts, c.topK, 1e-6f).Union(), &routerIns, &routerOuts);
  const auto experts = plan::CreateInstructionDirect(fbb, plan::Op::MoeExperts,
                                                     plan::CreateMoeExperts(fbb, c.experts, c.topK, c.inter).Union(),
                                                     &expertIns, &expertOuts);
  std::vector<flatbuffers::Offset<plan::Instruction>> list = {router, experts};
  fbb.Finish(fbb.CreateVector(list));
  const auto &instructions =
      *flatbuffers::GetRoot<flatbuffers::Vector<flatbuffers::Offset<plan::Instruction>>>(fbb.GetBufferPointer());

  const std::vector<float> proj = roundedToBf16(randomValues(size_t(c.experts) * c.hidden, rng));
  std::vector<float> scale = randomValues(c.hidden, rng, 0.5f), perExpert = randomValues(c.experts, rng, 0.5f);
  for (float &s : scale)
    s += 1.0f;
  for (float &s : perExpert)
    s += 1.0f;
  scale = roundedToBf16(scale);
  perExpert = roundedToBf16(perExpert);
  const std::vector<float> gateUp =
      roundedToBf16(randomValues(size_t(c.experts) * 2 * c.inter * c.hidden, rng, 1.0f / std::sqrt(float(c.hidden))));
  const std::vector<float> down =
      roundedToBf16(randomValues(size_t(c.experts) * c.hidden * c.inter, rng, 1.0f / std::sqrt(float(c.inter))));
  const CUdeviceptr dProj = h.uploadBf16(proj), dScale = h.uploadBf16(scale), dPerExpert = h.uploadBf16(perExpert),
                    dGateUp = h.uploadBf16(gateUp), dDown = h.uploadBf16(down);

  for (uint32_t tokens : {1u, 6u, 37u, 300u}) {
    const std::vector<float> x = randomValues(size_t(tokens) * c.hidden, rng);
    std::vector<float> refWeights(size_t(tokens) * c.topK), refOut(x.size());
    std::vector<int32_t> refIds(refWeights.size());
    rt::cpu::moeRouter(x.data(), proj.data(), scale.data(), perExpert.data(), refWeights.data(), refIds.data(), tokens,
                       c.hidden, {c.experts, c.topK, 1e-6f});
    rt::cpu::moeExperts(x.data(), refWeights.data(), refIds.data(), gateUp.data(), down.data(), refOut.data(), tokens,
                        c.hidden, {c.experts, c.topK, c.inter});

    const CUdeviceptr dx = h.upload(x);
    BoundInstruction r;
    r.inst = instructions.Get(0);
    r.in = {dx};
    r.inWidth = {c.hidden};
    r.out = {h.poisoned(refWeights.size()), h.uploadInts(std::vector<int32_t>(refIds.size(), -1))};
    r.weights = {dProj, dScale, dPerExpert};
    r.choices = rt::cuda::KernelChoices(kernels::linearChoices(kernels::GemvEpilogue::Plain, c.hidden, h.tileOptions()),
                                        *h.env().kernels);
    rt::cuda::runMoeRouter(h.env(), r, tokens);
    EXPECT_EQ(h.downloadInts(r.out[1], refIds.size()), refIds) << tokens << " tokens";
    EXPECT_LE(relativeL2(h.download(r.out[0], refWeights.size()), refWeights), kFp32Tolerance) << tokens << " tokens";

    BoundInstruction e; // from the CPU's routes, so the experts are checked on their own
    e.inst = instructions.Get(1);
    e.in = {dx, h.upload(refWeights), h.uploadInts(refIds)};
    e.inWidth = {c.hidden, c.topK, c.topK};
    e.out = {h.poisoned(refOut.size())};
    e.weights = {dGateUp, dDown};
    e.choices = rt::cuda::KernelChoices(
        kernels::moeExpertChoices(c.topK, {c.experts, c.hidden, c.inter}, h.tileOptions()), *h.env().kernels);
    rt::cuda::runMoeExperts(h.env(), e, tokens);
    EXPECT_LE(relativeL2(h.download(e.out[0], refOut.size()), refOut), kFp32Tolerance) << tokens << " tokens";
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, MoeTest,
                         ::testing::Values(MoeCase{"moe", 8, 2, 64, 32},
                                           MoeCase{"gemma-4-26B-A4B-it", 128, 8, 2816, 704},
                                           MoeCase{"gemma-4-26B-A4B-it", 128, 8, 100, 37}));

} // namespace
} // namespace g4::gpu_test
