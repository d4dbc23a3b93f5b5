// Sampling on the GPU (kernels/device/TopKTopP.cuh): one block per row.
#include "KernelArgs.h"
#include "cuda/Launch.h"
#include "cuda/Ops.h"

namespace g4::rt::cuda {

void runSampleRows(const OpEnv &env, CUdeviceptr logits, CUdeviceptr params, CUdeviceptr tokens, uint32_t rows,
                   uint32_t vocab) {
  const g4k::SampleRowsArgs args{logits, params, tokens, int(rows), int(vocab)};
  launch(env.kernels->sampleRows, {rows}, g4k::kSampleThreads, 0, env.stream, args, env.programmatic);
}

} // namespace g4::rt::cuda
