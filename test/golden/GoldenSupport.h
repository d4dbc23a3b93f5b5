// What the golden tests of test/golden share: the tiny models that have
// goldens, the error measure of the bars, and the greedy continuation.
#pragma once

#include "cpu/CpuModel.h"
#include "driver/Compile.h"
#include "engine/Generator.h"
#include "io/Safetensors.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace g4::golden {

// The folders under test/models with a golden.safetensors, sorted.
inline std::vector<std::string> goldenModels() {
  std::vector<std::string> names;
  for (const auto &entry : std::filesystem::directory_iterator(G4_MODELS_DIR))
    if (std::filesystem::exists(entry.path() / "golden.safetensors"))
      names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// max|ours - ref| / max|ref| over the whole tensor.
inline double relativeError(const std::vector<float> &ours, const std::vector<float> &ref) {
  double maxDiff = 0, maxRef = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    maxDiff = std::max(maxDiff, std::abs(double(ours[i]) - double(ref[i])));
    maxRef = std::max(maxRef, std::abs(double(ref[i])));
  }
  return maxDiff / maxRef;
}

// Compiles the tiny model in `modelDir` to a CPU-only `plan`, with `--fuse`
// and `--tp ranks` as asked.
inline void compilePlan(const std::filesystem::path &modelDir, const std::filesystem::path &plan, bool fused,
                        uint32_t ranks = 1) {
  driver::CompileOptions options;
  options.checkpointDir = modelDir.string();
  options.output = plan.string();
  options.tensorParallel = ranks;
  options.fuse = fused;
  options.quiet = true;
  driver::compile(options);
}

// The CPU backend's greedy continuation of the golden prompt by `plan`, as
// many tokens as the golden continuation has, past EOS (the reference ran
// with min_new_tokens).
inline std::vector<int32_t> greedyContinuation(const std::filesystem::path &plan,
                                               const std::map<std::string, io::HostTensor> &golden) {
  rt::GenerationRequest request;
  request.prompt = golden.at("prompt").toInt32();
  request.maxNewTokens = uint32_t(golden.at("greedy").toInt32().size());
  request.stopAtEos = false;
  rt::cpu::CpuModel model(plan, {});
  return rt::generate(model.engine(), std::span(&request, 1)).tokens.at(0);
}

} // namespace g4::golden
