// The whole of `gemma4c compile`: import a checkpoint folder, run the pass
// pipeline, and write the plan (or the module, for --emit=mlir).
#pragma once

#include <cstdint>
#include <string>

namespace g4::driver {

enum class EmitKind { Plan, Mlir };

struct CompileOptions {
  std::string checkpointDir;
  std::string output; // plan path, or "-" for stdout with EmitKind::Mlir
  EmitKind emit = EmitKind::Plan;
  bool printIrAfterAll = false;
  bool stripMultimodal = true;
  bool dummyWeights = false; // config.json only; the runtime generates the weights
  uint32_t kvPageSize = 16;
  double slidingFullRatio = 0; // 0: the per-model default of g4-plan-kv
  uint32_t tensorParallel = 1; // ranks the model is split over (g4-shard)
  bool fuse = false;           // run g4-fuse (fused instructions; the CPU backend runs them)
  std::string arch;            // GPU target of the plan's CUDA kernels ("sm_90a", ...); empty: none
  uint32_t gemvMaxTokens = 4;  // with arch: projections of up to this many rows run the GEMV kernel
  uint32_t halfGemmMinRows = 512; // with arch: projections from this many rows run the f16 GEMM (0: never)
  bool quiet = false;          // no progress lines on stderr
};

// Throws g4::Error with a message for the user; returns normally on success.
void compile(const CompileOptions &options);

} // namespace g4::driver
