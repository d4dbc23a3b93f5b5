#include "cuda/NcclCollectives.h"

#include "cuda/CudaCheck.h"
#include "io/Error.h"

#include <cstdlib>

namespace g4::rt::cuda {

std::vector<std::unique_ptr<NcclCollectives>> NcclCollectives::createGroup(const std::vector<int> &ordinals) {
  const NcclApi &api = nccl();
  // NVLink multicast (NVLS) can put a shared host's GPUs out of service; a user's own setting wins.
  ::setenv("NCCL_NVLS_ENABLE", "0", /*overwrite=*/0);
  std::vector<ncclComm_t> comms(ordinals.size());
  G4_CUDA_CALL(api, ncclCommInitAll, comms.data(), int(ordinals.size()), ordinals.data());
  std::vector<std::unique_ptr<NcclCollectives>> group;
  for (size_t rank = 0; rank < comms.size(); ++rank)
    group.emplace_back(new NcclCollectives(comms[rank], uint32_t(rank), uint32_t(comms.size())));
  return group;
}

NcclCollectives::~NcclCollectives() {
  if (!aborted_)
    nccl().ncclCommDestroy(comm_);
}

void NcclCollectives::abort() const {
  if (!aborted_.exchange(true))
    nccl().ncclCommAbort(comm_);
}

void NcclCollectives::checkUsable() const {
  if (aborted_)
    throw Error("NCCL communicator of rank " + std::to_string(rank_) +
                " was aborted after another rank failed; load the model again");
}

void NcclCollectives::allReduceSum(CUdeviceptr in, CUdeviceptr out, size_t n, CUstream stream) const {
  checkUsable();
  G4_CUDA_CALL(nccl(), ncclAllReduce, reinterpret_cast<const void *>(in), reinterpret_cast<void *>(out), n, ncclFloat32,
               ncclSum, comm_, stream);
}

size_t NcclCollectives::stagingFloats(size_t rows, size_t width) const {
  return rows > 1 && ranks_ > 1 ? size_t(ranks_) * rows * width : 0;
}

void NcclCollectives::allGather(CUdeviceptr in, CUdeviceptr out, size_t rows, size_t width, CUdeviceptr staging,
                                CUstream stream) const {
  checkUsable();
  const bool staged = stagingFloats(rows, width) > 0;
  G4_CUDA_CALL(nccl(), ncclAllGather, reinterpret_cast<const void *>(in),
               reinterpret_cast<void *>(staged ? staging : out), rows * width, ncclFloat32, comm_, stream);
  if (!staged)
    return;
  const size_t rowBytes = width * sizeof(float);
  for (uint32_t r = 0; r < ranks_; ++r) {
    CUDA_MEMCPY2D copy = {};
    copy.srcMemoryType = CU_MEMORYTYPE_DEVICE;
    copy.srcDevice = staging + r * rows * rowBytes;
    copy.srcPitch = rowBytes;
    copy.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    copy.dstDevice = out + r * rowBytes;
    copy.dstPitch = ranks_ * rowBytes;
    copy.WidthInBytes = rowBytes;
    copy.Height = rows;
    G4_CUDA_CALL(driver(), cuMemcpy2DAsync, &copy, stream);
  }
}

} // namespace g4::rt::cuda
