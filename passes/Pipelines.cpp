//===- Pipelines.cpp - named pass pipelines of gemma4c ----------*- C++ -*-===//

#include "passes/Pipelines.h"

#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::g4 {

void buildTextPipeline(OpPassManager &pm, const TextPipelineOptions &options) {
  if (options.stripMultimodal)
    pm.addPass(createStripMultimodalPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  if (options.tensorParallel > 1) // before fusion: the collectives sit between ops g4-fuse would merge
    pm.addPass(createShardPass(ShardPassOptions{options.tensorParallel}));
  if (options.fuse)
    pm.addPass(createFusePass());
  PlanKvPassOptions kv;
  kv.pageSize = options.kvPageSize;
  kv.slidingFullRatio = options.slidingFullRatio;
  pm.addPass(createPlanKvPass(kv));
  if (options.arch.empty())
    return;
  SelectTilesPassOptions tiles;
  tiles.arch = options.arch;
  tiles.gemvMaxTokens = options.gemvMaxTokens;
  tiles.halfGemmMinRows = options.halfGemmMinRows;
  pm.addPass(createSelectTilesPass(tiles));
  pm.addPass(createLowerToKernelsPass());
}

void registerG4Pipelines() {
  PassPipelineRegistration<TextPipelineOptions>("g4-text-pipeline",
                                                "prepares an imported module for text-only serving: strip multimodal "
                                                "towers, cse, canonicalize, optionally shard and fuse, plan the KV cache, "
                                                "and for an arch choose and lower the kernels",
                                                buildTextPipeline);
}

} // namespace mlir::g4
