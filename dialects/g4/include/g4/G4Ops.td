//===- G4Ops.td - operations of the g4 dialect ------------*- tablegen -*-===//

#ifndef G4_OPS_TD
#define G4_OPS_TD

include "g4/G4Dialect.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class G4_Op<string mnemonic, list<Trait> traits = []>
    : Op<G4_Dialect, mnemonic, traits>;

class G4_PureOp<string mnemonic, list<Trait> traits = []>
    : G4_Op<mnemonic, !listconcat(traits, [Pure])>;

// One row per token of the step: the token count (dim 0) may be dynamic, the
// width (dim 1) is static.
def G4_Activation : RankedTensorOf<[F32], [HasAnyRankOfPred<[2]>,
    CPred<"!::llvm::cast<::mlir::ShapedType>($_self).isDynamicDim(1)">],
    "2D tensor with a static width">;
def G4_TokenVector : 1DTensorOf<[I32]>;
def G4_WeightTensor : StaticShapeTensorOf<[BF16, F16, F32]>;

//===----------------------------------------------------------------------===//
// Weights and encoders (module level)
//===----------------------------------------------------------------------===//

def OpGroupWeights : OpDocGroup {
  let summary = "weights";
  let description = "Checkpoint tensors and the encoders that own them.";
}

let opDocGroup = OpGroupWeights in {

def G4_WeightOp : G4_Op<"weight", [Symbol]> {
  let summary = "a checkpoint tensor, by file and byte offset";
  let description = [{
    Declares one tensor of the checkpoint without copying its data: the
    Hugging Face name, the file it lives in (relative to the checkpoint
    folder), the byte offset of its first element in that file, and its type.
    Invariants: the type is a statically shaped tensor of bf16, f16 or f32;
    the offset is not negative.

    Under tensor parallelism (`g4-shard`) a weight may be split: the
    checkpoint tensor is cut along `shard_dim` into `shard_parts` equal parts
    and rank r of the module's `g4.tensor_parallel` ranks holds part
    `r * shard_parts / ranks`; `type` is that part's type. Fewer parts than
    ranks replicate each part (KV heads when there are fewer than ranks).
    Invariants: both attributes or neither; shard_dim < rank; shard_parts >= 2.

    ```mlir
    g4.weight @embed_tokens = "model.embed_tokens.weight" in "model.safetensors"
        at 1024 : tensor<512x64xbf16>
    g4.weight @o_proj = "model.layers.0.self_attn.o_proj.weight" in "model.safetensors"
        at 4096 {shard_dim = 1 : i64, shard_parts = 2 : i64} : tensor<64x32xbf16>
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, StrAttr:$tensor_name,
                       StrAttr:$file, I64Attr:$offset,
                       TypeAttrOf<G4_WeightTensor>:$type,
                       OptionalAttr<I64Attr>:$shard_dim, OptionalAttr<I64Attr>:$shard_parts);
  let assemblyFormat = [{
    $sym_name `=` $tensor_name `in` $file `at` $offset attr-dict `:` $type
  }];
  let hasVerifier = 1;
}

def G4_EncoderOp : G4_Op<"encoder",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "a vision or audio tower the text decoder does not execute";
  let description = [{
    Records that the checkpoint carries a multimodal tower (`modality` is
    "vision" or "audio") and which weights belong to it. `g4-strip-multimodal`
    erases it and its weights when serving text only.

    ```mlir
    g4.encoder "vision" weights [@vision_patch_embedder]
    ```
  }];
  let arguments = (ins StrAttr:$modality, SymbolRefArrayAttr:$weights);
  let assemblyFormat = "$modality `weights` $weights attr-dict";
  let hasVerifier = 1;
}

def G4_WeightRefOp : G4_PureOp<"weight_ref",
    [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "the value of a `g4.weight` symbol";
  let description = [{
    Produces the tensor declared by the referenced `g4.weight`; the result
    type must equal the declared type.

    ```mlir
    %w = g4.weight_ref @embed_tokens : tensor<512x64xbf16>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$weight);
  let results = (outs G4_WeightTensor:$result);
  let assemblyFormat = "$weight attr-dict `:` type($result)";
}

} // opDocGroup OpGroupWeights

//===----------------------------------------------------------------------===//
// Decoder operations
//===----------------------------------------------------------------------===//

def OpGroupDecoder : OpDocGroup {
  let summary = "decoder";
  let description = "Per-token operations of the text decoder.";
}

let opDocGroup = OpGroupDecoder in {

def G4_EmbedOp : G4_PureOp<"embed"> {
  let summary = "scaled embedding lookup";
  let description = [{
    `result[t] = table[ids[t]] * scale`. The importer rounds `scale` to the
    table's dtype as the reference does (bf16: sqrt(3072) becomes 55.5).
    With `vocab_sharded` (tensor parallelism) the table holds rank r's rows of
    the vocabulary, ids [r * rows, (r + 1) * rows); other ids give zero rows
    (a `g4.all_reduce` sums the ranks' parts).
    Invariants: `table` is 2-D; the result width equals the table's columns.

    ```mlir
    %x = g4.embed %ids, %table {scale = 8.0 : f32}
        : tensor<?xi32>, tensor<512x64xbf16> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins G4_TokenVector:$ids, G4_WeightTensor:$table, F32Attr:$scale,
                       UnitAttr:$vocab_sharded);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` type($ids) `,` type($table) `->` type($result)
  }];
  let hasVerifier = 1;
}

def G4_RmsNormOp : G4_PureOp<"rms_norm"> {
  let summary = "RMS normalization of each group of a row, with or without scale";
  let description = [{
    Each consecutive run of `group` elements of a row is normalized on its own:
    `y = x * (mean(x^2) + eps)^-0.5`, times `weight` (plain, not `1 + w`) when
    given. `group` equal to the width normalizes whole rows; a head_dim group
    gives the per-head q/k/v norms. Invariants: the width is a multiple of
    `group`; the weight, if any, has shape [group]; result type = input type.

    ```mlir
    %y = g4.rms_norm %x, %w {eps = 1.0e-06 : f32, group = 64 : i64}
        : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, Optional<G4_WeightTensor>:$weight,
                       F32Attr:$eps, I64Attr:$group);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $input (`,` $weight^)? attr-dict `:` type($input) (`,` type($weight)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def G4_LinearOp : G4_PureOp<"linear"> {
  let summary = "matrix product with a [out, in] weight, no bias";
  let description = [{
    `y = x @ weight^T`. Invariants: the weight is 2-D; the input width equals
    its columns and the result width its rows.

    ```mlir
    %y = g4.linear %x, %w : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, G4_WeightTensor:$weight);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def G4_LmHeadOp : G4_PureOp<"lm_head"> {
  let summary = "vocabulary projection with the (tied) embedding table";
  let description = [{
    `logits = x @ table^T`, kept apart from `g4.linear` so that passes can
    recognize the output projection (quantization exclusion, soft-cap fusion).
    With `softcap`, the logits are soft-capped in the epilogue:
    `tanh(x @ table^T / softcap) * softcap` (`g4-fuse` folds a following
    `g4.softcap` into it). Invariants as for `g4.linear`; softcap, if any, > 0.

    ```mlir
    %l = g4.lm_head %x, %table : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
    %c = g4.lm_head %x, %table {softcap = 30.0 : f32}
        : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, G4_WeightTensor:$table, OptionalAttr<F32Attr>:$softcap);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $input `,` $table attr-dict `:` type($input) `,` type($table) `->` type($result)
  }];
  let hasVerifier = 1;
}

def G4_RopeOp : G4_PureOp<"rope"> {
  let summary = "rotate-half rotary position embedding per head";
  let description = [{
    Applies RoPE to every head of width `head_dim`: frequencies
    `theta^(-2j/head_dim) / factor` for `j < rotary_pairs`, zero (identity)
    for the remaining pairs up to head_dim/2; element j pairs with
    j + head_dim/2. Default RoPE has rotary_pairs = head_dim/2; proportional
    RoPE has int(partial_rotary_factor * head_dim // 2). Invariants: head_dim
    is even and divides the width; rotary_pairs <= head_dim/2.

    ```mlir
    %y = g4.rope %q, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64,
                           theta = 1.0e+04 : f32, factor = 1.0 : f32}
        : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, G4_TokenVector:$positions,
                       I64Attr:$head_dim, I64Attr:$rotary_pairs,
                       F32Attr:$theta, F32Attr:$factor);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $input `,` $positions attr-dict `:` type($input) `,` type($positions) `->` type($result)
  }];
  let hasVerifier = 1;
}

def G4_AttentionOp : G4_PureOp<"attention", [AttrSizedOperandSegments]> {
  let summary = "causal attention over the paged KV cache, sliding or full";
  let description = [{
    Stores `key`/`value` rows (when given) in the KV cache of `layer`, then
    every query attends within its sequence to cached positions p' <= p, and
    p - p' < window for sliding layers. Softmax of `scale * q.k` in fp32; GQA
    maps query head h to kv head h / (num_heads / num_kv_heads). A KV-shared
    layer has no key/value operands and reads the cache of `cache_layer`.
    Invariants: query width = num_heads * head_dim; key and value are both
    present or both absent, each of width num_kv_heads * head_dim; present
    iff cache_layer == layer; num_kv_heads divides num_heads; window > 0 iff
    kind is sliding.

    With a prologue (g4-fuse: q/k RMSNorm + RoPE + KV write in one op) the
    operands are the raw projections: `q_norm` (and `k_norm` when key is
    present, [head_dim] weights) with `norm_eps` normalize each head, then
    RoPE (`rotary_pairs`, `rope_theta`, `rope_factor`, as `g4.rope`) rotates
    q and k at `positions`; `v_norm` normalizes each value head without a
    weight. Invariants: the prologue attributes are all present iff q_norm is;
    k_norm present iff key is (with a prologue); v_norm only with a key and a
    prologue; rotary_pairs <= head_dim/2.

    ```mlir
    %o = g4.attention %q, %pos, %k, %v {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<sliding>, num_heads = 4 : i64,
           num_kv_heads = 2 : i64, head_dim = 32 : i64, window = 8 : i64,
           scale = 1.0 : f32}
        : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32>
          -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$query, G4_TokenVector:$positions,
                       Optional<G4_Activation>:$key, Optional<G4_Activation>:$value,
                       Optional<G4_WeightTensor>:$q_norm, Optional<G4_WeightTensor>:$k_norm,
                       I64Attr:$layer, I64Attr:$cache_layer,
                       G4_AttentionKindAttr:$kind, I64Attr:$num_heads,
                       I64Attr:$num_kv_heads, I64Attr:$head_dim,
                       I64Attr:$window, F32Attr:$scale,
                       OptionalAttr<F32Attr>:$norm_eps, OptionalAttr<I64Attr>:$rotary_pairs,
                       OptionalAttr<F32Attr>:$rope_theta, OptionalAttr<F32Attr>:$rope_factor,
                       UnitAttr:$v_norm);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $query `,` $positions (`,` $key^ `,` $value)? (`q_norm` $q_norm^)? (`k_norm` $k_norm^)? attr-dict
    `:` type($query) `,` type($positions) (`,` type($key)^ `,` type($value))?
    (`q_norm` type($q_norm)^)? (`k_norm` type($k_norm)^)? `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The q/k norm + RoPE + v norm invariants of a fused op (none without q_norm).
    ::mlir::LogicalResult verifyPrologue();
  }];
}

def G4_GeluTanhMulOp : G4_PureOp<"gelu_tanh_mul", [SameOperandsAndResultType]> {
  let summary = "gelu (tanh approximation) gating";
  let description = [{
    `y = gelu_tanh(gate) * up`, the `gelu_pytorch_tanh` gate of the MLP and of
    the per-layer-input path.

    ```mlir
    %h = g4.gelu_tanh_mul %gate, %up : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$gate, G4_Activation:$up);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = "$gate `,` $up attr-dict `:` type($result)";
}

def G4_AddOp : G4_PureOp<"add", [SameOperandsAndResultType, Commutative]> {
  let summary = "elementwise sum (residual connections)";
  let description = [{
    ```mlir
    %y = g4.add %a, %b : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$lhs, G4_Activation:$rhs);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def G4_MulOp : G4_PureOp<"mul", [SameOperandsAndResultType, Commutative]> {
  let summary = "elementwise product";
  let description = [{
    ```mlir
    %y = g4.mul %a, %b : tensor<?x16xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$lhs, G4_Activation:$rhs);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def G4_ScaleOp : G4_PureOp<"scale", [SameOperandsAndResultType]> {
  let summary = "multiplication by a compile-time constant";
  let description = [{
    ```mlir
    %y = g4.scale %x {factor = 0.125 : f32} : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, F32Attr:$factor);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def G4_SliceOp : G4_PureOp<"slice"> {
  let summary = "a contiguous column range of every row";
  let description = [{
    `y = x[:, offset : offset + width]`, width taken from the result type;
    used to give layer i its per-layer input. Invariants: the range lies
    inside the input width.

    ```mlir
    %p = g4.slice %ple {offset = 16 : i64} : tensor<?x96xf32> -> tensor<?x16xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, I64Attr:$offset);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def G4_MoeRouterOp : G4_PureOp<"moe_router"> {
  let summary = "Gemma 4 MoE routing: norm, scale, softmax, top-k, renormalize";
  let description = [{
    `r = rmsnorm_noscale(x) * scale * H^-0.5`, `p = softmax(r @ proj^T)` in
    fp32, top-`top_k` of p renormalized to sum 1 and multiplied by
    `per_expert_scale[id]`. Invariants: proj is [E, H], scale [H],
    per_expert_scale [E]; both results are [?, top_k]; top_k <= E.

    ```mlir
    %w, %ids = g4.moe_router %h, %proj, %scale, %pes {top_k = 2 : i64, eps = 1.0e-06 : f32}
        : tensor<?x64xf32>, tensor<8x64xbf16>, tensor<64xbf16>, tensor<8xbf16>
          -> tensor<?x2xf32>, tensor<?x2xi32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, G4_WeightTensor:$proj,
                       G4_WeightTensor:$scale, G4_WeightTensor:$per_expert_scale,
                       I64Attr:$top_k, F32Attr:$eps);
  let results = (outs G4_Activation:$route_weights, 2DTensorOf<[I32]>:$route_ids);
  let assemblyFormat = [{
    $input `,` $proj `,` $scale `,` $per_expert_scale attr-dict `:` type($input) `,`
    type($proj) `,` type($scale) `,` type($per_expert_scale) `->` type($route_weights) `,` type($route_ids)
  }];
  let hasVerifier = 1;
}

def G4_MoeExpertsOp : G4_PureOp<"moe_experts"> {
  let summary = "weighted sum of the routed experts' gelu-gated MLPs";
  let description = [{
    `y[t] = sum_k w[t,k] * down_e(gelu_tanh(gate_e x) * up_e x)` with
    `e = ids[t,k]`; `gate_up` is [E, 2I, H] with gate rows first, `down` is
    [E, H, I]. With `experts_sharded` (tensor parallelism) the weights hold
    rank r's experts, ids [r * E, (r + 1) * E); routes to other experts add
    nothing (a `g4.all_reduce` sums the ranks' parts).
    Invariants: those shapes; route weights and ids both [?, K].

    ```mlir
    %y = g4.moe_experts %x, %w, %ids, %gate_up, %down
        : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x64x64xbf16>,
          tensor<8x64x32xbf16> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, G4_Activation:$route_weights,
                       2DTensorOf<[I32]>:$route_ids, G4_WeightTensor:$gate_up,
                       G4_WeightTensor:$down, UnitAttr:$experts_sharded);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $input `,` $route_weights `,` $route_ids `,` $gate_up `,` $down attr-dict `:`
    type($input) `,` type($route_weights) `,` type($route_ids) `,` type($gate_up) `,`
    type($down) `->` type($result)
  }];
  let hasVerifier = 1;
}

def G4_LayerScalarOp : G4_PureOp<"layer_scalar"> {
  let summary = "multiplication by the layer's learned scalar";
  let description = [{
    `y = x * scalar[0]`; every decoder layer ends with it. Invariants: the
    scalar weight has shape [1]; result type = input type.

    ```mlir
    %y = g4.layer_scalar %x, %s : tensor<?x64xf32>, tensor<1xbf16> -> tensor<?x64xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, G4_WeightTensor:$scalar);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $input `,` $scalar attr-dict `:` type($input) `,` type($scalar) `->` type($result)
  }];
  let hasVerifier = 1;
}

def G4_SoftcapOp : G4_PureOp<"softcap", [SameOperandsAndResultType]> {
  let summary = "final logit soft-capping";
  let description = [{
    `y = tanh(x / cap) * cap`. Invariant: cap > 0.

    ```mlir
    %y = g4.softcap %logits {cap = 30.0 : f32} : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, F32Attr:$cap);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

} // opDocGroup OpGroupDecoder

//===----------------------------------------------------------------------===//
// Collectives (tensor parallelism, produced by g4-shard)
//===----------------------------------------------------------------------===//

def OpGroupCollectives : OpDocGroup {
  let summary = "collectives";
  let description = [{
    Exchanges between the ranks of a tensor-parallel module (module attribute
    `g4.tensor_parallel`): every rank runs the same program on its own weight
    parts and meets the others at these ops.
  }];
}

let opDocGroup = OpGroupCollectives in {

def G4_AllReduceOp : G4_PureOp<"all_reduce", [SameOperandsAndResultType]> {
  let summary = "elementwise sum over the ranks";
  let description = [{
    `y = sum over ranks r of x_r`, summed in rank order so that every rank
    holds the same bits: the partial products of row-parallel projections,
    vocabulary-parallel embeddings and rank-local experts.

    ```mlir
    %y = g4.all_reduce %x : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def G4_AllGatherOp : G4_PureOp<"all_gather"> {
  let summary = "concatenation of the ranks' columns in rank order";
  let description = [{
    `y[t] = concat over ranks r of x_r[t]`: the vocabulary-parallel logits.
    Invariant: the result width is a multiple of the input width (the module's
    rank count when it has `g4.tensor_parallel`).

    ```mlir
    %y = g4.all_gather %x : tensor<?x256xf32> -> tensor<?x512xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

} // opDocGroup OpGroupCollectives

//===----------------------------------------------------------------------===//
// Fused operations (produced by g4-fuse)
//===----------------------------------------------------------------------===//

def OpGroupFused : OpDocGroup {
  let summary = "fused";
  let description = [{
    Sequences of decoder operations that a backend runs as one kernel. Each is
    defined as the composition it replaces, in the same fp32 arithmetic.
  }];
}

let opDocGroup = OpGroupFused in {

def G4_AddRmsNormOp : G4_PureOp<"add_rms_norm",
    [AllTypesMatch<["residual", "x", "sum", "normed"]>, AttrSizedOperandSegments]> {
  let summary = "residual add followed by a whole-row RMSNorm with weight";
  let description = [{
    `sum = residual + x`; `normed = sum * (mean(sum^2) + eps)^-0.5 * weight`
    over the whole row: `g4.add` then `g4.rms_norm` with `group` = width, as in
    the Gemma block `h = r + post_attention_norm(a)` followed by
    `pre_feedforward_layernorm(h)`. `sum` stays available for the next
    residual connection. With `x_norm`, x is first a whole-row `g4.rms_norm`
    with that weight (the post-norm of the block: `post_attention_norm(a)`);
    with `scalar`, the sum is then a `g4.layer_scalar` (the layer's end, before
    the next layer's input norm), and `sum` is the scaled value. One eps for
    both norms. Invariants: all four activations have one type; weight and
    x_norm have shape [width], scalar [1].

    ```mlir
    %sum, %normed = g4.add_rms_norm %r, %a, %w x_norm %wa scalar %s {eps = 1.0e-06 : f32}
        : tensor<?x64xf32>, tensor<64xbf16> x_norm tensor<64xbf16> scalar tensor<1xbf16>
    ```
  }];
  let arguments = (ins G4_Activation:$residual, G4_Activation:$x, G4_WeightTensor:$weight,
                       Optional<G4_WeightTensor>:$x_norm, Optional<G4_WeightTensor>:$scalar, F32Attr:$eps);
  let results = (outs G4_Activation:$sum, G4_Activation:$normed);
  let assemblyFormat = [{
    $residual `,` $x `,` $weight (`x_norm` $x_norm^)? (`scalar` $scalar^)? attr-dict `:` type($residual) `,` type($weight)
    (`x_norm` type($x_norm)^)? (`scalar` type($scalar)^)?
  }];
  let hasVerifier = 1;
}

def G4_RmsNormAddOp : G4_PureOp<"rms_norm_add", [AllTypesMatch<["residual", "x", "sum"]>]> {
  let summary = "whole-row RMSNorm with weight followed by a residual add";
  let description = [{
    `sum = residual + x * (mean(x^2) + eps)^-0.5 * weight` over the whole row:
    `g4.rms_norm` with `group` = width, then `g4.add`, as in the Gemma block
    `h = r + post_feedforward_layernorm(m)` when no norm of `h` follows (a PLE
    layer, whose per-layer-input gate reads `h`; `g4.add_rms_norm` with
    `x_norm` takes the case where one does). It is `g4.add_rms_norm`'s
    `x_norm` and `sum` without the output norm, kept a separate op: folding
    it in would make that op's `normed` result optional (a variadic result
    that every user, pattern and backend would test) and its required
    output-norm `weight` optional with it, while `x_norm`, optional there,
    would become the one weight here. Invariants: the three activations have
    one type; weight has shape [width].

    ```mlir
    %sum = g4.rms_norm_add %r, %m, %w {eps = 1.0e-06 : f32} : tensor<?x64xf32>, tensor<64xbf16>
    ```
  }];
  let arguments = (ins G4_Activation:$residual, G4_Activation:$x, G4_WeightTensor:$weight, F32Attr:$eps);
  let results = (outs G4_Activation:$sum);
  let assemblyFormat = [{
    $residual `,` $x `,` $weight attr-dict `:` type($residual) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def G4_RmsNormRopeOp : G4_PureOp<"rms_norm_rope", [AllTypesMatch<["input", "result"]>]> {
  let summary = "per-head RMSNorm with weight followed by RoPE";
  let description = [{
    The q and k paths of attention: `g4.rms_norm` with `group = head_dim` and
    a [head_dim] weight, then `g4.rope` with the same head_dim, `rotary_pairs`,
    `theta` and `factor` (see `g4.rope` for the frequencies); g4-fuse then
    folds the q and k ones into the prologue of their `g4.attention`. Invariants: head_dim is even and
    divides the width; rotary_pairs <= head_dim/2; the weight has shape
    [head_dim]; result type = input type.

    ```mlir
    %q = g4.rms_norm_rope %x, %w, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64,
           rotary_pairs = 16 : i64, theta = 1.0e+04 : f32, factor = 1.0 : f32}
        : tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, G4_WeightTensor:$weight, G4_TokenVector:$positions,
                       F32Attr:$eps, I64Attr:$head_dim, I64Attr:$rotary_pairs,
                       F32Attr:$theta, F32Attr:$factor);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $positions attr-dict `:` type($input) `,` type($weight) `,` type($positions)
  }];
  let hasVerifier = 1;
}

def G4_GatedLinearOp : G4_PureOp<"gated_linear", [AllTypesMatch<["gate_weight", "up_weight"]>]> {
  let summary = "gate and up projections of one input with gelu (tanh) gating";
  let description = [{
    `y = gelu_tanh(x @ gate_weight^T) * (x @ up_weight^T)`: two `g4.linear`s
    of the same input feeding `g4.gelu_tanh_mul`, the MLP before its down
    projection. Both weights are the checkpoint's own [I, H] tensors (no
    repacking). Invariants: the weights have one type, 2-D [I, H]; the input
    width is H, the result width I.

    ```mlir
    %h = g4.gated_linear %x, %gate, %up
        : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, G4_WeightTensor:$gate_weight, G4_WeightTensor:$up_weight);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $input `,` $gate_weight `,` $up_weight attr-dict `:` type($input) `,` type($gate_weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

def G4_MultiLinearOp : G4_PureOp<"multi_linear"> {
  let summary = "sibling projections of one input, one result per weight";
  let description = [{
    `results[i] = x @ weights[i]^T`: the `g4.linear`s of one input, e.g. an
    attention's q, k and v projections (q and k where `attention_k_eq_v` has
    no v_proj), which a backend runs as one product over their concatenated
    output rows. The weights are the checkpoint's own [out_i, H] tensors (no
    repacking). Invariants: 2 or 3 weights of one element type, each 2-D
    [out_i, H]; the input width is H; one result per weight, of width out_i.

    ```mlir
    %q, %k, %v = g4.multi_linear %x, %wq, %wk, %wv
        : tensor<?x64xf32>, tensor<64x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>
        -> tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, Variadic<G4_WeightTensor>:$weights);
  let results = (outs Variadic<G4_Activation>:$results);
  let assemblyFormat = [{
    $input `,` $weights attr-dict `:` type($input) `,` type($weights) `->` type($results)
  }];
  let hasVerifier = 1;
}

def G4_SliceGatedLinearOp : G4_PureOp<"slice_gated_linear"> {
  let summary = "gate projection with gelu (tanh) gating by a column range of a side input";
  let description = [{
    `y = gelu_tanh(x @ gate_weight^T) * side[:, offset : offset + I]`: a
    `g4.linear` feeding `g4.gelu_tanh_mul` whose other operand is a
    `g4.slice` (the per-layer-input gate of layer i, gated by its slice of
    the per-layer inputs), which a backend runs as one product with the
    gating in its epilogue. The weight is the checkpoint's own [I, H] tensor.
    Invariants: the weight is 2-D [I, H]; the input width is H, the result
    width I; the range [offset, offset + I) lies inside the side input's
    width; input, side and result have one token count.

    ```mlir
    %g = g4.slice_gated_linear %x, %gate, %ple {offset = 16 : i64}
        : tensor<?x64xf32>, tensor<16x64xbf16>, tensor<?x96xf32> -> tensor<?x16xf32>
    ```
  }];
  let arguments = (ins G4_Activation:$input, G4_WeightTensor:$gate_weight, G4_Activation:$side, I64Attr:$offset);
  let results = (outs G4_Activation:$result);
  let assemblyFormat = [{
    $input `,` $gate_weight `,` $side attr-dict `:` type($input) `,` type($gate_weight) `,` type($side)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

} // opDocGroup OpGroupFused

#endif // G4_OPS_TD
