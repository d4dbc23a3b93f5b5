// Kernel launches: one argument struct (kernels/KernelArgs.h) passed by value
// through cuLaunchKernelEx, and grid sizing for grid-stride loops.
#pragma once

#include "cuda/CudaCheck.h"

#include <algorithm>
#include <cstdint>

namespace g4::rt::cuda {

struct Grid {
  unsigned x = 1, y = 1, z = 1;
};

// `programmatic` (sm_90+, OpEnv::programmatic): the kernel may start while the
// stream's previous kernel runs; only for kernels that begin with
// g4k::enterDependentGrid() (device/Common.cuh). It hides the launch latency
// and lets a GEMV fetch its weights while its input is still being computed.
// `clusterY` > 1 (sm_90+): blocks run in thread-block clusters of that many
// consecutive y indices (grid.y a multiple of it).
template <class Args>
void launch(CUfunction function, Grid grid, unsigned threads, unsigned sharedBytes, CUstream stream, const Args &args,
            bool programmatic = false, unsigned clusterY = 1) {
  void *params[] = {const_cast<Args *>(&args)};
  CUlaunchAttribute attributes[2]{};
  unsigned count = 0;
  if (programmatic) {
    attributes[count].id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
    attributes[count++].value.programmaticStreamSerializationAllowed = 1;
  }
  if (clusterY > 1) {
    attributes[count].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    attributes[count++].value.clusterDim = {1, clusterY, 1};
  }
  CUlaunchConfig config{};
  config.gridDimX = grid.x, config.gridDimY = grid.y, config.gridDimZ = grid.z;
  config.blockDimX = threads, config.blockDimY = 1, config.blockDimZ = 1;
  config.sharedMemBytes = sharedBytes;
  config.hStream = stream;
  config.attrs = count ? attributes : nullptr;
  config.numAttrs = count;
  G4_CUDA_CALL(driver(), cuLaunchKernelEx, &config, function, params, nullptr);
}

// Blocks of `threads` covering n elements, capped for grid-stride loops.
inline unsigned blocksFor(uint64_t n, unsigned threads, unsigned maxBlocks = 65535) {
  return unsigned(std::clamp<uint64_t>((n + threads - 1) / threads, 1, maxBlocks));
}

// A grid's y (or z) extent for `rows`, capped at the hardware's 65535 for kernels that stride over rows.
inline unsigned gridRows(uint64_t rows) { return unsigned(std::clamp<uint64_t>(rows, 1, 65535)); }

} // namespace g4::rt::cuda
