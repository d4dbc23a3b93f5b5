#include "ModelLoader.h"

#include "cpu/CpuModel.h"
#include "io/Error.h"

#if G4_HAVE_CUDA
#include "cuda/CudaModel.h"
#include "cuda/DeviceCeilings.h"
#endif

#include <map>

namespace g4::tools {
namespace {

class CpuLoaded final : public LoadedModel {
public:
  explicit CpuLoaded(const ModelRequest &r) : model_(r.plan, {r.weights, r.maxSequences, r.maxTokensPerSequence}) {}
  rt::Engine &engine() override { return model_.engine(); }
  const rt::PlanFile &plan() const override { return model_.plan(); }
  std::string describe() const override {
    const uint32_t ranks = model_.plan().plan().tensor_parallel();
    return "CPU reference backend" +
           (ranks > 1 ? ", " + std::to_string(ranks) + " tensor-parallel ranks (one thread each)" : std::string());
  }

private:
  rt::cpu::CpuModel model_;
};

#if G4_HAVE_CUDA
rt::cuda::CudaModelOptions cudaOptions(const ModelRequest &r) {
  rt::cuda::CudaModelOptions options;
  options.weightsDir = r.weights;
  options.device = r.cuda.ordinal;
  options.backend.maxStepTokens = r.cuda.maxStepTokens;
  options.backend.maxSequences = std::max<uint32_t>(1, std::min(r.maxSequences, r.cuda.maxStepTokens));
  options.backend.maxTokensPerSequence = r.maxTokensPerSequence;
  options.backend.cudaGraphs = r.cuda.cudaGraphs;
  options.backend.programmaticLaunch = r.cuda.programmaticLaunch;
  options.backend.syncEachInstruction = r.cuda.syncEachInstruction;
  options.backend.profile = r.cuda.profile;
  options.kvMemoryFraction = r.cuda.kvMemoryFraction;
  options.slidingFullRatio = r.cuda.slidingFullRatio;
  return options;
}

class CudaLoaded final : public LoadedModel {
public:
  explicit CudaLoaded(const ModelRequest &r) : model_(r.plan, cudaOptions(r)) {}
  rt::Engine &engine() override { return model_.engine(); }
  const rt::PlanFile &plan() const override { return model_.plan(); }
  std::string describe() const override { return "CUDA backend on " + model_.describe(); }
  Ceilings measureCeilings() override {
    return {rt::cuda::measureCopyBandwidth(model_.device()), rt::cuda::measureMatmulRate(model_.device())};
  }
  std::string profileReport() const override { return model_.backend().profileReport(); }

private:
  rt::cuda::CudaModel model_;
};
#endif

} // namespace

std::unique_ptr<LoadedModel> loadModel(const ModelRequest &request) {
  if (request.device == Device::Cpu)
    return std::make_unique<CpuLoaded>(request);
#if G4_HAVE_CUDA
  return std::make_unique<CudaLoaded>(request);
#else
  throw Error("this gemma4rt was built without CUDA support (no CUDA toolkit at build time): use --device cpu");
#endif
}

void addModelOptions(CLI::App *command, std::string &weights, Device &device) {
  command->add_option("--weights", weights, "Folder of the weight files (default: the plan's checkpoint_dir)");
  const std::map<std::string, Device> devices = {{"cpu", Device::Cpu}, {"cuda", Device::Cuda}};
  command->add_option("--device", device, "Backend: cpu (the reference) or cuda (a GPU)")
      ->transform(CLI::CheckedTransformer(devices, CLI::ignore_case))
      ->capture_default_str();
}

void addCudaOptions(CLI::App *command, CudaSettings &s) {
  command
      ->add_option("--gpu", s.ordinal,
                   "CUDA device ordinal (a tensor-parallel plan's rank r runs on GPU gpu + r, one thread each)")
      ->capture_default_str();
  command->add_option("--max-step-tokens", s.maxStepTokens, "Tokens one step may hold (sizes the activations)")
      ->check(CLI::Range(1u, 1u << 20))
      ->capture_default_str();
  command
      ->add_option("--kv-memory-fraction", s.kvMemoryFraction,
                   "Share of the GPU memory left after weights and activations that the KV pools take")
      ->check(CLI::Range(0.01, 1.0))
      ->capture_default_str();
  command
      ->add_option("--sliding-full-ratio", s.slidingFullRatio,
                   "Sliding:full KV pool token ratio (0: the plan's per-model default)")
      ->check(CLI::Range(0.0, 64.0))
      ->capture_default_str();
  command->add_flag("!--no-cuda-graphs", s.cudaGraphs,
                    "Launch decode steps kernel by kernel instead of as CUDA graphs");
  command->add_flag("!--no-programmatic-launch", s.programmaticLaunch,
                    "Start each kernel only when the previous one has finished (no programmatic dependent launch)");
  command->add_flag("--cuda-sync", s.syncEachInstruction,
                    "Synchronize after every instruction and name the one that fails (debugging)");
  command->add_flag("--profile", s.profile, "Time every instruction on the GPU (no CUDA graphs) and report per op");
}

} // namespace g4::tools
