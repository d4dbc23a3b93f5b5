// The MoE expert kernels (moeSort, moeGateUp, moeDown, moeCombine), and the
// per-expert f16 GEMMs of long steps, against the CPU reference on random
// routes, at 26B-A4B shapes and at sizes that are not multiples of their
// tiles; the same steps twice give the same bits.
#include "OpHarness.h"

#include "cpu/Ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace g4::gpu_test {
namespace {

constexpr double kFp32Tolerance = 1e-5; // as KernelTest: the inputs carry ~16 bits (bf16 hi + lo), fp32 sums

// The expert paths: the kernels (every step below 2^30 entries), splitWgmma's
// tiles (every step; sm_90a) and the f16 GEMMs (every step).
struct ExpertsPath {
  const char *name;
  kernels::TileOptions options;
  double tolerance;
};
const ExpertsPath kPaths[] = {
    {"kernels", {.moeGemmEntries = 1u << 30, .halfGemmMinRows = 0}, kFp32Tolerance},
    {"splitWgmma tiles", {.moeGemmEntries = 1, .wgmma = true, .halfGemmMinRows = 0}, kFp32Tolerance},
    {"f16 GEMMs", {.halfGemmMinRows = 1}, kHalfGemmTolerance}};

struct ExpertsCase {
  uint32_t experts, topK, hidden, inter;
  uint32_t maxTokens; // the CPU reference is slow at real shapes
};

// topK distinct experts per token, uniformly.
std::vector<int32_t> randomRoutes(uint32_t tokens, uint32_t experts, uint32_t topK, std::mt19937 &rng) {
  std::vector<int32_t> ids;
  for (uint32_t t = 0; t < tokens; ++t) {
    std::vector<int32_t> order(experts);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    ids.insert(ids.end(), order.begin(), order.begin() + topK);
  }
  return ids;
}

class MoeExpertsTest : public ::testing::TestWithParam<ExpertsCase> {};

TEST_P(MoeExpertsTest, PathsMatchCpu) {
  const ExpertsCase c = GetParam();
  OpHarness h("moe", 64); // the expert kernels are the same in every plan
  std::mt19937 rng(c.experts * 7 + c.hidden);
  flatbuffers::FlatBufferBuilder fbb;
  const std::vector<uint32_t> ins = {0, 1, 2}, outs = {3};
  fbb.Finish(plan::CreateInstructionDirect(
      fbb, plan::Op::MoeExperts, plan::CreateMoeExperts(fbb, c.experts, c.topK, c.inter).Union(), &ins, &outs));
  const std::vector<float> gateUp =
      roundedToBf16(randomValues(size_t(c.experts) * 2 * c.inter * c.hidden, rng, 1.0f / std::sqrt(float(c.hidden))));
  const std::vector<float> down =
      roundedToBf16(randomValues(size_t(c.experts) * c.hidden * c.inter, rng, 1.0f / std::sqrt(float(c.inter))));
  const CUdeviceptr dGateUp = h.uploadBf16(gateUp), dDown = h.uploadBf16(down);
  const CUdeviceptr gateUpExponent = h.halfExponent(dGateUp, gateUp.size()),
                    downExponent = h.halfExponent(dDown, down.size());

  for (uint32_t tokens : {1u, 5u, 17u, 64u}) {
    if (tokens > c.maxTokens)
      continue;
    const std::vector<float> x = randomValues(size_t(tokens) * c.hidden, rng);
    const std::vector<float> weights = randomValues(size_t(tokens) * c.topK, rng);
    const std::vector<int32_t> ids = randomRoutes(tokens, c.experts, c.topK, rng);
    std::vector<float> ref(x.size());
    rt::cpu::moeExperts(x.data(), weights.data(), ids.data(), gateUp.data(), down.data(), ref.data(), tokens, c.hidden,
                        {c.experts, c.topK, c.inter});

    rt::cuda::BoundInstruction b;
    b.inst = flatbuffers::GetRoot<plan::Instruction>(fbb.GetBufferPointer());
    b.in = {h.upload(x), h.upload(weights), h.uploadInts(ids)};
    b.inWidth = {c.hidden, c.topK, c.topK};
    b.weights = {dGateUp, dDown};
    b.weightExponents = {gateUpExponent, downExponent};
    for (const ExpertsPath &path : kPaths) {
      b.choices =
          rt::cuda::KernelChoices(kernels::moeExpertChoices(c.topK, {c.experts, c.hidden, c.inter}, path.options),
                                  *h.env().kernels);
      std::vector<float> runs[2];
      for (std::vector<float> &out : runs) {
        b.out = {h.poisoned(ref.size())};
        rt::cuda::runMoeExperts(h.env(), b, tokens);
        out = h.download(b.out[0], ref.size());
      }
      EXPECT_LE(relativeL2(runs[0], ref), path.tolerance) << path.name << ", " << tokens << " tokens, " << c.experts
                                                          << " experts top " << c.topK << ", " << c.hidden << " -> "
                                                          << c.inter;
      EXPECT_EQ(runs[0], runs[1]) << path.name << ", " << tokens << " tokens: not deterministic";
    }
  }
}

// relativeL2, or for a rank no entry chose (ref all zero) the largest |ours|.
double shardError(const std::vector<float> &ours, const std::vector<float> &ref) {
  if (std::any_of(ref.begin(), ref.end(), [](float v) { return v != 0.0f; }))
    return relativeL2(ours, ref);
  double largest = 0;
  for (float v : ours)
    largest = std::isnan(v) ? INFINITY : std::max(largest, double(std::abs(v)));
  return largest;
}

// An expert-sharded plan's rank (gemma4c --tp): its weights hold experts
// [rank * E, (rank + 1) * E) of the routes' global ids, entries of other
// ranks' experts add nothing (the CPU's RankPart). Every path, each rank of
// 2 and of as many ranks as experts (one expert each, some with no entry).
TEST_P(MoeExpertsTest, ExpertShardsMatchCpu) {
  const ExpertsCase c = GetParam();
  OpHarness h("moe", 64);
  std::mt19937 rng(c.experts * 5 + c.inter);
  const uint32_t tokens = std::min(17u, c.maxTokens);
  const std::vector<float> gateUp =
      roundedToBf16(randomValues(size_t(c.experts) * 2 * c.inter * c.hidden, rng, 1.0f / std::sqrt(float(c.hidden))));
  const std::vector<float> down =
      roundedToBf16(randomValues(size_t(c.experts) * c.hidden * c.inter, rng, 1.0f / std::sqrt(float(c.inter))));
  const std::vector<float> x = randomValues(size_t(tokens) * c.hidden, rng);
  const std::vector<float> weights = randomValues(size_t(tokens) * c.topK, rng);
  const std::vector<int32_t> ids = randomRoutes(tokens, c.experts, c.topK, rng);
  const CUdeviceptr dx = h.upload(x), dWeights = h.upload(weights), dIds = h.uploadInts(ids);

  for (const uint32_t ranks : {2u, c.experts}) {
    if (c.experts % ranks != 0 || c.experts / ranks > 32) // the CPU reference is slow at real shapes
      continue;
    const uint32_t local = c.experts / ranks;
    flatbuffers::FlatBufferBuilder fbb;
    const std::vector<uint32_t> ins = {0, 1, 2}, outs = {3};
    fbb.Finish(plan::CreateInstructionDirect(
        fbb, plan::Op::MoeExperts, plan::CreateMoeExperts(fbb, local, c.topK, c.inter, true).Union(), &ins, &outs));
    for (uint32_t rank = 0; rank < ranks; ++rank) {
      const size_t gateUpPart = size_t(local) * 2 * c.inter * c.hidden, downPart = size_t(local) * c.hidden * c.inter;
      const std::vector<float> rankGateUp(gateUp.begin() + std::ptrdiff_t(rank * gateUpPart),
                                          gateUp.begin() + std::ptrdiff_t((rank + 1) * gateUpPart));
      const std::vector<float> rankDown(down.begin() + std::ptrdiff_t(rank * downPart),
                                        down.begin() + std::ptrdiff_t((rank + 1) * downPart));
      std::vector<float> ref(x.size());
      rt::cpu::moeExperts(x.data(), weights.data(), ids.data(), rankGateUp.data(), rankDown.data(), ref.data(), tokens,
                          c.hidden, {local, c.topK, c.inter, {rank, ranks}});
      const CUdeviceptr dGateUp = h.uploadBf16(rankGateUp), dDown = h.uploadBf16(rankDown);
      rt::cuda::BoundInstruction b;
      b.inst = flatbuffers::GetRoot<plan::Instruction>(fbb.GetBufferPointer());
      b.in = {dx, dWeights, dIds};
      b.inWidth = {c.hidden, c.topK, c.topK};
      b.weights = {dGateUp, dDown};
      b.weightExponents = {h.halfExponent(dGateUp, rankGateUp.size()), h.halfExponent(dDown, rankDown.size())};
      h.env().rank = rank;
      h.env().ranks = ranks;
      for (const ExpertsPath &path : kPaths) {
        b.choices = rt::cuda::KernelChoices(kernels::moeExpertChoices(c.topK, {local, c.hidden, c.inter}, path.options),
                                            *h.env().kernels);
        b.out = {h.poisoned(ref.size())};
        rt::cuda::runMoeExperts(h.env(), b, tokens);
        EXPECT_LE(shardError(h.download(b.out[0], ref.size()), ref), path.tolerance)
            << path.name << ", rank " << rank << " of " << ranks << ", " << c.experts << " experts top " << c.topK;
      }
    }
  }
  h.env().rank = 0;
  h.env().ranks = 1;
}

INSTANTIATE_TEST_SUITE_P(Shapes, MoeExpertsTest,
                         ::testing::Values(ExpertsCase{6, 2, 200, 72, 64}, ExpertsCase{5, 3, 100, 37, 64},
                                           ExpertsCase{128, 8, 2816, 704, 17}));

} // namespace
} // namespace g4::gpu_test
