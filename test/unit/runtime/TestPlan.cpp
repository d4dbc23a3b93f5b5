#include "TestPlan.h"

#include "io/Float16.h"
#include "io/Safetensors.h"

#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include <unistd.h>

namespace g4::rt::test {

TempDir::TempDir() {
  std::random_device rd;
  path_ =
      std::filesystem::temp_directory_path() / ("g4rt-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<float> randomValues(size_t n, uint64_t seed, float scale) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> magnitude(0.1f, 1.0f);
  std::vector<float> out(n);
  for (float &v : out)
    v = (rng() & 1 ? 1.0f : -1.0f) * magnitude(rng) * scale;
  return out;
}

std::vector<float> nearOne(size_t n, uint64_t seed) {
  std::vector<float> out = randomValues(n, seed, 0.2f);
  for (float &v : out)
    v += 1.0f;
  return out;
}

std::vector<uint8_t> readBytes(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void writeBytes(const std::filesystem::path &path, const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
}

PlanBuilder::PlanBuilder(TestModelInfo info) : info_(std::move(info)) {
  buffer("token_ids", 1, plan::DType::I32);
  buffer("positions", 1, plan::DType::I32);
}

uint32_t PlanBuilder::buffer(const std::string &name, uint32_t width, plan::DType dtype) {
  buffers_.push_back({name, width, dtype});
  return uint32_t(buffers_.size() - 1);
}

uint32_t PlanBuilder::weight(const std::string &name, std::vector<int64_t> shape, std::vector<float> values,
                             plan::DType dtype) {
  weights_.push_back({name, std::move(shape), std::move(values), dtype});
  return uint32_t(weights_.size() - 1);
}

uint32_t PlanBuilder::splitWeight(const std::string &name, std::vector<int64_t> shape, std::vector<float> values,
                                  size_t dim) {
  const uint64_t parts = info_.tensorParallel;
  std::vector<int64_t> part = shape;
  part[dim] /= int64_t(parts);
  uint64_t runs = 1, runBytes = sizeof(float); // a run: one index of the dims before `dim`
  for (size_t d = 0; d < dim; ++d)
    runs *= uint64_t(shape[d]);
  for (size_t d = dim; d < shape.size(); ++d)
    runBytes *= uint64_t(part[d]);
  std::vector<plan::WeightSlice> slices;
  for (uint64_t r = 0; r < parts; ++r)
    slices.emplace_back(r * runBytes, runBytes, runBytes * parts, runs);
  weights_.push_back({name, std::move(shape), std::move(values), plan::DType::F32, std::move(part), std::move(slices)});
  return uint32_t(weights_.size() - 1);
}

void PlanBuilder::emitRaw(plan::Op type, flatbuffers::Offset<void> op, const std::vector<uint32_t> &inputs,
                          const std::vector<uint32_t> &outputs, const std::vector<uint32_t> &weights,
                          const std::vector<TestKernelChoice> &choices) {
  std::vector<flatbuffers::Offset<plan::KernelChoice>> kernels;
  for (const TestKernelChoice &c : choices)
    kernels.push_back(plan::CreateKernelChoiceDirect(fbb_, c.minRows, c.maxRows, c.family.c_str(), c.kernel.c_str(),
                                                     c.tileTokens, c.tileRows, c.sharedBytes, c.rowsPerTileAbove));
  instructions_.push_back(plan::CreateInstruction(fbb_, type, op, fbb_.CreateVector(inputs), fbb_.CreateVector(outputs),
                                                  fbb_.CreateVector(weights),
                                                  choices.empty() ? 0 : fbb_.CreateVector(kernels)));
}

void PlanBuilder::kvLayer(plan::AttentionKind kind, uint32_t headDim, uint32_t numKvHeads, uint32_t window,
                          uint32_t owner) {
  const uint32_t layer = uint32_t(kvLayers_.size());
  kvLayers_.push_back(plan::CreateKvLayer(fbb_, layer, kind, headDim, numKvHeads, window, owner));
}

std::filesystem::path PlanBuilder::write(const std::filesystem::path &dir) {
  // The weight file first: the plan records each weight's byte offset in it.
  const std::filesystem::path weightPath = dir / "model.safetensors";
  std::vector<std::vector<uint16_t>> halves(weights_.size());
  std::vector<io::OutTensor> tensors;
  for (size_t i = 0; i < weights_.size(); ++i) {
    const WeightData &w = weights_[i];
    if (w.dtype == plan::DType::BF16) {
      for (float v : w.values)
        halves[i].push_back(io::floatToBf16(v));
      tensors.push_back({w.name, "BF16", w.shape, halves[i].data()});
    } else if (w.dtype == plan::DType::F32) {
      tensors.push_back({w.name, "F32", w.shape, w.values.data()});
    } else {
      throw std::invalid_argument("PlanBuilder: weights are F32 or BF16");
    }
  }
  io::writeSafetensors(weightPath.string(), tensors);
  const io::SafetensorsHeader header = io::readSafetensorsHeader(weightPath.string());

  std::vector<flatbuffers::Offset<plan::Weight>> weights;
  for (const WeightData &w : weights_) {
    const io::TensorInfo &t = header.tensors.at(w.name);
    std::vector<plan::WeightSlice> slices;
    for (const plan::WeightSlice &s : w.slices)
      slices.emplace_back(t.begin + s.offset(), s.run_bytes(), s.stride(), s.runs());
    weights.push_back(plan::CreateWeightDirect(fbb_, w.name.c_str(), 0, t.begin, t.end - t.begin, w.dtype,
                                               w.slices.empty() ? &w.shape : &w.partShape,
                                               w.slices.empty() ? nullptr : &slices));
  }
  std::vector<flatbuffers::Offset<plan::WeightFile>> files = {
      plan::CreateWeightFileDirect(fbb_, "model.safetensors", header.fileSize)};
  std::vector<flatbuffers::Offset<plan::Buffer>> buffers;
  for (const BufferData &b : buffers_)
    buffers.push_back(plan::CreateBufferDirect(fbb_, b.name.c_str(), b.width, b.dtype));
  std::vector<flatbuffers::Offset<plan::Program>> programs = {
      plan::CreateProgramDirect(fbb_, "forward", &buffers, tokenIds(), positions(), logits_, &instructions_)};
  auto kv = plan::CreateKvSpecDirect(fbb_, info_.pageSize, &kvLayers_);
  auto model = plan::CreateModelInfoDirect(fbb_, "gemma4_text", info_.vocabSize, info_.hiddenSize, info_.numLayers,
                                           info_.maxPositions, 2, 0, &info_.eosTokenIds, info_.finalLogitSoftcapping);
  std::vector<flatbuffers::Offset<plan::KernelImage>> images;
  if (!kernelArch_.empty())
    images.push_back(plan::CreateKernelImageDirect(fbb_, kernelArch_.c_str()));
  auto root =
      plan::CreatePlanDirect(fbb_, info_.schemaVersion, "runtime-tests", model, ".", &files, &weights, &programs, kv, 0,
                             0, false, images.empty() ? nullptr : &images, info_.tensorParallel);
  plan::FinishPlanBuffer(fbb_, root);

  const std::filesystem::path planPath = dir / "plan.g4plan";
  writeBytes(planPath, std::vector<uint8_t>(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize()));
  return planPath;
}

} // namespace g4::rt::test
