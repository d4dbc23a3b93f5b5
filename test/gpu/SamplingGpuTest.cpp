// Sampling on the GPU against the host chain. The sampleRows kernel must pick
// the token sampleRow() (runtime/sample) picks for the same logits, parameters
// and uniform, on random rows (never zero; bf16-rounded rows for many ties),
// vocabularies that are not multiples of the block, and every parameter kind.
// Up to genuine float ties: the device's expf may differ from the host's by
// an ulp, so a different token is accepted only when the host picks it too
// with the uniform or top-p moved by 1e-6 (each such case is counted and
// printed; they must stay rare). Then the CUDA backend end to end: a seeded
// chain sampled on the GPU (SamplerChain::offload) continues exactly as the
// same chain sampling the backend's logits rows on the host.
#include "GpuTestEnvironment.h"
#include "OpHarness.h"

#include "KernelArgs.h"
#include "cuda/CudaCheck.h"
#include "cuda/CudaModel.h"
#include "sample/RowSampling.h"
#include "sample/SamplerChain.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>

namespace g4::gpu_test {
namespace {

struct Case {
  const char *name;
  rt::RowSampling sampling; // uniform set per row
};

const Case kCases[] = {
    {"temperature 0.7", {0.7f, 0, 1, 0, 0}},
    {"top-k 50", {1, 50, 1, 0, 0}},
    {"top-p 0.9", {1, 0, 0.9f, 0, 0}},
    {"top-k 40, top-p 0.8, temperature 0.8", {0.8f, 40, 0.8f, 0, 0}},
    {"k = 1", {1, 1, 1, 0, 0}},
    {"k = 1000, p = 1.0, temperature 1.3", {1.3f, 1000, 1.0f, 0, 0}},
    {"tiny p", {1, 0, 1e-6f, 0, 0}},
    {"min-p 0.05, top-p 0.95", {1, 0, 0.95f, 0.05f, 0}},
    {"min-p 0.5, k above the kept", {1, 100000, 1, 0.5f, 0}},
    {"top-p 0.5, temperature 2", {2, 0, 0.5f, 0, 0}},
    {"greedy", {0, 0, 1, 0, 0}},
};
constexpr size_t kNumCases = std::size(kCases);
constexpr uint32_t kRows = 64;

g4k::SampleRowParams deviceParams(const rt::RowSampling &s) {
  const float logMinP = s.minP > 0 ? std::log(s.minP) : -std::numeric_limits<float>::infinity();
  return {s.uniform, s.temperature, s.topP, logMinP, int(s.topK)};
}

CUdeviceptr uploadParams(OpHarness &h, const std::vector<g4k::SampleRowParams> &params) {
  static_assert(sizeof(g4k::SampleRowParams) % sizeof(int32_t) == 0);
  std::vector<int32_t> words(params.size() * sizeof(g4k::SampleRowParams) / sizeof(int32_t));
  std::memcpy(words.data(), params.data(), words.size() * sizeof(int32_t));
  return h.uploadInts(words);
}

// Whether the host picks `token` with the uniform or top-p moved by a float tie's width.
bool hostPicksWithinTies(std::span<const float> logits, rt::RowSampling s, int32_t token) {
  const int64_t shift = int64_t(1e-6 * 0x1.0p53), top = (int64_t(1) << 53) - 1;
  for (int64_t du : {-shift, int64_t(0), shift})
    for (float dp : {-1e-6f, 0.0f, 1e-6f}) {
      rt::RowSampling moved = s;
      moved.uniform = uint64_t(std::clamp<int64_t>(int64_t(s.uniform) + du, 0, top));
      moved.topP = std::min(1.0f, s.topP * (1 + dp));
      if (rt::sampleRow(logits, moved) == token)
        return true;
    }
  return false;
}

class SampleRowsTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(SampleRowsTest, PicksTheHostChainsToken) {
  const uint32_t vocab = GetParam();
  const int seeds = vocab > 100000 ? 3 : vocab > 1000 ? 8 : 40;
  OpHarness h("moe");
  size_t compared = 0, ties = 0;
  for (int seed = 0; seed < seeds; ++seed) {
    std::mt19937 rng(uint32_t(seed * 7919 + vocab));
    std::vector<float> logits = randomValues(size_t(kRows) * vocab, rng, seed % 2 ? 4.0f : 12.0f);
    if (seed % 3 == 2)
      logits = roundedToBf16(logits); // many equal values: ties in top-k, top-p and the argmax
    std::mt19937_64 bits(uint64_t(seed) * 1000003 + vocab);
    std::vector<rt::RowSampling> rows(kRows);
    std::vector<g4k::SampleRowParams> params(kRows);
    for (uint32_t r = 0; r < kRows; ++r) {
      rows[r] = kCases[(r + uint32_t(seed)) % kNumCases].sampling;
      rows[r].uniform = bits() >> 11;
      params[r] = deviceParams(rows[r]);
    }
    const CUdeviceptr dLogits = h.upload(logits), dParams = uploadParams(h, params);
    const CUdeviceptr dTokens = h.uploadInts(std::vector<int32_t>(kRows, -7));
    rt::cuda::runSampleRows(h.env(), dLogits, dParams, dTokens, kRows, vocab);
    const std::vector<int32_t> tokens = h.downloadInts(dTokens, kRows);
    for (uint32_t r = 0; r < kRows; ++r) {
      const std::span<const float> row(logits.data() + size_t(r) * vocab, vocab);
      const int32_t expected = rt::sampleRow(row, rows[r]);
      ++compared;
      if (tokens[r] == expected)
        continue;
      const bool tie = hostPicksWithinTies(row, rows[r], tokens[r]);
      ties += tie;
      EXPECT_TRUE(tie) << "vocab " << vocab << ", seed " << seed << ", row " << r << " ("
                       << kCases[(r + uint32_t(seed)) % kNumCases].name << "): GPU " << tokens[r] << ", host "
                       << expected;
    }
  }
  std::cout << "[ sampling ] vocab " << vocab << ": " << compared << " rows, " << compared - ties
            << " identical to the host, " << ties << " float ties\n";
  EXPECT_LE(ties * 100, compared) << "more than 1% of rows differ within ties";
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, SampleRowsTest, ::testing::Values(262144u, 50001u, 512u));

// The kernel's time at a real shape: 64 rows of a 262144-token vocabulary.
TEST(SampleRowsTiming, Batch64Vocab262144) {
  constexpr uint32_t kVocab = 262144;
  OpHarness h("moe");
  std::mt19937 rng(5);
  const CUdeviceptr dLogits = h.upload(randomValues(size_t(kRows) * kVocab, rng, 8.0f));
  const CUdeviceptr dTokens = h.uploadInts(std::vector<int32_t>(kRows, 0));
  for (const Case &c : kCases) {
    std::vector<g4k::SampleRowParams> params(kRows, deviceParams(c.sampling));
    for (uint32_t r = 0; r < kRows; ++r)
      params[r].uniform = (uint64_t(r) * 0x9e3779b97f4a7c15ull) >> 11;
    const CUdeviceptr dParams = uploadParams(h, params);
    rt::cuda::runSampleRows(h.env(), dLogits, dParams, dTokens, kRows, kVocab); // warm-up
    h.device().synchronize();
    constexpr int kIterations = 20;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kIterations; ++i)
      rt::cuda::runSampleRows(h.env(), dLogits, dParams, dTokens, kRows, kVocab);
    h.device().synchronize();
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
    std::cout << "[ sampling ] sampleRows " << kRows << " x " << kVocab << " (" << c.name << "): " << us / kIterations
              << " us per launch\n";
  }
}

// A seeded chain sampled on the GPU continues as the same chain sampling the
// GPU's logits rows on the host: two sequences with one history, prefilled
// alike, then decoded step by step with the same kernels (the device path
// replays its CUDA graph); a different token only within float ties.
TEST(CudaBackendSampling, OffloadedChainMatchesHostChainOnTheSameLogits) {
  const std::filesystem::path plan = planFor("ple");
  rt::cuda::CudaModelOptions options;
  options.backend.maxStepTokens = 64;
  options.backend.maxSequences = 4;
  options.backend.maxTokensPerSequence = 64;
  options.kvCapacity = rt::KvCapacity::forTokens(rt::KvLayout(rt::PlanFile(plan).kv(), 2), 2, 64);
  rt::cuda::CudaModel gpu(plan, options);
  rt::Engine &engine = gpu.engine();
  const std::vector<int32_t> prompt = {2, 17, 42, 99, 7};
  for (const Case &c : kCases) {
    rt::SamplingParams params;
    params.temperature = c.sampling.temperature;
    params.topK = c.sampling.topK;
    params.topP = c.sampling.topP;
    params.minP = c.sampling.minP;
    params.seed = 1234;
    rt::SamplerChain host(params), device(params);
    ASSERT_TRUE(device.offloadable());
    const rt::SeqId a = engine.createSequence(), b = engine.createSequence();
    const size_t vocab = engine.vocabSize();
    const rt::SequenceTokens prefillA{a, prompt}, prefillB{b, prompt};
    const rt::StepResult prefilled = engine.step({&prefillA, 1});
    ASSERT_EQ(prefilled.status, rt::KvStatus::Ok);
    ASSERT_EQ(engine.step({&prefillB, 1}).status, rt::KvStatus::Ok);
    const std::span<const float> promptRow(prefilled.logits.data() + (prompt.size() - 1) * vocab, vocab);
    int32_t token = host.sample(promptRow);
    ASSERT_EQ(device.sample(promptRow), token);
    for (int step = 0; step < 12; ++step) {
      const rt::SequenceTokens hostWork{a, {&token, 1}}, deviceWork{b, {&token, 1}};
      const rt::StepResult logits = engine.step({&hostWork, 1});
      ASSERT_EQ(logits.status, rt::KvStatus::Ok);
      const std::optional<rt::RowSampling> row = device.offload();
      const rt::StepResult sampled = engine.stepSampled({&deviceWork, 1}, {&row, 1});
      ASSERT_EQ(sampled.status, rt::KvStatus::Ok);
      const int32_t expected = host.sample(logits.logits);
      const int32_t ours = sampled.tokens.at(0);
      device.acceptOffloaded(ours);
      EXPECT_TRUE(ours == expected || hostPicksWithinTies(logits.logits, *row, ours))
          << c.name << ", step " << step << ": GPU " << ours << ", host " << expected;
      token = expected;
    }
    engine.release(a);
    engine.release(b);
  }
}

} // namespace
} // namespace g4::gpu_test
