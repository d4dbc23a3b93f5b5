// The model a command runs, on the CPU reference backend (--device cpu, the
// default) or, in a build with the CUDA toolkit, on a GPU (--device cuda).
#pragma once

#include "engine/Engine.h"
#include "plan/PlanFile.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace g4::tools {

enum class Device { Cpu, Cuda };

// Settings of the CUDA backend a command may expose (addCudaOptions).
struct CudaSettings {
  int ordinal = 0;
  uint32_t maxStepTokens = 4096;
  double kvMemoryFraction = 0.9;
  double slidingFullRatio = 0; // 0: the plan's default
  bool cudaGraphs = true;
  bool programmaticLaunch = true;
  bool syncEachInstruction = false;
  bool profile = false;
};

// Ceilings measured on the device the model runs on; 0 where none is measured.
struct Ceilings {
  double copyBandwidth = 0; // bytes read + written per second
  double matmulRate = 0;    // bf16 GEMM FLOP/s
};

struct ModelRequest {
  std::string plan;
  std::string weights;       // overrides the plan's checkpoint_dir when not empty
  uint32_t maxSequences = 1; // sequences alive at once
  uint32_t maxTokensPerSequence = 0;
  Device device = Device::Cpu;
  CudaSettings cuda;
};

class LoadedModel {
public:
  virtual ~LoadedModel() = default;
  virtual rt::Engine &engine() = 0;
  virtual const rt::PlanFile &plan() const = 0;
  // One line for logs: the backend, and for a GPU its memory and KV pools.
  virtual std::string describe() const = 0;
  // The device's ceilings, measured now (none for the CPU backend).
  virtual Ceilings measureCeilings() { return {}; }
  // GPU time per op so far, with CudaSettings::profile; empty otherwise.
  virtual std::string profileReport() const { return {}; }
};

// Throws g4::Error, e.g. "no CUDA driver/GPU found: ..." or "this gemma4rt
// was built without CUDA support".
std::unique_ptr<LoadedModel> loadModel(const ModelRequest &request);

// --weights (the folder of the weight files) and --device cpu|cuda: every command that loads a model.
void addModelOptions(CLI::App *command, std::string &weights, Device &device);
// --gpu, --max-step-tokens, --kv-memory-fraction,
// --sliding-full-ratio, --no-cuda-graphs, --no-programmatic-launch, --cuda-sync, --profile.
void addCudaOptions(CLI::App *command, CudaSettings &settings);

} // namespace g4::tools
