#include "weights/WeightStore.h"

#include "io/Error.h"
#include "io/Float16.h"
#include "weights/DummyWeights.h"

#include "DummyValues.h"

#include <cstring>

namespace g4::rt {

namespace {

// Bytes of the tensor a rank holds: its shape times the dtype's size.
size_t partBytes(const plan::Weight &weight) {
  return (weight.dtype() == plan::DType::F32 ? 4 : 2) * elementCount(weight);
}

} // namespace

WeightStore::WeightStore(const PlanFile &plan, const std::filesystem::path &checkpointDir, uint32_t rank)
    : rank_(rank) {
  const std::string where = plan.path().string();
  for (const plan::WeightFile *file : *plan.plan().weight_files()) {
    const std::filesystem::path path = checkpointDir / file->path()->str();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
      throw Error(where + ": weight file " + path.string() + " not found");
    MappedFile mapped(path);
    if (mapped.bytes().size() != file->size())
      throw Error(where + ": weight file " + path.string() + " is " + std::to_string(mapped.bytes().size()) +
                  " bytes, the plan expects " + std::to_string(file->size()) +
                  " (truncated, or changed since the plan was compiled?)");
    files_.push_back(std::move(mapped));
  }
  if (rank >= plan.plan().tensor_parallel())
    throw Error(where + ": rank " + std::to_string(rank) + " of a plan split over " +
                std::to_string(plan.plan().tensor_parallel()) + " ranks");
  for (const plan::Weight *weight : *plan.plan().weights())
    weights_.push_back(weight);
  owned_.resize(weights_.size());
  for (size_t i = 0; i < weights_.size(); ++i) {
    const plan::Weight &w = *weights_[i];
    const bool strided = w.slices() && w.slices()->size() && w.slices()->Get(rank)->runs() > 1;
    if (plan.plan().dummy_weights())
      owned_[i] = generate(w);
    else if (strided)
      owned_[i] = gather(w);
  }
}

std::vector<std::byte> WeightStore::gather(const plan::Weight &weight) const {
  const plan::WeightSlice &slice = *weight.slices()->Get(rank_);
  std::span<const std::byte> file = files_[weight.file()].bytes();
  std::vector<std::byte> bytes(slice.runs() * slice.run_bytes());
  for (uint64_t run = 0; run < slice.runs(); ++run)
    std::memcpy(bytes.data() + run * slice.run_bytes(), file.data() + slice.offset() + run * slice.stride(),
                slice.run_bytes());
  return bytes;
}

std::vector<std::byte> WeightStore::generate(const plan::Weight &weight) {
  const DummySpec spec = dummySpec(weight);
  std::vector<std::byte> bytes(partBytes(weight));
  const size_t elements = weight.dtype() == plan::DType::F32 ? bytes.size() / 4 : bytes.size() / 2;
  for (size_t i = 0; i < elements; ++i) {
    const float value = g4k::dummyValue(spec.seed, i, spec.scale, spec.offset);
    if (weight.dtype() == plan::DType::F32) {
      std::memcpy(bytes.data() + 4 * i, &value, 4);
    } else {
      if (weight.dtype() != plan::DType::BF16)
        throw Error("dummy weight '" + weight.name()->str() + "': only BF16 and F32 weights can be generated");
      const uint16_t h = io::floatToBf16(value);
      std::memcpy(bytes.data() + 2 * i, &h, 2);
    }
  }
  return bytes;
}

std::span<const std::byte> WeightStore::bytes(uint32_t weight) const {
  if (!owned_[weight].empty())
    return owned_[weight];
  const plan::Weight &w = *weights_[weight];
  if (w.slices() && w.slices()->size())
    return files_[w.file()].bytes().subspan(w.slices()->Get(rank_)->offset(), partBytes(w));
  return files_[w.file()].bytes().subspan(w.offset(), w.size());
}

std::vector<float> WeightStore::toFloat32(uint32_t weight) const {
  std::span<const std::byte> raw = bytes(weight);
  const plan::DType dtype = weights_[weight]->dtype();
  if (dtype == plan::DType::F32) {
    std::vector<float> out(raw.size() / sizeof(float));
    std::memcpy(out.data(), raw.data(), raw.size());
    return out;
  }
  std::vector<float> out(raw.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    uint16_t h;
    std::memcpy(&h, raw.data() + 2 * i, 2);
    out[i] = dtype == plan::DType::BF16 ? io::bf16ToFloat(h) : io::f16ToFloat(h);
  }
  return out;
}

} // namespace g4::rt
