#include "cuda/HalfExponents.h"

#include "KernelArgs.h"
#include "cuda/Launch.h"

namespace g4::rt::cuda {

void measureHalfExponents(std::span<const Bf16Tensor> tensors, CUdeviceptr exponents,
                          const HalfExponentKernels &kernels, CUstream stream) {
  if (tensors.empty())
    return;
  G4_CUDA_CALL(driver(), cuMemsetD32Async, exponents, 0u, tensors.size(), stream);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const g4k::AbsMaxArgs args{tensors[i].data, (long long)tensors[i].elements, exponents + 4 * i};
    launch(kernels.absMaxBf16, {blocksFor(tensors[i].elements, g4k::kBlockThreads, 1024)}, g4k::kBlockThreads, 0,
           stream, args);
  }
  const g4k::HalfExponentsArgs args{exponents, int(tensors.size())};
  launch(kernels.halfExponents, {blocksFor(tensors.size(), g4k::kBlockThreads)}, g4k::kBlockThreads, 0, stream, args);
}

} // namespace g4::rt::cuda
