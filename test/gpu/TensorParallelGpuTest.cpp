// Tensor parallelism on the CUDA backend: every tiny model of test/models
// compiled with `--tp 2 --fuse` (<model>.tp2) and `--tp 4` (<model>.tp4,
// tools/gpu/make-plans.sh) runs as 2 or 4 CUDA backends on threads (one per
// rank, CudaModel under a TensorParallelBackend) and must give the golden
// logits and the same model's one-rank CUDA logits to the bf16 bar, and the
// golden greedy continuation.
//   - "one GPU": every rank on device 0 with HostStagedCollectives (eager
//     steps), which checks the ranks' weight slices, rank-local Embed and
//     MoeExperts and the split attention on a single-GPU machine;
//   - "NCCL": rank r on device r with NcclCollectives and CUDA graphs;
//     skipped with fewer GPUs than ranks.
#include "GpuTestEnvironment.h"
#include "HostStagedCollectives.h"
#include "OpHarness.h"

#include "cuda/CudaModel.h"
#include "engine/Generator.h"
#include "engine/TeacherForcing.h"
#include "io/Error.h"
#include "io/Safetensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace g4 {
namespace {

namespace fs = std::filesystem;

constexpr double kMaxRelativeError = 2e-2; // GoldenGpuTest's bar
constexpr uint32_t kMaxTokens = 64;

using gpu_test::maxRelativeError;

rt::cuda::CudaModelOptions smallModel(const fs::path &plan) {
  rt::cuda::CudaModelOptions options;
  options.backend.maxStepTokens = 4 * kMaxTokens;
  options.backend.maxSequences = 8;
  options.backend.maxTokensPerSequence = kMaxTokens;
  const rt::PlanFile file(plan);
  options.kvCapacity = rt::KvCapacity::forTokens(rt::KvLayout(file.kv(), 2), 1, kMaxTokens);
  return options;
}

enum class Ranks { OneGpu, Nccl };

// (model, "tp2" or "tp4", where the ranks run)
using TpParam = std::tuple<std::string, std::string, Ranks>;

std::vector<TpParam> tpPlans() {
  std::vector<TpParam> params;
  for (const auto &entry : fs::directory_iterator(gpu_test::modelsDir()))
    if (fs::exists(entry.path() / "golden.safetensors"))
      for (const char *split : {"tp2", "tp4"})
        for (const Ranks where : {Ranks::OneGpu, Ranks::Nccl})
          params.emplace_back(entry.path().filename().string(), split, where);
  std::sort(params.begin(), params.end());
  return params;
}

class TensorParallelGpuTest : public ::testing::TestWithParam<TpParam> {
protected:
  void SetUp() override {
    const auto &[model, split, where] = GetParam();
    golden_ = io::readSafetensors((gpu_test::modelsDir() / model / "golden.safetensors").string());
    onePlan_ = gpu_test::planFor(model);
    splitPlan_ = gpu_test::planFor(model + "." + split);
    const uint32_t ranks = rt::PlanFile(splitPlan_).plan().tensor_parallel();
    options_ = smallModel(splitPlan_);
    if (where == Ranks::OneGpu) {
      options_.devices.assign(ranks, 0);
      options_.collectives = [](const std::vector<int> &ordinals) {
        return gpu_test::HostStagedCollectives::group(ordinals.size());
      };
    } else if (rt::cuda::Device::count() < int(ranks)) {
      GTEST_SKIP() << ranks << " ranks need " << ranks << " GPUs; " << rt::cuda::Device::count() << " present";
    }
    name_ = model + " " + split + (where == Ranks::OneGpu ? " on one GPU" : " over NCCL");
  }

  std::string name_;
  fs::path onePlan_, splitPlan_;
  rt::cuda::CudaModelOptions options_;
  std::map<std::string, io::HostTensor> golden_;
};

TEST_P(TensorParallelGpuTest, LogitsMatchReferenceAndOneRank) {
  const std::vector<int32_t> tokens = golden_.at("tokens").toInt32();
  const std::vector<float> reference = golden_.at("logits").toFloat();
  rt::cuda::CudaModel split(splitPlan_, options_);
  rt::cuda::CudaModel one(onePlan_, smallModel(onePlan_));
  for (size_t prefill : {tokens.size(), size_t(1)}) {
    const std::vector<float> ours = rt::teacherForcedLogits(split.engine(), tokens, prefill);
    const std::vector<float> oneRank = rt::teacherForcedLogits(one.engine(), tokens, prefill);
    ASSERT_EQ(ours.size(), reference.size());
    const double error = maxRelativeError(ours, reference), oneError = maxRelativeError(ours, oneRank);
    std::cout << "[ tp       ] " << name_ << " prefill " << prefill << "/" << tokens.size() << ": max relative error "
              << error << " vs reference, " << oneError << " vs one rank\n";
    EXPECT_LE(error, kMaxRelativeError) << name_ << " with a prefill of " << prefill << " tokens";
    EXPECT_LE(oneError, kMaxRelativeError) << name_ << " with a prefill of " << prefill << " tokens";
  }
}

TEST_P(TensorParallelGpuTest, GreedyContinuationMatchesReference) {
  const std::vector<int32_t> expected = golden_.at("greedy").toInt32();
  rt::cuda::CudaModel split(splitPlan_, options_);
  rt::GenerationRequest request;
  request.prompt = golden_.at("prompt").toInt32();
  request.maxNewTokens = uint32_t(expected.size());
  request.stopAtEos = false;
  EXPECT_EQ(rt::generate(split.engine(), std::span(&request, 1)).tokens.at(0), expected) << name_;
}

INSTANTIATE_TEST_SUITE_P(Models, TensorParallelGpuTest, ::testing::ValuesIn(tpPlans()), [](const auto &info) {
  std::string name = std::get<0>(info.param) + "_" + std::get<1>(info.param) +
                     (std::get<2>(info.param) == Ranks::OneGpu ? "_one_gpu" : "_nccl");
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
});

// A split plan needs a GPU per rank, counted from --gpu.
TEST(TensorParallelGpu, RefusesMoreRanksThanGpus) {
  const fs::path plan = gpu_test::planFor("dense.tp2");
  rt::cuda::CudaModelOptions options = smallModel(plan);
  const int present = rt::cuda::Device::count();
  options.device = present - 1;
  try {
    rt::cuda::CudaModel model(plan, options);
    FAIL() << "a 2-rank plan from the last GPU loaded";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()),
              plan.string() +
                  ": the plan is split over 2 tensor-parallel ranks (gemma4c --tp), one GPU each from GPU " +
                  std::to_string(present - 1) + ", but " + std::to_string(present) + " GPU(s) are present");
  }
}

} // namespace
} // namespace g4
