#include "cuda/CudaModel.h"

#include "cuda/KvSizing.h"
#include "cuda/NcclCollectives.h"
#include "io/Error.h"
#include "tp/TensorParallelBackend.h"

#include <algorithm>
#include <cstdio>

namespace g4::rt::cuda {

struct CudaModel::Rank {
  Device device;
  KernelLibrary library;
  CudaWeights weights;

  Rank(const PlanFile &plan, int ordinal, uint32_t rank, const std::filesystem::path &checkpointDir)
      : device(ordinal), library(plan, device), weights(plan, checkpointDir, device, library, rank) {}
};

namespace {

constexpr uint64_t kHeadroomBytes = 1ull << 30; // driver, cuBLASLt and graph allocations

// Rank r's device ordinal; a split plan needs a GPU per rank.
std::vector<int> rankDevices(const PlanFile &plan, const CudaModelOptions &options) {
  const uint32_t ranks = plan.plan().tensor_parallel();
  if (!options.devices.empty()) {
    if (options.devices.size() != ranks)
      throw Error(plan.path().string() + ": the plan has " + std::to_string(ranks) + " tensor-parallel rank(s), but " +
                  std::to_string(options.devices.size()) + " devices were given");
    return options.devices;
  }
  const int present = Device::count();
  if (options.device + int(ranks) > present)
    throw Error(plan.path().string() + ": the plan is split over " + std::to_string(ranks) +
                " tensor-parallel ranks (gemma4c --tp), one GPU each from GPU " + std::to_string(options.device) +
                ", but " + std::to_string(present) + " GPU(s) are present");
  std::vector<int> ordinals(ranks);
  for (uint32_t r = 0; r < ranks; ++r)
    ordinals[r] = options.device + int(r);
  return ordinals;
}

// Pools as large as the fullest GPU allows: every rank holds the same pages (of its KV heads).
KvCache makeKvCache(const PlanFile &plan, const std::vector<const Device *> &devices, const CudaModelOptions &options) {
  KvLayout layout(plan.kv(), 2);
  if (options.kvCapacity)
    return KvCache(std::move(layout), *options.kvCapacity);
  uint64_t budget = UINT64_MAX;
  for (const Device *device : devices) {
    device->makeCurrent();
    const uint64_t reserved = CudaBackend::workspaceBytes(plan, options.backend, device->properties()) + kHeadroomBytes;
    const uint64_t free = device->freeMemory();
    if (free <= reserved)
      throw Error("the GPU has " + std::to_string(free >> 20) + " MiB free after the weights, less than the " +
                  std::to_string(reserved >> 20) + " MiB the activations need (lower --max-step-tokens?)");
    budget = std::min(budget, free - reserved);
  }
  const double ratio = options.slidingFullRatio > 0 ? options.slidingFullRatio : plan.kv().sliding_full_ratio();
  return KvCache(std::move(layout),
                 kvCapacityForMemory(layout, uint64_t(double(budget) * options.kvMemoryFraction), ratio));
}

// A split plan's ranks stop together when one fails. NCCL communicators
// cannot be used again after an abort: later steps fail naming that.
class AbortCollectives final : public RankGroup {
public:
  explicit AbortCollectives(std::vector<const DeviceCollectives *> ranks) : ranks_(std::move(ranks)) {}
  void abort() override {
    for (const DeviceCollectives *rank : ranks_)
      rank->abort();
  }
  void reset() override {}

private:
  std::vector<const DeviceCollectives *> ranks_;
};

std::vector<std::unique_ptr<DeviceCollectives>> makeCollectives(const std::vector<int> &ordinals,
                                                                const CollectivesFactory &factory) {
  if (ordinals.size() == 1)
    return {};
  if (factory)
    return factory(ordinals);
  std::vector<std::unique_ptr<DeviceCollectives>> nccl;
  for (auto &rank : NcclCollectives::createGroup(ordinals))
    nccl.push_back(std::move(rank));
  return nccl;
}

} // namespace

CudaModel::CudaModel(const std::filesystem::path &planPath, const CudaModelOptions &options)
    : plan_(planPath), ordinals_(rankDevices(plan_, options)), ranks_([&] {
        const std::filesystem::path dir = plan_.checkpointDir(options.weightsDir);
        std::vector<std::unique_ptr<Rank>> ranks;
        for (uint32_t r = 0; r < ordinals_.size(); ++r)
          ranks.push_back(std::make_unique<Rank>(plan_, ordinals_[r], r, dir));
        return ranks;
      }()),
      collectives_(makeCollectives(ordinals_, options.collectives)), kv_([&] {
        std::vector<const Device *> devices;
        for (const auto &rank : ranks_)
          devices.push_back(&rank->device);
        return makeKvCache(plan_, devices, options);
      }()),
      backend_(makeBackend(options.backend)), engine_(plan_, *backend_, kv_) {}

std::unique_ptr<Backend> CudaModel::makeBackend(const CudaBackendOptions &options) {
  std::vector<std::unique_ptr<Backend>> backends;
  std::vector<const DeviceCollectives *> group;
  for (size_t r = 0; r < ranks_.size(); ++r) {
    const Rank &rank = *ranks_[r];
    rank.device.makeCurrent();
    const DeviceCollectives *collectives = collectives_.empty() ? nullptr : collectives_[r].get();
    auto backend =
        std::make_unique<CudaBackend>(plan_, rank.device, rank.library, rank.weights, kv_, options, collectives);
    cudaBackends_.push_back(backend.get());
    backends.push_back(std::move(backend));
    group.push_back(collectives);
  }
  if (backends.size() == 1)
    return std::move(backends.front());
  return std::make_unique<TensorParallelBackend>(std::move(backends),
                                                 std::make_shared<AbortCollectives>(std::move(group)));
}

CudaModel::~CudaModel() = default;

const Device &CudaModel::device(uint32_t rank) const { return ranks_.at(rank)->device; }

std::string CudaModel::describe() const {
  const uint32_t pageSize = kv_.layout().pageSize();
  const Rank &first = *ranks_.front();
  std::string gpus = first.device.describe();
  if (ranks_.size() > 1)
    gpus = std::to_string(ranks_.size()) + " tensor-parallel ranks, one thread and GPU each: " + gpus + " x " +
           std::to_string(ranks_.size());
  char text[640];
  std::snprintf(
      text, sizeof text, "%s; kernels %s%s; weights %.2f GiB%s; KV pools %.2f GiB%s: sliding %u tokens, full %u tokens",
      gpus.c_str(), first.library.arch().c_str(), first.library.jitCompiled() ? " (JIT from PTX)" : "",
      double(first.weights.bytes()) / double(1ull << 30), ranks_.size() > 1 ? " per GPU" : "",
      double(cudaBackends_.front()->kvStorage().bytes()) / double(1ull << 30), ranks_.size() > 1 ? " per GPU" : "",
      kv_.capacity(plan::AttentionKind::Sliding) * pageSize, kv_.capacity(plan::AttentionKind::Full) * pageSize);
  return text;
}

} // namespace g4::rt::cuda
