//===- Pipelines.h - named pass pipelines of gemma4c ------------*- C++ -*-===//
//
// Pipelines are built by named functions from an options struct, and
// registered by name for `g4-opt --pass-pipeline` and lit tests.
//
//===----------------------------------------------------------------------===//

#ifndef G4_PASSES_PIPELINES_H
#define G4_PASSES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir::g4 {

struct TextPipelineOptions : PassPipelineOptions<TextPipelineOptions> {
  Option<bool> stripMultimodal{*this, "strip-multimodal",
                               llvm::cl::desc("erase the vision and audio encoders and their weights"),
                               llvm::cl::init(true)};
  Option<int64_t> kvPageSize{*this, "kv-page-size", llvm::cl::desc("tokens per KV-cache page"), llvm::cl::init(16)};
  Option<double> slidingFullRatio{*this, "sliding-full-ratio",
                                  llvm::cl::desc("sliding:full KV pool token ratio; 0 picks the per-model default"),
                                  llvm::cl::init(0.0)};
  Option<int64_t> tensorParallel{*this, "tp",
                                 llvm::cl::desc("tensor-parallel ranks to split the model over (g4-shard); 1: none"),
                                 llvm::cl::init(1)};
  // Off by default for now: both backends run the fused instructions, but the
  // import tests check the unfused graph; the default flips with them.
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("fuse residual+norm, q/k norm+RoPE, gate/up+gelu and the logit soft-cap"),
                    llvm::cl::init(false)};
  // Empty: a CPU-only plan, no kernel choices.
  Option<std::string> arch{*this, "arch",
                           llvm::cl::desc("GPU architecture whose kernels to choose (sm_80, sm_89, sm_90a, sm_100a); "
                                          "empty for a CPU-only plan"),
                           llvm::cl::init("")};
  Option<unsigned> gemvMaxTokens{*this, "gemv-max-tokens",
                                 llvm::cl::desc("projections of up to this many rows run the GEMV kernel"),
                                 llvm::cl::init(4)};
  Option<unsigned> halfGemmMinRows{*this, "half-gemm-min-rows",
                                   llvm::cl::desc("projections from this many rows run the f16 GEMM (0: never)"),
                                   llvm::cl::init(512)};
};

/// Builds the pipeline that prepares an imported module for text-only
/// serving. Phases, in order, all on the module:
///   1. g4-strip-multimodal (if `strip-multimodal`): erase the vision and
///      audio towers and the weights only they use.
///   2. cse: merge duplicate pure ops, e.g. the `g4.weight_ref`s of a table
///      shared by `g4.embed` and `g4.lm_head`.
///   3. canonicalize: fold and erase dead ops.
///   4. g4-fuse (if `fuse`): residual add + RMSNorm, q/k RMSNorm + RoPE
///      (with the value norm, into the attention's prologue), gate/up + gelu
///      gating, the PLE gate + gelu gating by its slice, lm_head + soft-cap,
///      the q/k/v projections of one input.
///   5. g4-plan-kv: record the KV-cache plan (page size, pool ratio) and
///      check the KV-sharing map.
///   6. g4-select-tiles (if `arch`): kernel and tile of every projection,
///      attention and MoE op per batch regime, for that architecture.
///   7. g4-lower-to-kernels (if `arch`): wrap those ops in g4k.dispatch ops
///      listing their launches.
void buildTextPipeline(OpPassManager &pm, const TextPipelineOptions &options);

/// Registers the pipelines above by name: `g4-text-pipeline`.
void registerG4Pipelines();

} // namespace mlir::g4

#endif // G4_PASSES_PIPELINES_H
