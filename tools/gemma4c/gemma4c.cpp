// gemma4c: compiles a Hugging Face Gemma 4 checkpoint folder into a plan.
#include "GpuArch.h"
#include "driver/Compile.h"
#include "io/Error.h"

#include <CLI/CLI.hpp>

#include <iostream>

// Plans carry kernels for the default GPU where NVRTC was found at build time.
#if G4_HAVE_NVRTC
constexpr const char *kDefaultArch = "sm_90a";
#else
constexpr const char *kDefaultArch = "none";
#endif

int main(int argc, char **argv) {
  CLI::App app{"gemma4c: ahead-of-time compiler for Gemma 4 checkpoints"};
  app.require_subcommand(1);

  g4::driver::CompileOptions options;
  std::string emit = "plan";
  CLI::App *compile =
      app.add_subcommand("compile", "Import <hf-dir> (config.json + safetensors), run the pass pipeline, write a plan");
  compile->add_option("hf-dir", options.checkpointDir, "Hugging Face checkpoint folder")->required();
  compile->add_option("-o,--output", options.output,
                      "Plan file to write (with --emit=mlir: file for the module, default stdout)");
  compile->add_option("--emit", emit, "What to write: the plan, or the g4 module after the pipeline")
      ->check(CLI::IsMember({"plan", "mlir"}))
      ->capture_default_str();
  compile->add_flag("--print-ir-after-all", options.printIrAfterAll, "Print the module to stderr after every pass");
  compile->add_flag(
      "--keep-multimodal", [&](int64_t) { options.stripMultimodal = false; },
      "Keep vision/audio encoders in the module (only with --emit=mlir: plans v1 are text only)");
  compile->add_flag("--dummy-weights", options.dummyWeights,
                    "Read config.json only: the plan lists every weight's name and shape, and the runtime "
                    "generates random values at load (for benchmarks at real shapes without a checkpoint)");
  compile->add_option("--kv-page-size", options.kvPageSize, "Tokens per KV-cache page")
      ->check(CLI::Range(1u, 4096u))
      ->capture_default_str();
  compile
      ->add_option("--sliding-full-ratio", options.slidingFullRatio,
                   "Default sliding:full KV pool token ratio recorded in the plan (0: per model, MoE 0.15, "
                   "dense 0.8)")
      ->check(CLI::Range(0.0, 64.0))
      ->capture_default_str();
  std::string arch = kDefaultArch;
  compile
      ->add_option("--arch", arch,
                   "GPU architecture of the plan's CUDA kernels, compiled with NVRTC and embedded (" +
                       g4::kernels::supportedArchList() + "), or 'none' for a CPU-only plan")
      ->capture_default_str();
  compile
      ->add_option("--gemv-max-tokens", options.gemvMaxTokens,
                   "With --arch: projections (Linear, GatedLinear, LmHead, MoE router) of up to this many rows "
                   "run the GEMV kernel, larger steps the tensor-core split kernels (splitMma; splitWgmma on sm_90a) "
                   "or cuBLASLt (the plan records the choice per batch regime)")
      ->check(CLI::Range(0u, 4096u))
      ->capture_default_str();
  compile
      ->add_option("--f16-gemm-min-rows", options.halfGemmMinRows,
                   "With --arch: projections (not LmHead) of at least this many rows run one f16 cuBLASLt GEMM on "
                   "f16 copies of input and weights, each scaled by a power of two, instead of the kernels and "
                   "GEMMs that split the fp32 input into bf16 hi + lo (twice the tensor-core work; the default "
                   "keeps the f16 rounding of the input to long prefills; 0: never); off sm_90a the MoE experts' "
                   "per-expert GEMMs likewise")
      ->check(CLI::Range(0u, 1u << 20))
      ->capture_default_str();
  compile
      ->add_option("--tp", options.tensorParallel,
                   "Tensor-parallel ranks: g4-shard splits attention heads, MLP columns, experts and the "
                   "vocabulary over this many ranks, and the plan records each rank's byte ranges of the checkpoint "
                   "(gemma4rt runs split plans on the CPU backend, one thread per rank; the CUDA backend refuses "
                   "them for now)")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  compile->add_flag("--fuse", options.fuse,
                    "Run g4-fuse: post-norm + residual add (+ layer scalar) + RMSNorm, post-norm + residual add "
                    "where no norm follows (PLE layers' post-FFN norm), q/k RMSNorm + RoPE + value "
                    "norm + KV write (one attention instruction), gate/up + gelu, the PLE gate + gelu + slice, the "
                    "logit soft-cap and the q/k/v projections (one "
                    "instruction) become fused instructions (both backends run them)");
  compile->add_flag("-q,--quiet", options.quiet, "No progress lines on stderr");

  CLI11_PARSE(app, argc, argv);
  options.emit = emit == "mlir" ? g4::driver::EmitKind::Mlir : g4::driver::EmitKind::Plan;
  options.arch = arch == "none" ? "" : arch;
  if (options.emit == g4::driver::EmitKind::Plan && options.output.empty()) {
    std::cerr << "gemma4c: error: compile needs -o <plan> (or --emit=mlir)\n";
    return 2;
  }
  try {
    g4::driver::compile(options);
  } catch (const g4::Error &e) {
    std::cerr << "gemma4c: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
