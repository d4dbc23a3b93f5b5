// What the golden tests of test/golden share: the tiny models that have
// goldens, and the error measure of the bars.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
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

} // namespace g4::golden
