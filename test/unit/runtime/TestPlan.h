// Helpers for runtime tests: temp folders, seeded random data, and a builder
// that writes a plan plus its weight file.
#pragma once

#include "plan/plan_generated.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace g4::rt::test {

// A fresh folder under the system temp dir, removed with its contents.
class TempDir {
public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  const std::filesystem::path &path() const { return path_; }

private:
  std::filesystem::path path_;
};

// n values uniform in +-[0.1, 1] * scale (never zero), from `seed`.
std::vector<float> randomValues(size_t n, uint64_t seed, float scale = 1.0f);
// n values in 1 +- 0.2 (norm weights), from `seed`.
std::vector<float> nearOne(size_t n, uint64_t seed);

std::vector<uint8_t> readBytes(const std::filesystem::path &path);
void writeBytes(const std::filesystem::path &path, const std::vector<uint8_t> &bytes);

struct TestModelInfo {
  uint32_t vocabSize = 16;
  uint32_t hiddenSize = 8;
  uint32_t numLayers = 1;
  uint32_t maxPositions = 1024;
  std::vector<int32_t> eosTokenIds = {1};
  float finalLogitSoftcapping = 0;
  uint32_t schemaVersion = 1;
  uint32_t pageSize = 4;
  uint32_t tensorParallel = 1; // ranks (gemma4c --tp)
};

// A kernel choice of an instruction (plan.fbs KernelChoice).
struct TestKernelChoice {
  uint32_t minRows, maxRows;
  std::string family, kernel;
  uint32_t tileTokens = 0, tileRows = 0, sharedBytes = 0, rowsPerTileAbove = 0;
};

// Builds a plan with one program, "forward", whose buffers 0 and 1 are the
// token ids and positions. Weights go to "model.safetensors" beside the plan.
class PlanBuilder {
public:
  explicit PlanBuilder(TestModelInfo info);

  flatbuffers::FlatBufferBuilder &fbb() { return fbb_; }
  uint32_t tokenIds() const { return 0; }
  uint32_t positions() const { return 1; }

  uint32_t buffer(const std::string &name, uint32_t width, plan::DType dtype = plan::DType::F32);
  // Stored as `dtype` (F32 or BF16); returns the weight index.
  uint32_t weight(const std::string &name, std::vector<int64_t> shape, std::vector<float> values,
                  plan::DType dtype = plan::DType::F32);
  // A weight stored whole (`shape`, `values`) and split as g4-shard does:
  // along `dim` into info.tensorParallel parts, rank r reading part r.
  uint32_t splitWeight(const std::string &name, std::vector<int64_t> shape, std::vector<float> values, size_t dim);
  // Replaces a split weight's slices (offsets relative to the tensor's first byte).
  void setSlices(uint32_t weight, std::vector<plan::WeightSlice> slices) {
    weights_[weight].slices = std::move(slices);
  }
  // Appends an instruction; `op` is a parameter table built with fbb().
  template <typename T>
  void emit(flatbuffers::Offset<T> op, const std::vector<uint32_t> &inputs, const std::vector<uint32_t> &outputs,
            const std::vector<uint32_t> &weights = {}, const std::vector<TestKernelChoice> &choices = {}) {
    emitRaw(plan::OpTraits<T>::enum_value, op.Union(), inputs, outputs, weights, choices);
  }
  void emitRaw(plan::Op type, flatbuffers::Offset<void> op, const std::vector<uint32_t> &inputs,
               const std::vector<uint32_t> &outputs, const std::vector<uint32_t> &weights,
               const std::vector<TestKernelChoice> &choices = {});
  // Makes it a CUDA plan: one kernel image (without code) for `arch`.
  void kernelImage(const std::string &arch) { kernelArch_ = arch; }
  void kvLayer(plan::AttentionKind kind, uint32_t headDim, uint32_t numKvHeads, uint32_t window, uint32_t owner);
  void setLogits(uint32_t buffer) { logits_ = buffer; }

  // Writes dir/model.safetensors and dir/plan.g4plan; returns the plan's path.
  std::filesystem::path write(const std::filesystem::path &dir);

private:
  struct WeightData {
    std::string name;
    std::vector<int64_t> shape; // stored
    std::vector<float> values;
    plan::DType dtype;
    std::vector<int64_t> partShape;        // split weights: one rank's part
    std::vector<plan::WeightSlice> slices; // split weights: offsets relative to the tensor
  };
  struct BufferData {
    std::string name;
    uint32_t width;
    plan::DType dtype;
  };

  TestModelInfo info_;
  flatbuffers::FlatBufferBuilder fbb_;
  std::vector<WeightData> weights_;
  std::vector<BufferData> buffers_;
  std::vector<flatbuffers::Offset<plan::Instruction>> instructions_;
  std::vector<flatbuffers::Offset<plan::KvLayer>> kvLayers_;
  uint32_t logits_ = 0;
  std::string kernelArch_;
};

} // namespace g4::rt::test
