// Every tiny model of test/models, compiled and run on the CPU reference
// backend, against the Hugging Face reference (transformers 5.17.0, fp32, the
// same bf16 weights): logits through prefill + decode steps to a max relative
// error of 1e-4 (max|ours - ref| / max|ref| over the whole [T, vocab] tensor),
// and greedy continuations token for token. Every model is compiled twice:
// with the unfused instruction set, and with `--fuse` (the fused instructions
// of g4-fuse), which must meet the same goldens.
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

constexpr double kMaxRelativeError = 1e-4;

using golden::goldenModels;
using golden::relativeError;

// (model folder under test/models, compiled with --fuse)
using GoldenParam = std::tuple<std::string, bool>;

class GoldenTest : public ::testing::TestWithParam<GoldenParam> {
protected:
  static void SetUpTestSuite() { planDir_ = fs::temp_directory_path() / ("g4golden-" + std::to_string(::getpid())); }
  static void TearDownTestSuite() { fs::remove_all(planDir_); }

  void SetUp() override {
    const auto &[model, fused] = GetParam();
    name_ = model + (fused ? " (fused)" : "");
    modelDir_ = fs::path(G4_MODELS_DIR) / model;
    golden_ = io::readSafetensors((modelDir_ / "golden.safetensors").string());
    fs::create_directories(planDir_);
    planPath_ = planDir_ / (model + (fused ? "-fused" : "") + ".g4plan");
    golden::compilePlan(modelDir_, planPath_, fused);
  }

  static fs::path planDir_;
  std::string name_; // for messages: the model, and whether it is fused
  fs::path modelDir_, planPath_;
  std::map<std::string, io::HostTensor> golden_;
};

fs::path GoldenTest::planDir_;

TEST_P(GoldenTest, LogitsMatchReference) {
  std::vector<int32_t> tokens = golden_.at("tokens").toInt32();
  std::vector<float> reference = golden_.at("logits").toFloat();
  rt::cpu::CpuModel model(planPath_, {});
  // All-prefill, the default half/half split, and all-decode after one token.
  for (size_t prefill : {tokens.size(), tokens.size() / 2, size_t(1)}) {
    std::vector<float> ours = rt::teacherForcedLogits(model.engine(), tokens, prefill);
    ASSERT_EQ(ours.size(), reference.size());
    double error = relativeError(ours, reference);
    std::cout << "[ golden   ] " << name_ << " prefill " << prefill << "/" << tokens.size() << ": max relative error "
              << error << "\n";
    EXPECT_LE(error, kMaxRelativeError) << name_ << " with a prefill of " << prefill << " tokens";
  }
}

TEST_P(GoldenTest, GreedyContinuationMatchesReference) {
  EXPECT_EQ(golden::greedyContinuation(planPath_, golden_), golden_.at("greedy").toInt32()) << name_;
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenTest, ::testing::Combine(::testing::ValuesIn(goldenModels()), ::testing::Bool()),
                         [](const auto &info) {
                           std::string name = std::get<0>(info.param) + (std::get<1>(info.param) ? "_fused" : "");
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

} // namespace
} // namespace g4
