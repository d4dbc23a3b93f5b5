// Not a check: runMoeExperts alone (sort, expert kernels, combine) at
// 26B-A4B shapes for decode-sized steps with random routing, and the rate at
// which it reads the chosen experts' weights. The full 128-expert tensors
// (1.5 GB) and a new routing each run keep the weights out of the L2 (50 MB).
// Disabled by default; run with
//   gpu_tests --gtest_also_run_disabled_tests --gtest_filter='*MoePerf*'
#include "OpHarness.h"

#include "cuda/CudaCheck.h"
#include "io/Float16.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <set>

namespace g4::gpu_test {
namespace {

// [n] bf16 of small random values: a random 32 MB block copied over the buffer.
CUdeviceptr randomBf16(std::vector<rt::cuda::DeviceBuffer> &keep, size_t n, std::mt19937 &rng) {
  constexpr size_t kBlock = size_t(16) << 20;
  const std::vector<float> values = randomValues(kBlock, rng, 0.02f);
  std::vector<uint16_t> block(kBlock);
  std::transform(values.begin(), values.end(), block.begin(), io::floatToBf16);
  keep.emplace_back(n * 2, "MoE perf weights");
  const CUdeviceptr p = keep.back().get();
  for (size_t at = 0; at < n; at += kBlock)
    G4_CUDA_CALL(rt::cuda::driver(), cuMemcpyHtoD, p + at * 2, block.data(), std::min(kBlock, n - at) * 2);
  return p;
}

// A MoeExperts instruction (inputs 0-2, output 3), built in fbb.
const plan::Instruction *expertsInstruction(flatbuffers::FlatBufferBuilder &fbb, uint32_t experts, uint32_t topK,
                                            uint32_t inter) {
  const std::vector<uint32_t> ins = {0, 1, 2}, outs = {3};
  fbb.Finish(plan::CreateInstructionDirect(fbb, plan::Op::MoeExperts,
                                           plan::CreateMoeExperts(fbb, experts, topK, inter).Union(), &ins, &outs));
  return flatbuffers::GetRoot<plan::Instruction>(fbb.GetBufferPointer());
}

// Each token's topK distinct experts, uniformly at random, added to `chosen`.
std::vector<int32_t> randomRoutes(uint32_t tokens, uint32_t experts, uint32_t topK, std::mt19937 &rng,
                                  std::set<int32_t> &chosen) {
  std::vector<int32_t> routes;
  for (uint32_t t = 0; t < tokens; ++t) {
    std::vector<int32_t> order(experts);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    routes.insert(routes.end(), order.begin(), order.begin() + topK);
    chosen.insert(order.begin(), order.begin() + topK);
  }
  return routes;
}

TEST(MoePerf, DISABLED_ExpertsThroughput) {
  constexpr uint32_t kExperts = 128, kTopK = 8, kHidden = 2816, kInter = 704, kMaxTokens = 64, kRoutings = 16;
  OpHarness h("gemma-4-26B-A4B-it", kMaxTokens);
  h.env().programmatic = h.device().properties().major >= 9; // as the runtime launches
  std::mt19937 rng(11);
  flatbuffers::FlatBufferBuilder fbb;
  const plan::Instruction *inst = expertsInstruction(fbb, kExperts, kTopK, kInter);
  std::vector<rt::cuda::DeviceBuffer> keep;
  const CUdeviceptr gateUp = randomBf16(keep, size_t(kExperts) * 2 * kInter * kHidden, rng);
  const CUdeviceptr down = randomBf16(keep, size_t(kExperts) * kHidden * kInter, rng);
  const double expertBytes = 3.0 * kInter * kHidden * 2;
  // Path 0: the expert kernels at every size; path 1: the plan's default
  // choices (sm_90a: moeSplitWgmma from 64 tokens).
  const rt::cuda::KernelChoices paths[2] = {
      {kernels::moeExpertChoices(kTopK, {kExperts, kHidden, kInter}, {.moeGemmEntries = 1u << 30}), *h.env().kernels},
      {kernels::moeExpertChoices(kTopK, {kExperts, kHidden, kInter}, h.tileOptions()), *h.env().kernels}};

  std::printf("%6s %8s %12s %10s %12s %10s\n", "tokens", "experts", "us kernels", "GB/s", "us default", "GB/s");
  for (uint32_t tokens : {1u, 8u, 16u, 32u, 64u}) {
    // Random routings: each token picks kTopK distinct experts.
    std::vector<CUdeviceptr> ids;
    double distinct = 0;
    for (uint32_t r = 0; r < kRoutings; ++r) {
      std::set<int32_t> chosen;
      ids.push_back(h.uploadInts(randomRoutes(tokens, kExperts, kTopK, rng, chosen)));
      distinct += double(chosen.size()) / kRoutings;
    }
    rt::cuda::BoundInstruction b;
    b.inst = inst;
    b.in = {h.upload(randomValues(size_t(tokens) * kHidden, rng)), h.upload(randomValues(size_t(tokens) * kTopK, rng)),
            0};
    b.inWidth = {kHidden, kTopK, kTopK};
    b.out = {h.poisoned(size_t(tokens) * kHidden)};
    b.weights = {gateUp, down};
    double us[2];
    for (int path = 0; path < 2; ++path) {
      b.choices = paths[path];
      us[path] = h.medianMicroseconds(40, [&](int run) {
        b.in[2] = ids[run % kRoutings];
        rt::cuda::runMoeExperts(h.env(), b, tokens);
      });
    }
    const double bytes = distinct * expertBytes;
    std::printf("%6u %8.1f %12.1f %10.0f %12.1f %10.0f\n", tokens, distinct, us[0], bytes / us[0] / 1e3, us[1],
                bytes / us[1] / 1e3);
  }
}

// Longer steps (chunked and long prefills), 26B-A4B shapes, random routing:
// the experts in splitWgmma's tiles (one launch), per-expert split cuBLASLt
// GEMMs and per-expert f16 GEMMs, to place the wgmma / f16 crossover
// (half-gemm-min-rows). Run with --gtest_filter='*MoeLongSteps*'.
TEST(MoePerf, DISABLED_MoeLongSteps) {
  constexpr uint32_t kExperts = 128, kTopK = 8, kHidden = 2816, kInter = 704, kMaxTokens = 8192;
  OpHarness h("gemma-4-26B-A4B-it", kMaxTokens);
  h.env().programmatic = h.device().properties().major >= 9;
  std::mt19937 rng(13);
  flatbuffers::FlatBufferBuilder fbb;
  const plan::Instruction *inst = expertsInstruction(fbb, kExperts, kTopK, kInter);
  std::vector<rt::cuda::DeviceBuffer> keep;
  const size_t gateUpElements = size_t(kExperts) * 2 * kInter * kHidden,
               downElements = size_t(kExperts) * kHidden * kInter;
  const CUdeviceptr gateUp = randomBf16(keep, gateUpElements, rng), down = randomBf16(keep, downElements, rng);
  const kernels::MoeShape shape{kExperts, kHidden, kInter};
  const rt::cuda::KernelChoices paths[3] = {
      {kernels::moeExpertChoices(kTopK, shape, {.moeGemmEntries = 1, .wgmma = true, .halfGemmMinRows = 0}),
       *h.env().kernels},
      {kernels::moeExpertChoices(kTopK, shape, {.moeGemmEntries = 1, .halfGemmMinRows = 0}), *h.env().kernels},
      {kernels::moeExpertChoices(kTopK, shape, {.halfGemmMinRows = 1}), *h.env().kernels}};
  std::printf("%6s %14s %14s %14s %10s %10s %10s\n", "tokens", "us wgmma", "us split GEMMs", "us f16 GEMMs", "TF wgmma",
              "TF split", "TF f16");
  for (uint32_t tokens : {64u, 256u, 1000u, 4000u, 8192u}) {
    std::set<int32_t> chosen;
    const std::vector<int32_t> routes = randomRoutes(tokens, kExperts, kTopK, rng, chosen);
    rt::cuda::BoundInstruction b;
    b.inst = inst;
    b.in = {h.upload(randomValues(size_t(tokens) * kHidden, rng)), h.upload(randomValues(size_t(tokens) * kTopK, rng)),
            h.uploadInts(routes)};
    b.inWidth = {kHidden, kTopK, kTopK};
    b.out = {h.poisoned(size_t(tokens) * kHidden)};
    b.weights = {gateUp, down};
    b.weightExponents = {h.halfExponent(gateUp, gateUpElements), h.halfExponent(down, downElements)};
    double us[3];
    for (int path = 0; path < 3; ++path) {
      b.choices = paths[path];
      us[path] = h.medianMicroseconds(5, [&](int) { rt::cuda::runMoeExperts(h.env(), b, tokens); });
    }
    const double flops = 2.0 * tokens * kTopK * 3.0 * kInter * kHidden;
    std::printf("%6u %14.1f %14.1f %14.1f %10.1f %10.1f %10.1f\n", tokens, us[0], us[1], us[2], flops / us[0] / 1e6,
                flops / us[1] / 1e6, flops / us[2] / 1e6);
  }
}

} // namespace
} // namespace g4::gpu_test
