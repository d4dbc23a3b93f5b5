//===- Passes.td - transformations of the g4 dialect -------*- tablegen -*-===//

#ifndef G4_PASSES_TD
#define G4_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Model surgery
//===----------------------------------------------------------------------===//

def StripMultimodalPass : Pass<"g4-strip-multimodal", "mlir::ModuleOp"> {
  let summary = "erases vision and audio encoders and the weights only they use";
  let description = [{
    Erases every `g4.encoder` whose modality is selected, then every
    `g4.weight` listed by an erased encoder that no op of the module uses any
    more; weights the decoder still uses stay. The removed modalities are
    recorded in the module attribute `g4.stripped_modalities` (merged with the
    ones of earlier runs), so that tools can report what the plan cannot do.

    ```mlir
    g4.weight @patch = "model.vision_tower.patch" in "model.safetensors"
        at 0 : tensor<16x64xbf16>
    g4.weight @table = "model.embed_tokens.weight" in "model.safetensors"
        at 2048 : tensor<512x64xbf16>
    g4.encoder "vision" weights [@patch]
    func.func @forward(...) { %t = g4.weight_ref @table ... }
    ->
    module attributes {g4.stripped_modalities = ["vision"]} {
      g4.weight @table = "model.embed_tokens.weight" in "model.safetensors"
          at 2048 : tensor<512x64xbf16>
      func.func @forward(...) { %t = g4.weight_ref @table ... }
    }
    ```
  }];
  let options = [
    ListOption<"modalities", "modalities", "std::string",
               "modalities whose encoders to erase: vision, audio (default: all)">,
  ];
  let dependentDialects = ["mlir::g4::G4Dialect"];
}

def ShardPass : Pass<"g4-shard", "mlir::ModuleOp"> {
  let summary = "splits the model over tensor-parallel ranks (Megatron-style) with collectives";
  let description = [{
    Rewrites `@forward` into the program every one of `ranks` ranks runs on
    its own weight parts (module attribute `g4.tensor_parallel`); the weight
    parts are recorded on each `g4.weight` (`shard_dim`, `shard_parts`), so
    a plan names byte ranges of the unchanged checkpoint.
    - Attention: q/k/v projections column-parallel by heads (the per-head
      norms and RoPE between them and `g4.attention` follow); KV heads split
      across ranks, or replicated when there are fewer KV heads than ranks
      (each rank keeps the KV head of its query heads); the output
      projection row-parallel, followed by `g4.all_reduce`.
    - MLP: gate/up projections of a `g4.gelu_tanh_mul` column-parallel, the
      projection of its product row-parallel, then `g4.all_reduce`.
    - MoE: the experts split across ranks (`experts_sharded`); the router
      stays whole, so every rank routes identically; `g4.all_reduce` after.
    - Embeddings vocabulary-parallel (`vocab_sharded`, then `g4.all_reduce`);
      `g4.lm_head` vocabulary-parallel, followed by `g4.all_gather` (a
      soft-cap stays after the gather).
    - Everything else (norms, router, per-layer-input path) is replicated.
    Head, KV-head, intermediate, expert and vocabulary counts must divide
    evenly; the error names the layer and the count.

    ```mlir
    %q = g4.linear %x, %wq : tensor<?x64xf32>, tensor<64x64xbf16> -> tensor<?x64xf32>
    ... g4.attention %q ... {num_heads = 4, num_kv_heads = 2} ...
    %o = g4.linear %a, %wo : tensor<?x64xf32>, tensor<64x64xbf16> -> tensor<?x64xf32>
    -> (ranks = 2)
    %q = g4.linear %x, %wq : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
    ... g4.attention %q ... {num_heads = 2, num_kv_heads = 1} ...
    %p = g4.linear %a, %wo : tensor<?x32xf32>, tensor<64x32xbf16> -> tensor<?x64xf32>
    %o = g4.all_reduce %p : tensor<?x64xf32>
    ```
  }];
  let options = [
    Option<"ranks", "ranks", "int64_t", /*default=*/"2",
           "tensor-parallel ranks (GPUs) the model is split over">,
  ];
  let dependentDialects = ["mlir::g4::G4Dialect"];
}

//===----------------------------------------------------------------------===//
// Fusion
//===----------------------------------------------------------------------===//

def FusePass : Pass<"g4-fuse", "mlir::ModuleOp"> {
  let summary = "fuses post-norm+residual+scalar+norm, post-norm+residual, q/k norm+RoPE+KV write, gate/up+gelu, the PLE gate+gelu+slice, the logit soft-cap and q/k/v projections";
  let description = [{
    Rewrites nine decoder patterns into the fused ops a backend runs as one
    kernel each; every fused op computes exactly the composition it replaces.
    - `add-rms-norm`: `g4.add` feeding a `g4.rms_norm` that normalizes whole
      rows with a weight becomes `g4.add_rms_norm`; the sum stays available
      to the add's other users. Only when the norm comes before every other
      user of the sum, because the fused op takes the norm's place. A
      `g4.layer_scalar` between the add and the norm (a layer's end and the
      next layer's input norm) becomes the fused op's `scalar` when the
      unscaled sum has no other user.
    - `post-norm`: a `g4.add_rms_norm` whose addend (either operand) is a
      whole-row `g4.rms_norm` with weight and the same eps, used only there,
      takes that norm as its `x_norm` (the block's post-norm).
    - `rms-norm-add`: a `g4.add` whose addend (either operand) is a
      whole-row `g4.rms_norm` with weight, used only there, becomes
      `g4.rms_norm_add` (a post-norm + residual add that no norm follows: a
      PLE layer's post-FFN norm, whose sum the per-layer-input gate reads, or
      a MoE block's expert-path post-norm added to the dense path's).
      Runs after `add-rms-norm` and `post-norm`, so an add that a norm
      follows becomes `g4.add_rms_norm` with `x_norm` first.
    - `rms-norm-rope`: `g4.rms_norm` with a weight and `group` = head_dim whose
      only user is a `g4.rope` with that head_dim becomes `g4.rms_norm_rope`.
    - `attention-prologue`: a `g4.attention` whose query and key are
      `g4.rms_norm_rope`s of its head_dim with one eps and one RoPE, and
      whose value is a weightless `g4.rms_norm` per head, each used only by
      the attention, takes their inputs and weights (its prologue: norms,
      RoPE and the KV write in one launch). A KV-shared layer folds its
      query alone. Needs `rms-norm-rope`.
    - `gated-linear`: `g4.gelu_tanh_mul` of two `g4.linear`s of the same input
      with weights of one type, each used only by the gating, becomes
      `g4.gated_linear`.
    - `slice-gated-linear`: `g4.gelu_tanh_mul` of a `g4.linear` and a
      `g4.slice` (a PLE layer's per-layer-input gate and its slice of the
      per-layer inputs), each used only by the gating, becomes
      `g4.slice_gated_linear`.
    - `softcap`: `g4.softcap` of a `g4.lm_head` without a cap whose only
      user it is moves into the head's `softcap` attribute.
    - `sibling-linear`: 2 or 3 `g4.linear`s of one input in one block with
      weights of one element type (an attention's q, k and v projections)
      become one `g4.multi_linear` where the last of them was, when every
      user of the projections comes after it. Runs after the other fusions
      (with `rms-norm-add`), so a gate/up pair becomes `g4.gated_linear` first.
    Each fusion can be switched off with its option.

    ```mlir
    %h = g4.add %r, %a : tensor<?x64xf32>
    %n = g4.rms_norm %h, %w {eps = 1.0e-06 : f32, group = 64 : i64}
        : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
    %g = g4.linear %n, %wg : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    %u = g4.linear %n, %wu : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    %m = g4.gelu_tanh_mul %g, %u : tensor<?x128xf32>
    ->
    %h, %n = g4.add_rms_norm %r, %a, %w {eps = 1.0e-06 : f32} : tensor<?x64xf32>, tensor<64xbf16>
    %m = g4.gated_linear %n, %wg, %wu : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    ```
  }];
  let options = [
    Option<"addRmsNorm", "add-rms-norm", "bool", /*default=*/"true",
           "fuse a residual add into the whole-row RMSNorm that follows it">,
    Option<"postNorm", "post-norm", "bool", /*default=*/"true",
           "fold the addend's whole-row RMSNorm into g4.add_rms_norm">,
    Option<"rmsNormAdd", "rms-norm-add", "bool", /*default=*/"true",
           "fuse a whole-row RMSNorm into the residual add that follows it (no norm after)">,
    Option<"rmsNormRope", "rms-norm-rope", "bool", /*default=*/"true",
           "fuse the per-head q/k RMSNorm into the RoPE that follows it">,
    Option<"attentionPrologue", "attention-prologue", "bool", /*default=*/"true",
           "fold the q/k norm + RoPE and the value norm into g4.attention">,
    Option<"gatedLinear", "gated-linear", "bool", /*default=*/"true",
           "fuse the gate and up projections with their gelu-tanh gating">,
    Option<"sliceGatedLinear", "slice-gated-linear", "bool", /*default=*/"true",
           "fuse the per-layer-input gate projection with its gelu-tanh gating by a slice">,
    Option<"softcap", "softcap", "bool", /*default=*/"true",
           "fold the final logit soft-cap into g4.lm_head">,
    Option<"siblingLinear", "sibling-linear", "bool", /*default=*/"true",
           "fuse the g4.linears of one input (q, k, v) into g4.multi_linear">,
  ];
  let dependentDialects = ["mlir::g4::G4Dialect"];
}

//===----------------------------------------------------------------------===//
// Serving decisions
//===----------------------------------------------------------------------===//

def PlanKvPass : Pass<"g4-plan-kv", "mlir::ModuleOp"> {
  let summary = "plans the paged KV cache: pools per layer kind, sharing owners, page size, pool ratio";
  let description = [{
    Reads every `g4.attention` of `@forward` and records the KV-cache plan in
    the module attribute `g4.kv`:
    - `page_size`: tokens per page;
    - `sliding_full_ratio`: the default ratio of sliding-window pool tokens
      to full-attention pool tokens that the runtime sizes its two pools
      with (overridable at run time). With a 5:1 sliding:full layer split the
      full pool binds under long concurrent contexts; SGLang measured that a
      ratio of 0.15 lifted capacity 3.6x on the MoE 26B-A4B but starved the
      sliding pool of the dense models, so MoE models get 0.15 and dense ones
      0.8 unless the `sliding-full-ratio` option says otherwise.
    It checks the KV-sharing map: a layer that writes no K/V must read the
    cache of an earlier layer of the same kind, head_dim and kv heads that
    writes its own; each layer appears once.

    ```mlir
    module {
      func.func @forward(...) { ... g4.attention ... g4.moe_experts ... }
    }
    ->
    module attributes {g4.kv = {page_size = 16 : i64, sliding_full_ratio = 1.500000e-01 : f32}} {...}
    ```
  }];
  let options = [
    Option<"pageSize", "page-size", "int64_t", /*default=*/"16",
           "tokens per KV-cache page">,
    Option<"slidingFullRatio", "sliding-full-ratio", "double", /*default=*/"0.0",
           "sliding:full pool token ratio; 0 picks the per-model default (MoE 0.15, dense 0.8)">,
  ];
  let dependentDialects = ["mlir::g4::G4Dialect"];
}

//===----------------------------------------------------------------------===//
// Kernel selection (CUDA plans)
//===----------------------------------------------------------------------===//

def SelectTilesPass : Pass<"g4-select-tiles", "mlir::ModuleOp"> {
  let summary = "chooses the kernel and tile of every projection, attention and MoE op per batch regime";
  let description = [{
    Annotates every `g4.linear`, `g4.gated_linear`, `g4.lm_head`,
    `g4.multi_linear`, `g4.slice_gated_linear`, `g4.moe_router` (its logits
    projection), `g4.attention` and
    `g4.moe_experts` of `@forward` with `g4k.tiles`: one dictionary per
    regime of row counts (the step's tokens, or a tail pass's logits rows)
    naming the kernel family, the kernel (kernels/KernelNames.h) or library,
    and the tile; the module records the target in `g4k.arch`. Regimes:
    decode [1, gemv-max-tokens], verify / chunked prefill
    [gemv-max-tokens + 1, stacked-max-rows], long prefill above.
    - projections: the smallest `gemv<tokens, Epilogue>` holding the rows in
      decode (the epilogue from the op: soft-cap for a capped `g4.lm_head`,
      gelu gate for `g4.gated_linear`, gelu gating by the side input's slice
      for `g4.slice_gated_linear`), in verify the smallest `splitMma<tokens,
      Epilogue>` token tile up to 32 rows, on sm_90a up to 16 rows and
      `splitWgmma<Epilogue>` above (`g4.slice_gated_linear`: the plain
      projection, the backend gates after it), above them (and where the
      input features are not a multiple of 8) cuBLASLt on the input split
      into bf16 hi + lo stacked as one GEMM, two split GEMMs in long prefill;
      from `half-gemm-min-rows` rows on (in any regime) one f16 GEMM on
      scaled f16 copies of input and weights instead (`cublaslt_f16`; not
      for `g4.lm_head`, whose rows are the sampled ones);
    - attention: the variants (kernels/AttentionVariants.h) that exist for
      the op's head_dim and group and whose shared memory fits the
      architecture (227 KB sm_90a and sm_100a, 163 KB sm_80, 99 KB sm_89),
      in every regime: the tensor-core prefill tiles (`attention_mma`)
      conditional on the step's tiles averaging more than
      `attention-tile-rows` query rows (`rows_per_tile_above`), then the
      tensor-core decode blocks (`attention_mma_decode`); one of them alone
      where the other is missing; the SIMT `attention<head_dim, group>`
      where neither is, whose shared memory must fit, else the op is
      rejected; head_dim must be a multiple of 8;
    - MoE experts: the expert kernels below `moe-gemm-entries` (token,
      expert) entries; from there on sm_90a every expert's tokens in
      splitWgmma's tiles in one launch (`moe_experts_wgmma`; up to 256
      experts, sizes multiples of 8; faster than per-expert GEMMs at every
      size measured), elsewhere per-expert cuBLASLt GEMMs, on f16 copies
      (`moe_experts_cublaslt_f16`) from `half-gemm-min-rows` rows on.
    The defaults are the choices measured on an H100. The key splits of
    attention depend on the GPU's SM count and stay a run-time decision.

    ```mlir
    %y = g4.linear %x, %w : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    ->
    module attributes {g4k.arch = "sm_90a"} {
      %y = g4.linear %x, %w {g4k.tiles = [
          {family = "gemv", kernel = "g4k::gemv<1, g4k::PlainEpilogue>", min_rows = 1 : i64,
           max_rows = 1 : i64, tile_tokens = 1 : i64}, ...,
          {family = "cublaslt_split", kernel = "cublasLt", min_rows = 65 : i64} ]} : ...
    }
    ```
  }];
  let options = [
    Option<"arch", "arch", "std::string", /*default=*/"\"sm_90a\"",
           "GPU architecture: sm_80, sm_89, sm_90a, sm_100a">,
    Option<"gemvMaxTokens", "gemv-max-tokens", "unsigned", /*default=*/"4",
           "decode regime: projections of up to this many rows run the GEMV kernel (0: never)">,
    Option<"stackedMaxRows", "stacked-max-rows", "unsigned", /*default=*/"64",
           "verify regime: up to this many rows the split cuBLASLt GEMM stacks hi and lo">,
    Option<"moeGemmEntries", "moe-gemm-entries", "unsigned", /*default=*/"512",
           "(token, expert) entries from which MoE experts run as per-expert cuBLASLt GEMMs">,
    Option<"attentionTileRows", "attention-tile-rows", "unsigned", /*default=*/"16",
           "attention: steps whose tiles average more query rows run the tensor-core prefill tiles">,
    Option<"halfGemmMinRows", "half-gemm-min-rows", "unsigned", /*default=*/"512",
           "projections of at least this many rows (0: never) run one f16 GEMM on scaled f16 copies "
           "of input and weights instead of the split kernels and GEMMs (LmHead: never)">,
  ];
  let dependentDialects = ["mlir::g4::G4Dialect", "mlir::g4k::G4KDialect"];
}

def LowerToKernelsPass : Pass<"g4-lower-to-kernels", "mlir::ModuleOp"> {
  let summary = "wraps every op with kernel choices in a g4k.dispatch of its launches";
  let description = [{
    Replaces each op annotated by g4-select-tiles (`g4k.tiles`) with a
    `g4k.dispatch` for the module's `g4k.arch` that binds the op's operands,
    holds the op (without the annotation) and one `g4k.launch` per choice,
    and yields its results. An op that needs kernel choices but has none is
    an error: run g4-select-tiles first.

    ```mlir
    %y = g4.linear %x, %w {g4k.tiles = [...]} : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    ->
    %y = g4k.dispatch "sm_90a" (%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
    ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
      %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
      g4k.launch "gemv" "g4k::gemv<1, g4k::PlainEpilogue>" rows 1 to 1 {tile_tokens = 1 : i64}
      ...
      g4k.launch "cublaslt_split" "cublasLt" rows 65 and above
      g4k.yield %r : tensor<?x128xf32>
    }
    ```
  }];
  let dependentDialects = ["mlir::g4::G4Dialect", "mlir::g4k::G4KDialect"];
}

#endif // G4_PASSES_TD
