// The CUDA backend: runs the plan's forward program (the same instruction
// list as the CPU reference) with the plan's NVRTC-compiled kernels, bf16
// weights, paged bf16 KV in two GPU pools and fp32 activations.
//
// A step uploads its inputs (StepInputs), runs the program's head over every
// token, then its tail over the rows whose logits are wanted (ActivationLayout).
// Decode steps (one token per sequence) that select tokens on the GPU
// (argmax, or sampleRows) are captured once per batch size as a CUDA graph
// and replayed.
#pragma once

#include "cuda/ActivationLayout.h"
#include "cuda/CudaGraphs.h"
#include "cuda/CudaKvStorage.h"
#include "cuda/CudaWeights.h"
#include "cuda/Device.h"
#include "cuda/Gemm.h"
#include "cuda/KernelTable.h"
#include "cuda/OpProfile.h"
#include "cuda/Ops.h"
#include "cuda/StepInputs.h"
#include "engine/Backend.h"
#include "plan/PlanFile.h"

#include <functional>
#include <memory>
#include <vector>

namespace g4::rt::cuda {

struct CudaBackendOptions {
  uint32_t maxStepTokens = 4096;        // tokens in one step (prefill chunk plus decodes)
  uint32_t maxSequences = 256;          // sequences in one step; logits rows per tail pass
  uint32_t maxTokensPerSequence = 4096; // sizes the page tables
  bool cudaGraphs = true;               // replay greedy decode steps as CUDA graphs
  bool programmaticLaunch = true;       // let kernels start while their predecessor runs (sm_90+)
  bool syncEachInstruction = false;     // debugging: synchronize after each instruction and name a failing one
  bool profile = false;                 // time every instruction (eagerly, no graphs); see profileReport()
};

class CudaBackend final : public Backend {
public:
  // Allocates the activations, workspaces and `kv`'s pools (capacity as `kv`
  // has). `plan`, `device`, `library` and `weights` must outlive the backend,
  // as `collectives`: one rank's of a tensor-parallel plan, else null.
  CudaBackend(const PlanFile &plan, const Device &device, const KernelLibrary &library, const CudaWeights &weights,
              const KvCache &kv, const CudaBackendOptions &options, const DeviceCollectives *collectives = nullptr);

  void forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) override;
  void forwardGreedy(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                     std::vector<int32_t> &tokens) override;
  void forwardSampled(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                      std::span<const RowSampling> sampling, std::vector<int32_t> &tokens) override;

  // GPU memory the backend takes for `plan` besides the weights and KV pools.
  static size_t workspaceBytes(const PlanFile &plan, const CudaBackendOptions &options, const DeviceProperties &device);
  const CudaKvStorage &kvStorage() const { return kvStorage_; }
  // GPU time per op over the steps so far; empty unless options.profile.
  std::string profileReport() const { return profile_ ? profile_->report() : std::string(); }

private:
  struct Sizes; // the workspace sizes, shared with workspaceBytes()

  void bind();
  CUdeviceptr tailAddress(uint32_t buffer) const;
  void runHead(uint32_t rows);
  // Waits for the pass's work (and collects its profile).
  void finishPass();
  // Gathers the crossing buffers' rows (StepInputs::rows) and runs the tail.
  void runTail(uint32_t rows);
  void runRange(uint32_t begin, uint32_t end, uint32_t rows);
  // Launches that write tokens_[0, count) from the tail's logits rows, the
  // pass's rows being [first, first + count) of the step's selected rows.
  using SelectFn = std::function<void(uint32_t first, uint32_t count)>;
  // Runs the step and `select` after each tail pass; a decode step (one token
  // per sequence, each selected) is replayed from `graphs` when enabled.
  void forwardSelecting(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows, GraphCache &graphs,
                        const SelectFn &select, std::vector<int32_t> &tokens);
  // A decode step of `rows` tokens and its selection, from a graph when enabled.
  void runDecode(uint32_t rows, GraphCache &graphs, const SelectFn &select);

  const PlanFile &plan_;
  const plan::Program &program_;
  const Device &device_;
  CudaBackendOptions options_;
  KernelTable kernels_;
  const CudaWeights &weights_;
  ActivationLayout layout_;
  StepInputs inputs_;
  CudaKvStorage kvStorage_;
  Gemm gemm_;
  DeviceBuffer head_, tail_, workspace_, tokens_, sampleParams_;
  PinnedBuffer moeOffsetsHost_, sampleParamsHost_;
  OpEnv env_;
  std::vector<BoundInstruction> bound_;
  std::vector<std::pair<CUdeviceptr, CUdeviceptr>>
      gathers_; // (head or input source, tail destination) per crossing buffer
  std::vector<uint32_t> gatherWidths_;
  GraphCache greedyGraphs_, sampledGraphs_;
  std::unique_ptr<OpProfile> profile_;
};

} // namespace g4::rt::cuda
