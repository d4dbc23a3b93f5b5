// Every tiny model of test/models on the CUDA backend (its plan as compiled
// and with the fused instructions), against the
// transformers reference (golden logits and greedy continuations) and the CPU
// backend, to the bf16 bar: max relative error 2e-2 (max|ours - ref| /
// max|ref| over the whole [T, vocab] tensor), greedy tokens identical.
#include "GpuTestEnvironment.h"
#include "OpHarness.h"

#include "cpu/CpuModel.h"
#include "cuda/CudaModel.h"
#include "engine/Generator.h"
#include "engine/TeacherForcing.h"
#include "io/Safetensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace g4 {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxRelativeError = 2e-2;
constexpr uint32_t kMaxTokens = 64; // per sequence

// Each tiny model's plan as compiled, with the fused instructions
// ("<model>.fused") and with every projection but the LM head on the f16
// GEMM of long prefills ("<model>.f16", fused: tools/gpu/make-plans.sh).
std::vector<std::string> goldenPlans() {
  std::vector<std::string> names;
  for (const auto &entry : fs::directory_iterator(gpu_test::modelsDir()))
    if (fs::exists(entry.path() / "golden.safetensors"))
      for (const char *variant : {"", ".fused", ".f16"})
        names.push_back(entry.path().filename().string() + variant);
  std::sort(names.begin(), names.end());
  return names;
}

using gpu_test::maxRelativeError;

rt::cuda::CudaModelOptions smallGpuModel(const fs::path &plan, uint32_t sequences) {
  rt::cuda::CudaModelOptions options;
  options.backend.maxStepTokens = 4 * kMaxTokens;
  options.backend.maxSequences = 8;
  options.backend.maxTokensPerSequence = kMaxTokens;
  const rt::PlanFile file(plan);
  options.kvCapacity = rt::KvCapacity::forTokens(rt::KvLayout(file.kv(), 2), sequences, kMaxTokens);
  return options;
}

// Greedy generation through Engine::stepGreedy (GPU argmax; decode steps as
// CUDA graphs): a prefill step, then one decode step per token.
std::vector<int32_t> greedyOnDevice(rt::Engine &engine, const std::vector<int32_t> &prompt, size_t count) {
  const rt::SeqId seq = engine.createSequence();
  std::vector<int32_t> out;
  rt::SequenceTokens work{seq, prompt};
  int32_t last = 0;
  for (size_t i = 0; i < count; ++i) {
    rt::StepResult result = engine.stepGreedy({&work, 1});
    EXPECT_EQ(result.status, rt::KvStatus::Ok);
    last = result.tokens.at(0);
    out.push_back(last);
    work.tokens = {&last, 1};
  }
  engine.release(seq);
  return out;
}

class GoldenGpuTest : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    const std::string model = GetParam().substr(0, GetParam().find('.'));
    golden_ = io::readSafetensors((gpu_test::modelsDir() / model / "golden.safetensors").string());
    plan_ = gpu_test::planFor(GetParam());
  }

  fs::path plan_;
  std::map<std::string, io::HostTensor> golden_;
};

TEST_P(GoldenGpuTest, LogitsMatchReferenceAndCpu) {
  const std::vector<int32_t> tokens = golden_.at("tokens").toInt32();
  const std::vector<float> reference = golden_.at("logits").toFloat();
  rt::cuda::CudaModel gpu(plan_, smallGpuModel(plan_, 1));
  rt::cpu::CpuModel cpu(plan_, {{}, 1, kMaxTokens});
  // All-prefill, the default half/half split, and all-decode after one token.
  for (size_t prefill : {tokens.size(), tokens.size() / 2, size_t(1)}) {
    const std::vector<float> ours = rt::teacherForcedLogits(gpu.engine(), tokens, prefill);
    const std::vector<float> cpuLogits = rt::teacherForcedLogits(cpu.engine(), tokens, prefill);
    ASSERT_EQ(ours.size(), reference.size());
    const double error = maxRelativeError(ours, reference), cpuError = maxRelativeError(ours, cpuLogits);
    std::cout << "[ golden   ] " << GetParam() << " prefill " << prefill << "/" << tokens.size()
              << ": max relative error " << error << " vs reference, " << cpuError << " vs CPU\n";
    EXPECT_LE(error, kMaxRelativeError) << GetParam() << " with a prefill of " << prefill << " tokens";
    EXPECT_LE(cpuError, kMaxRelativeError) << GetParam() << " with a prefill of " << prefill << " tokens";
  }
}

TEST_P(GoldenGpuTest, GreedyContinuationMatchesReference) {
  const std::vector<int32_t> expected = golden_.at("greedy").toInt32();
  const std::vector<int32_t> prompt = golden_.at("prompt").toInt32();
  rt::cuda::CudaModel gpu(plan_, smallGpuModel(plan_, 1));
  // Generation (the Generator offloads greedy chains: the backend's argmax), then Engine::stepGreedy step by step.
  rt::GenerationRequest request;
  request.prompt = prompt;
  request.maxNewTokens = uint32_t(expected.size());
  request.stopAtEos = false;
  const rt::GenerationResult result = rt::generate(gpu.engine(), std::span(&request, 1));
  EXPECT_EQ(result.tokens.at(0), expected) << GetParam() << " (Generator)";
  EXPECT_EQ(greedyOnDevice(gpu.engine(), prompt, expected.size()), expected) << GetParam() << " (GPU argmax)";
}

// Three sequences at once, joining at different steps (prefill chunks mixed
// with decode tokens), teacher-forced with the tokens each generates alone:
// every logits row matches its single-sequence run (to 5e-3: other batch
// sizes take other Linear paths, GEMV or split cuBLASLt, and attention splits).
TEST_P(GoldenGpuTest, BatchedSequencesMatchSingleRuns) {
  const std::vector<int32_t> prompt = golden_.at("prompt").toInt32();
  constexpr size_t kSteps = 12;
  const std::vector<std::vector<int32_t>> prompts = {
      prompt, std::vector<int32_t>(prompt.begin(), prompt.begin() + std::ptrdiff_t(prompt.size() / 2)),
      std::vector<int32_t>(prompt.rbegin(), prompt.rend())};
  rt::cuda::CudaModel gpu(plan_, smallGpuModel(plan_, 4));
  rt::Engine &engine = gpu.engine();
  std::vector<std::vector<int32_t>> streams; // prompt, then the greedy continuation alone
  std::vector<std::vector<float>> alone;     // teacher-forced logits of the stream alone
  for (const auto &p : prompts) {
    streams.push_back(p);
    const std::vector<int32_t> generated = greedyOnDevice(engine, p, kSteps);
    streams.back().insert(streams.back().end(), generated.begin(), generated.end() - 1);
    alone.push_back(rt::teacherForcedLogits(engine, streams.back(), p.size()));
  }

  const size_t vocab = engine.vocabSize();
  std::vector<rt::SeqId> seqs(prompts.size());
  std::vector<size_t> done(prompts.size(), 0); // tokens of each stream fed so far
  for (size_t step = 0;; ++step) {
    std::vector<rt::SequenceTokens> work;
    std::vector<size_t> who;
    for (size_t i = 0; i < prompts.size(); ++i) {
      if (step < i || done[i] == streams[i].size()) // sequence i joins at step i
        continue;
      if (step == i)
        seqs[i] = engine.createSequence();
      const size_t count = step == i ? prompts[i].size() : 1;
      work.push_back({seqs[i], std::span(streams[i]).subspan(done[i], count)});
      who.push_back(i);
    }
    if (work.empty())
      break;
    const rt::StepResult result = engine.step(work);
    ASSERT_EQ(result.status, rt::KvStatus::Ok);
    size_t row = 0;
    for (size_t k = 0; k < work.size(); ++k) {
      const size_t i = who[k], n = work[k].tokens.size();
      const std::vector<float> ours(result.logits.begin() + std::ptrdiff_t(row * vocab),
                                    result.logits.begin() + std::ptrdiff_t((row + n) * vocab));
      const std::vector<float> ref(alone[i].begin() + std::ptrdiff_t(done[i] * vocab),
                                   alone[i].begin() + std::ptrdiff_t((done[i] + n) * vocab));
      EXPECT_LE(maxRelativeError(ours, ref), 5e-3) << GetParam() << " sequence " << i << " at step " << step;
      done[i] += n;
      row += n;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenGpuTest, ::testing::ValuesIn(goldenPlans()), [](const auto &info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
});

} // namespace
} // namespace g4
