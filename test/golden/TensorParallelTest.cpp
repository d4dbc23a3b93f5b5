// Tensor parallelism on the CPU: every tiny model of test/models compiled with
// `--tp 2` and `--tp 4` (g4-shard; unfused and `--fuse`d) runs as 2 or 4 CPU
// backends on threads with in-process collectives, and must give the logits
// of the same model compiled for one rank to fp32 tolerance, the golden logits
// to the CPU bar (1e-4), and the golden greedy continuation.
#include "GoldenSupport.h"
#include "cpu/CpuModel.h"
#include "engine/TeacherForcing.h"
#include "io/Safetensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

namespace g4 {
namespace {

namespace fs = std::filesystem;

constexpr double kGoldenError = 1e-4; // the CPU backend's bar (GoldenTest)
// Against one rank: the same fp32 arithmetic except the order of the
// row-parallel sums (partial dot products added across ranks).
constexpr double kOneRankError = 1e-5;

using golden::goldenModels;
using golden::relativeError;

// (model folder under test/models, ranks, compiled with --fuse)
using TpParam = std::tuple<std::string, uint32_t, bool>;

class TensorParallelTest : public ::testing::TestWithParam<TpParam> {
protected:
  static void SetUpTestSuite() { planDir_ = fs::temp_directory_path() / ("g4tp-" + std::to_string(::getpid())); }
  static void TearDownTestSuite() { fs::remove_all(planDir_); }

  void SetUp() override {
    const auto &[model, ranks, fused] = GetParam();
    name_ = model + " tp " + std::to_string(ranks) + (fused ? " (fused)" : "");
    const fs::path modelDir = fs::path(G4_MODELS_DIR) / model;
    golden_ = io::readSafetensors((modelDir / "golden.safetensors").string());
    fs::create_directories(planDir_);
    auto compile = [&](uint32_t tp) {
      fs::path plan = planDir_ / (model + "-tp" + std::to_string(tp) + (fused ? "-fused" : "") + ".g4plan");
      golden::compilePlan(modelDir, plan, fused, tp);
      return plan;
    };
    onePlan_ = compile(1);
    splitPlan_ = compile(ranks);
  }

  static fs::path planDir_;
  std::string name_;
  fs::path onePlan_, splitPlan_;
  std::map<std::string, io::HostTensor> golden_;
};

fs::path TensorParallelTest::planDir_;

TEST_P(TensorParallelTest, LogitsMatchOneRankAndReference) {
  std::vector<int32_t> tokens = golden_.at("tokens").toInt32();
  std::vector<float> reference = golden_.at("logits").toFloat();
  rt::cpu::CpuModel one(onePlan_, {}), split(splitPlan_, {});
  ASSERT_EQ(split.plan().plan().tensor_parallel(), std::get<1>(GetParam()));
  for (size_t prefill : {tokens.size(), tokens.size() / 2, size_t(1)}) {
    std::vector<float> ours = rt::teacherForcedLogits(split.engine(), tokens, prefill);
    std::vector<float> oneRank = rt::teacherForcedLogits(one.engine(), tokens, prefill);
    ASSERT_EQ(ours.size(), reference.size());
    const double vsOne = relativeError(ours, oneRank), vsReference = relativeError(ours, reference);
    std::cout << "[ tp       ] " << name_ << " prefill " << prefill << "/" << tokens.size() << ": max relative error "
              << vsOne << " vs one rank, " << vsReference << " vs reference\n";
    EXPECT_LE(vsOne, kOneRankError) << name_ << " with a prefill of " << prefill << " tokens";
    EXPECT_LE(vsReference, kGoldenError) << name_ << " with a prefill of " << prefill << " tokens";
  }
}

TEST_P(TensorParallelTest, GreedyContinuationMatchesReference) {
  EXPECT_EQ(golden::greedyContinuation(splitPlan_, golden_), golden_.at("greedy").toInt32()) << name_;
}

INSTANTIATE_TEST_SUITE_P(Models, TensorParallelTest,
                         ::testing::Combine(::testing::ValuesIn(goldenModels()), ::testing::Values(2u, 4u),
                                            ::testing::Bool()),
                         [](const auto &info) {
                           std::string name = std::get<0>(info.param) + "_tp" +
                                              std::to_string(std::get<1>(info.param)) +
                                              (std::get<2>(info.param) ? "_fused" : "");
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

} // namespace
} // namespace g4
