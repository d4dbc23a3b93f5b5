#include "cuda/CudaModel.h"

#include "cuda/KvSizing.h"
#include "io/Error.h"

#include <cstdio>

namespace g4::rt::cuda {
namespace {

constexpr uint64_t kHeadroomBytes = 1ull << 30; // driver, cuBLASLt and graph allocations

KvCache makeKvCache(const PlanFile &plan, const Device &device, const CudaModelOptions &options) {
  KvLayout layout(plan.kv(), 2);
  if (options.kvCapacity)
    return KvCache(std::move(layout), *options.kvCapacity);
  const uint64_t reserved = CudaBackend::workspaceBytes(plan, options.backend, device.properties()) + kHeadroomBytes;
  const uint64_t free = device.freeMemory();
  if (free <= reserved)
    throw Error("the GPU has " + std::to_string(free >> 20) + " MiB free after the weights, less than the " +
                std::to_string(reserved >> 20) + " MiB the activations need (lower --max-step-tokens?)");
  const double ratio = options.slidingFullRatio > 0 ? options.slidingFullRatio : plan.kv().sliding_full_ratio();
  const KvCapacity capacity =
      kvCapacityForMemory(layout, uint64_t(double(free - reserved) * options.kvMemoryFraction), ratio);
  return KvCache(std::move(layout), capacity);
}

// The device a plan runs on: one GPU runs one rank, and the ranks of a
// tensor-parallel plan need NCCL between GPUs, which this backend lacks.
int deviceFor(const PlanFile &plan, int ordinal) {
  if (plan.plan().tensor_parallel() > 1)
    throw Error(plan.path().string() + ": the plan is split over " + std::to_string(plan.plan().tensor_parallel()) +
                " tensor-parallel ranks (gemma4c --tp); the CUDA backend runs plans of one rank (--tp 1), the CPU "
                "backend runs split ones (--device cpu)");
  return ordinal;
}

} // namespace

CudaModel::CudaModel(const std::filesystem::path &planPath, const CudaModelOptions &options)
    : plan_(planPath), device_(deviceFor(plan_, options.device)), library_(plan_, device_),
      weights_(plan_, plan_.checkpointDir(options.weightsDir), device_, library_),
      kv_(makeKvCache(plan_, device_, options)), backend_(plan_, device_, library_, weights_, kv_, options.backend),
      engine_(plan_, backend_, kv_) {}

std::string CudaModel::describe() const {
  const uint32_t pageSize = kv_.layout().pageSize();
  char text[512];
  std::snprintf(
      text, sizeof text, "%s; kernels %s%s; weights %.2f GiB; KV pools %.2f GiB: sliding %u tokens, full %u tokens",
      device_.describe().c_str(), library_.arch().c_str(), library_.jitCompiled() ? " (JIT from PTX)" : "",
      double(weights_.bytes()) / double(1ull << 30), double(backend_.kvStorage().bytes()) / double(1ull << 30),
      kv_.capacity(plan::AttentionKind::Sliding) * pageSize, kv_.capacity(plan::AttentionKind::Full) * pageSize);
  return text;
}

} // namespace g4::rt::cuda
