#include "cuda/CudaWeights.h"

#include "KernelArgs.h"
#include "KernelNames.h"
#include "cuda/HalfExponents.h"
#include "cuda/Launch.h"
#include "io/Float16.h"
#include "weights/DummyWeights.h"
#include "weights/WeightStore.h"


namespace g4::rt::cuda {
namespace {

void generate(const plan::Weight &weight, CUdeviceptr destination, const Device &device, CUfunction fill) {
  const DummySpec spec = dummySpec(weight);
  const size_t n = elementCount(weight);
  const g4k::FillDummyArgs args{destination, (long long)n, spec.seed, spec.scale, spec.offset};
  launch(fill, {blocksFor(n, 256, 4096)}, 256, 0, device.stream(), args);
}

void upload(const WeightStore &store, uint32_t index, const plan::Weight &weight, CUdeviceptr destination) {
  std::span<const std::byte> raw = store.bytes(index);
  if (weight.dtype() == plan::DType::BF16) {
    G4_CUDA_CALL(driver(), cuMemcpyHtoD, destination, raw.data(), raw.size());
    return;
  }
  const std::vector<float> values = store.toFloat32(index);
  std::vector<uint16_t> bf16(values.size());
  for (size_t i = 0; i < values.size(); ++i)
    bf16[i] = io::floatToBf16(values[i]);
  G4_CUDA_CALL(driver(), cuMemcpyHtoD, destination, bf16.data(), bf16.size() * 2);
}

} // namespace

CudaWeights::CudaWeights(const PlanFile &plan, const std::filesystem::path &checkpointDir, const Device &device,
                         const KernelLibrary &library, uint32_t rank) {
  const auto &weights = *plan.plan().weights();
  std::vector<size_t> offsets;
  size_t total = 0;
  for (const plan::Weight *w : weights) {
    offsets.push_back(total);
    total += alignBytes(elementCount(*w) * 2);
  }
  storage_ = DeviceBuffer(total, "weights");
  for (size_t offset : offsets)
    pointers_.push_back(storage_.get() + offset);

  if (plan.plan().dummy_weights()) {
    const CUfunction fill = library.get(kernels::kFillDummy);
    for (uint32_t i = 0; i < weights.size(); ++i)
      generate(*weights.Get(i), pointers_[i], device, fill);
  } else {
    const WeightStore store(plan, checkpointDir, rank);
    for (uint32_t i = 0; i < weights.size(); ++i)
      upload(store, i, *weights.Get(i), pointers_[i]);
  }
  exponents_ = DeviceBuffer(weights.size() * 4, "weight exponents");
  std::vector<Bf16Tensor> tensors;
  for (uint32_t i = 0; i < weights.size(); ++i)
    tensors.push_back({pointers_[i], elementCount(*weights.Get(i))});
  measureHalfExponents(tensors, exponents_.get(),
                       {library.get(kernels::kAbsMaxBf16), library.get(kernels::kHalfExponents)}, device.stream());
  device.synchronize();
}

} // namespace g4::rt::cuda
