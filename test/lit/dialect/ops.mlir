// RUN: g4-opt --split-input-file %s | FileCheck %s
// RUN: g4-opt --split-input-file %s | g4-opt --split-input-file | FileCheck %s
// RUN: g4-opt --split-input-file --mlir-print-op-generic %s | g4-opt --split-input-file | FileCheck %s

// Weights, encoders and weight references keep their names, files, offsets
// and types.

// CHECK-LABEL: g4.weight @embed_tokens = "model.embed_tokens.weight" in "model-00001.safetensors" at 1024 : tensor<512x64xbf16>
g4.weight @embed_tokens = "model.embed_tokens.weight" in "model-00001.safetensors"
    at 1024 : tensor<512x64xbf16>
// CHECK: g4.weight @patch_embedder = "model.vision_tower.patch_embedder.weight" in "model-00002.safetensors" at 0 : tensor<64x48xf16>
g4.weight @patch_embedder = "model.vision_tower.patch_embedder.weight"
    in "model-00002.safetensors" at 0 : tensor<64x48xf16>
// CHECK: g4.weight @audio_conv = "model.audio_tower.conv.weight" in "model-00002.safetensors" at 6144 : tensor<64x32xf32>
g4.weight @audio_conv = "model.audio_tower.conv.weight"
    in "model-00002.safetensors" at 6144 : tensor<64x32xf32>
// CHECK: g4.encoder "vision" weights [@patch_embedder]
g4.encoder "vision" weights [@patch_embedder]
// CHECK: g4.encoder "audio" weights [@audio_conv]
g4.encoder "audio" weights [@audio_conv]

// CHECK-LABEL: func.func @weight_ref
func.func @weight_ref() -> tensor<512x64xbf16> {
  // CHECK: g4.weight_ref @embed_tokens : tensor<512x64xbf16>
  %table = g4.weight_ref @embed_tokens : tensor<512x64xbf16>
  return %table : tensor<512x64xbf16>
}

// -----

// Embedding lookup with its scale.

// CHECK-LABEL: func.func @embed
func.func @embed(%ids: tensor<?xi32>, %table: tensor<512x64xbf16>) -> tensor<?x64xf32> {
  // CHECK: g4.embed %{{.+}}, %{{.+}} {scale = 8.000000e+00 : f32} : tensor<?xi32>, tensor<512x64xbf16> -> tensor<?x64xf32>
  %x = g4.embed %ids, %table {scale = 8.0 : f32}
      : tensor<?xi32>, tensor<512x64xbf16> -> tensor<?x64xf32>
  return %x : tensor<?x64xf32>
}

// -----

// RMSNorm over whole rows with a weight, and per head without one.

// CHECK-LABEL: func.func @rms_norm
func.func @rms_norm(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  // CHECK: g4.rms_norm %{{.+}}, %{{.+}} {eps = 9.99999997E-7 : f32, group = 64 : i64} : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %scaled = g4.rms_norm %x, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  // CHECK: g4.rms_norm %{{.+}} {eps = 9.99999997E-7 : f32, group = 32 : i64} : tensor<?x64xf32> -> tensor<?x64xf32>
  %plain = g4.rms_norm %x {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x64xf32> -> tensor<?x64xf32>
  return %scaled, %plain : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// Projections: a linear layer and the vocabulary head, with static token
// counts too.

// CHECK-LABEL: func.func @linear_and_lm_head
func.func @linear_and_lm_head(%x: tensor<4x64xf32>, %w: tensor<128x64xbf16>,
                              %table: tensor<512x64xbf16>) -> (tensor<4x128xf32>, tensor<4x512xf32>) {
  // CHECK: g4.linear %{{.+}}, %{{.+}} : tensor<4x64xf32>, tensor<128x64xbf16> -> tensor<4x128xf32>
  %y = g4.linear %x, %w : tensor<4x64xf32>, tensor<128x64xbf16> -> tensor<4x128xf32>
  // CHECK: g4.lm_head %{{.+}}, %{{.+}} : tensor<4x64xf32>, tensor<512x64xbf16> -> tensor<4x512xf32>
  %logits = g4.lm_head %x, %table : tensor<4x64xf32>, tensor<512x64xbf16> -> tensor<4x512xf32>
  return %y, %logits : tensor<4x128xf32>, tensor<4x512xf32>
}

// -----

// Proportional RoPE rotating a quarter of each head.

// CHECK-LABEL: func.func @rope
func.func @rope(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  // CHECK: g4.rope %{{.+}}, %{{.+}} {factor = 1.000000e+00 : f32, head_dim = 32 : i64, rotary_pairs = 4 : i64, theta = 1.000000e+06 : f32} : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  %y = g4.rope %q, %pos {head_dim = 32 : i64, rotary_pairs = 4 : i64,
                         theta = 1.0e+06 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// Attention of a sliding layer that writes its own key/value, then of a full
// KV-shared layer that reads the cache of layer 0.

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %k: tensor<?x64xf32>,
                     %v: tensor<?x64xf32>) -> (tensor<?x128xf32>, tensor<?x128xf32>) {
  // CHECK: g4.attention %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {cache_layer = 0 : i64, head_dim = 32 : i64, kind = #g4.attention_kind<sliding>, layer = 0 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 8 : i64} : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x128xf32>
  %own = g4.attention %q, %pos, %k, %v {layer = 0 : i64, cache_layer = 0 : i64,
         kind = #g4.attention_kind<sliding>, num_heads = 4 : i64,
         num_kv_heads = 2 : i64, head_dim = 32 : i64, window = 8 : i64,
         scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32>
        -> tensor<?x128xf32>
  // CHECK: g4.attention %{{.+}}, %{{.+}} {cache_layer = 0 : i64, head_dim = 32 : i64, kind = #g4.attention_kind<full>, layer = 5 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 1.000000e+00 : f32, window = 0 : i64} : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  %shared = g4.attention %q, %pos {layer = 5 : i64, cache_layer = 0 : i64,
            kind = #g4.attention_kind<full>, num_heads = 4 : i64,
            num_kv_heads = 2 : i64, head_dim = 32 : i64, window = 0 : i64,
            scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %own, %shared : tensor<?x128xf32>, tensor<?x128xf32>
}

// -----

// Elementwise ops, the constant scale and the per-layer-input slice.

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<?x16xf32>, %b: tensor<?x16xf32>,
                       %ple: tensor<?x96xf32>) -> tensor<?x16xf32> {
  // CHECK: %[[GATED:.+]] = g4.gelu_tanh_mul %{{.+}}, %{{.+}} : tensor<?x16xf32>
  %gated = g4.gelu_tanh_mul %a, %b : tensor<?x16xf32>
  // CHECK: %[[SUM:.+]] = g4.add %[[GATED]], %{{.+}} : tensor<?x16xf32>
  %sum = g4.add %gated, %b : tensor<?x16xf32>
  // CHECK: %[[SLICE:.+]] = g4.slice %{{.+}} {offset = 16 : i64} : tensor<?x96xf32> -> tensor<?x16xf32>
  %slice = g4.slice %ple {offset = 16 : i64} : tensor<?x96xf32> -> tensor<?x16xf32>
  // CHECK: %[[PROD:.+]] = g4.mul %[[SUM]], %[[SLICE]] : tensor<?x16xf32>
  %prod = g4.mul %sum, %slice : tensor<?x16xf32>
  // CHECK: g4.scale %[[PROD]] {factor = 1.250000e-01 : f32} : tensor<?x16xf32>
  %y = g4.scale %prod {factor = 0.125 : f32} : tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// MoE routing to 2 of 8 experts, then the experts' weighted sum.

// CHECK-LABEL: func.func @moe
func.func @moe(%h: tensor<?x64xf32>, %proj: tensor<8x64xbf16>, %scale: tensor<64xbf16>,
               %pes: tensor<8xbf16>, %gate_up: tensor<8x64x64xbf16>,
               %down: tensor<8x64x32xbf16>) -> tensor<?x64xf32> {
  // CHECK: %[[W:.+]], %[[IDS:.+]] = g4.moe_router %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {eps = 9.99999997E-7 : f32, top_k = 2 : i64} : tensor<?x64xf32>, tensor<8x64xbf16>, tensor<64xbf16>, tensor<8xbf16> -> tensor<?x2xf32>, tensor<?x2xi32>
  %w, %ids = g4.moe_router %h, %proj, %scale, %pes {top_k = 2 : i64, eps = 1.0e-06 : f32}
      : tensor<?x64xf32>, tensor<8x64xbf16>, tensor<64xbf16>, tensor<8xbf16>
        -> tensor<?x2xf32>, tensor<?x2xi32>
  // CHECK: g4.moe_experts %{{.+}}, %[[W]], %[[IDS]], %{{.+}}, %{{.+}} : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16> -> tensor<?x64xf32>
  %y = g4.moe_experts %h, %w, %ids, %gate_up, %down
      : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x64x64xbf16>,
        tensor<8x64x32xbf16> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// The layer's learned scalar and the final logit soft-cap.

// CHECK-LABEL: func.func @scalar_and_softcap
func.func @scalar_and_softcap(%x: tensor<?x64xf32>, %s: tensor<1xbf16>,
                              %logits: tensor<?x512xf32>) -> (tensor<?x64xf32>, tensor<?x512xf32>) {
  // CHECK: g4.layer_scalar %{{.+}}, %{{.+}} : tensor<?x64xf32>, tensor<1xbf16> -> tensor<?x64xf32>
  %y = g4.layer_scalar %x, %s : tensor<?x64xf32>, tensor<1xbf16> -> tensor<?x64xf32>
  // CHECK: g4.softcap %{{.+}} {cap = 3.000000e+01 : f32} : tensor<?x512xf32>
  %capped = g4.softcap %logits {cap = 30.0 : f32} : tensor<?x512xf32>
  return %y, %capped : tensor<?x64xf32>, tensor<?x512xf32>
}

// -----

// A whole step of a one-layer model: embedding, one sliding decoder layer
// (q/k/v norms, RoPE, attention, gelu MLP, layer scalar), final norm,
// tied lm_head and soft-capping.

g4.weight @embed_tokens = "model.language_model.embed_tokens.weight" in "model.safetensors"
    at 0 : tensor<512x64xbf16>
g4.weight @input_layernorm = "model.language_model.layers.0.input_layernorm.weight"
    in "model.safetensors" at 65536 : tensor<64xbf16>
g4.weight @q_proj = "model.language_model.layers.0.self_attn.q_proj.weight"
    in "model.safetensors" at 65664 : tensor<64x64xbf16>
g4.weight @k_proj = "model.language_model.layers.0.self_attn.k_proj.weight"
    in "model.safetensors" at 73856 : tensor<32x64xbf16>
g4.weight @v_proj = "model.language_model.layers.0.self_attn.v_proj.weight"
    in "model.safetensors" at 77952 : tensor<32x64xbf16>
g4.weight @q_norm = "model.language_model.layers.0.self_attn.q_norm.weight"
    in "model.safetensors" at 82048 : tensor<32xbf16>
g4.weight @k_norm = "model.language_model.layers.0.self_attn.k_norm.weight"
    in "model.safetensors" at 82112 : tensor<32xbf16>
g4.weight @o_proj = "model.language_model.layers.0.self_attn.o_proj.weight"
    in "model.safetensors" at 82176 : tensor<64x64xbf16>
g4.weight @post_attention_layernorm = "model.language_model.layers.0.post_attention_layernorm.weight"
    in "model.safetensors" at 90368 : tensor<64xbf16>
g4.weight @pre_feedforward_layernorm = "model.language_model.layers.0.pre_feedforward_layernorm.weight"
    in "model.safetensors" at 90496 : tensor<64xbf16>
g4.weight @gate_proj = "model.language_model.layers.0.mlp.gate_proj.weight"
    in "model.safetensors" at 90624 : tensor<128x64xbf16>
g4.weight @up_proj = "model.language_model.layers.0.mlp.up_proj.weight"
    in "model.safetensors" at 107008 : tensor<128x64xbf16>
g4.weight @down_proj = "model.language_model.layers.0.mlp.down_proj.weight"
    in "model.safetensors" at 123392 : tensor<64x128xbf16>
g4.weight @post_feedforward_layernorm = "model.language_model.layers.0.post_feedforward_layernorm.weight"
    in "model.safetensors" at 139776 : tensor<64xbf16>
g4.weight @layer_scalar = "model.language_model.layers.0.layer_scalar"
    in "model.safetensors" at 139904 : tensor<1xbf16>
g4.weight @norm = "model.language_model.norm.weight" in "model.safetensors"
    at 139906 : tensor<64xbf16>

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[IDS:.+]]: tensor<?xi32>, %[[POS:.+]]: tensor<?xi32>) -> tensor<?x512xf32>
func.func @forward(%ids: tensor<?xi32>, %pos: tensor<?xi32>) -> tensor<?x512xf32> {
  // CHECK: %[[TABLE:.+]] = g4.weight_ref @embed_tokens
  // CHECK: %[[X:.+]] = g4.embed %[[IDS]], %[[TABLE]]
  %table = g4.weight_ref @embed_tokens : tensor<512x64xbf16>
  %x = g4.embed %ids, %table {scale = 8.0 : f32}
      : tensor<?xi32>, tensor<512x64xbf16> -> tensor<?x64xf32>

  // CHECK: %[[H:.+]] = g4.rms_norm %[[X]]
  %ln_in = g4.weight_ref @input_layernorm : tensor<64xbf16>
  %h = g4.rms_norm %x, %ln_in {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  // CHECK: %[[Q:.+]] = g4.linear %[[H]]
  // CHECK: %[[K:.+]] = g4.linear %[[H]]
  // CHECK: %[[V:.+]] = g4.linear %[[H]]
  %wq = g4.weight_ref @q_proj : tensor<64x64xbf16>
  %q = g4.linear %h, %wq : tensor<?x64xf32>, tensor<64x64xbf16> -> tensor<?x64xf32>
  %wk = g4.weight_ref @k_proj : tensor<32x64xbf16>
  %k = g4.linear %h, %wk : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
  %wv = g4.weight_ref @v_proj : tensor<32x64xbf16>
  %v = g4.linear %h, %wv : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
  // CHECK: %[[QN:.+]] = g4.rms_norm %[[Q]]
  // CHECK: %[[KN:.+]] = g4.rms_norm %[[K]]
  // CHECK: %[[VN:.+]] = g4.rms_norm %[[V]] {
  %wqn = g4.weight_ref @q_norm : tensor<32xbf16>
  %qn = g4.rms_norm %q, %wqn {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x64xf32>, tensor<32xbf16> -> tensor<?x64xf32>
  %wkn = g4.weight_ref @k_norm : tensor<32xbf16>
  %kn = g4.rms_norm %k, %wkn {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x32xf32>, tensor<32xbf16> -> tensor<?x32xf32>
  %vn = g4.rms_norm %v {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x32xf32> -> tensor<?x32xf32>
  // CHECK: %[[QR:.+]] = g4.rope %[[QN]], %[[POS]]
  // CHECK: %[[KR:.+]] = g4.rope %[[KN]], %[[POS]]
  %qr = g4.rope %qn, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64,
                           theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x64xf32>, tensor<?xi32> -> tensor<?x64xf32>
  %kr = g4.rope %kn, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64,
                           theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
  // CHECK: %[[ATTN:.+]] = g4.attention %[[QR]], %[[POS]], %[[KR]], %[[VN]]
  %attn = g4.attention %qr, %pos, %kr, %vn {layer = 0 : i64, cache_layer = 0 : i64,
          kind = #g4.attention_kind<sliding>, num_heads = 2 : i64,
          num_kv_heads = 1 : i64, head_dim = 32 : i64, window = 8 : i64,
          scale = 1.0 : f32}
      : tensor<?x64xf32>, tensor<?xi32>, tensor<?x32xf32>, tensor<?x32xf32>
        -> tensor<?x64xf32>
  // CHECK: %[[O:.+]] = g4.linear %[[ATTN]]
  // CHECK: %[[ON:.+]] = g4.rms_norm %[[O]]
  // CHECK: %[[R1:.+]] = g4.add %[[X]], %[[ON]]
  %wo = g4.weight_ref @o_proj : tensor<64x64xbf16>
  %o = g4.linear %attn, %wo : tensor<?x64xf32>, tensor<64x64xbf16> -> tensor<?x64xf32>
  %ln_post_attn = g4.weight_ref @post_attention_layernorm : tensor<64xbf16>
  %on = g4.rms_norm %o, %ln_post_attn {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %r1 = g4.add %x, %on : tensor<?x64xf32>

  // CHECK: %[[M:.+]] = g4.rms_norm %[[R1]]
  // CHECK: %[[GATE:.+]] = g4.linear %[[M]]
  // CHECK: %[[UP:.+]] = g4.linear %[[M]]
  // CHECK: %[[ACT:.+]] = g4.gelu_tanh_mul %[[GATE]], %[[UP]]
  // CHECK: %[[DOWN:.+]] = g4.linear %[[ACT]]
  // CHECK: %[[DN:.+]] = g4.rms_norm %[[DOWN]]
  // CHECK: %[[R2:.+]] = g4.add %[[R1]], %[[DN]]
  %ln_pre_ffw = g4.weight_ref @pre_feedforward_layernorm : tensor<64xbf16>
  %m = g4.rms_norm %r1, %ln_pre_ffw {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %wg = g4.weight_ref @gate_proj : tensor<128x64xbf16>
  %gate = g4.linear %m, %wg : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %wu = g4.weight_ref @up_proj : tensor<128x64xbf16>
  %up = g4.linear %m, %wu : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %act = g4.gelu_tanh_mul %gate, %up : tensor<?x128xf32>
  %wd = g4.weight_ref @down_proj : tensor<64x128xbf16>
  %down = g4.linear %act, %wd : tensor<?x128xf32>, tensor<64x128xbf16> -> tensor<?x64xf32>
  %ln_post_ffw = g4.weight_ref @post_feedforward_layernorm : tensor<64xbf16>
  %dn = g4.rms_norm %down, %ln_post_ffw {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %r2 = g4.add %r1, %dn : tensor<?x64xf32>

  // CHECK: %[[Y:.+]] = g4.layer_scalar %[[R2]]
  %s = g4.weight_ref @layer_scalar : tensor<1xbf16>
  %y = g4.layer_scalar %r2, %s : tensor<?x64xf32>, tensor<1xbf16> -> tensor<?x64xf32>

  // CHECK: %[[F:.+]] = g4.rms_norm %[[Y]]
  // CHECK: %[[LOGITS:.+]] = g4.lm_head %[[F]], %{{.+}}
  // CHECK: %[[CAPPED:.+]] = g4.softcap %[[LOGITS]]
  // CHECK: return %[[CAPPED]]
  %ln_final = g4.weight_ref @norm : tensor<64xbf16>
  %f = g4.rms_norm %y, %ln_final {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %head = g4.weight_ref @embed_tokens : tensor<512x64xbf16>
  %logits = g4.lm_head %f, %head : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  %capped = g4.softcap %logits {cap = 30.0 : f32} : tensor<?x512xf32>
  return %capped : tensor<?x512xf32>
}

// -----

// The vocabulary head with its logit soft-cap fused in.

// CHECK-LABEL: func.func @lm_head_softcap
func.func @lm_head_softcap(%x: tensor<?x64xf32>, %table: tensor<512x64xbf16>) -> tensor<?x512xf32> {
  // CHECK: g4.lm_head %{{.+}}, %{{.+}} {softcap = 3.000000e+01 : f32} : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  %logits = g4.lm_head %x, %table {softcap = 30.0 : f32}
      : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  return %logits : tensor<?x512xf32>
}

// -----

// Fused ops: residual add + RMSNorm (two results), post-norm + residual add
// (of that sum), q/k RMSNorm + RoPE, and the gated gate/up projections.

// CHECK-LABEL: func.func @fused
func.func @fused(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<64xbf16>,
                 %q: tensor<?x128xf32>, %qw: tensor<32xbf16>, %pos: tensor<?xi32>,
                 %gate: tensor<128x64xbf16>, %up: tensor<128x64xbf16>)
    -> (tensor<?x64xf32>, tensor<?x128xf32>, tensor<?x128xf32>) {
  // CHECK: %[[SUM:.+]], %[[NORMED:.+]] = g4.add_rms_norm %{{.+}}, %{{.+}}, %{{.+}} {eps = 9.99999997E-7 : f32} : tensor<?x64xf32>, tensor<64xbf16>
  %sum, %normed = g4.add_rms_norm %r, %a, %w {eps = 1.0e-06 : f32} : tensor<?x64xf32>, tensor<64xbf16>
  // CHECK: %[[POST:.+]] = g4.rms_norm_add %[[SUM]], %{{.+}}, %{{.+}} {eps = 9.99999997E-7 : f32} : tensor<?x64xf32>, tensor<64xbf16>
  %post = g4.rms_norm_add %sum, %a, %w {eps = 1.0e-06 : f32} : tensor<?x64xf32>, tensor<64xbf16>
  // CHECK: g4.rms_norm_rope %{{.+}}, %{{.+}}, %{{.+}} {eps = 9.99999997E-7 : f32, factor = 1.000000e+00 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64, theta = 1.000000e+04 : f32} : tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>
  %qr = g4.rms_norm_rope %q, %qw, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
                                        theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>
  // CHECK: g4.gated_linear %[[NORMED]], %{{.+}}, %{{.+}} : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %h = g4.gated_linear %normed, %gate, %up : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  // CHECK: return %[[POST]]
  return %post, %qr, %h : tensor<?x64xf32>, tensor<?x128xf32>, tensor<?x128xf32>
}

// -----

// Sibling projections of one input: q, k and v, and the q, k pair of an
// attention without v_proj.

// CHECK-LABEL: func.func @multi_linear
func.func @multi_linear(%x: tensor<?x64xf32>, %wq: tensor<128x64xbf16>, %wk: tensor<32x64xbf16>,
                        %wv: tensor<32x64xbf16>)
    -> (tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x128xf32>, tensor<?x32xf32>) {
  // CHECK: %[[QKV:.+]]:3 = g4.multi_linear %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16> -> tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>
  %q, %k, %v = g4.multi_linear %x, %wq, %wk, %wv
      : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>
      -> tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>
  // CHECK: %[[QK:.+]]:2 = g4.multi_linear %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xbf16> -> tensor<?x128xf32>, tensor<?x32xf32>
  %q2, %k2 = g4.multi_linear %x, %wq, %wk
      : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xbf16> -> tensor<?x128xf32>, tensor<?x32xf32>
  return %q, %k, %v, %q2, %k2 : tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x128xf32>, tensor<?x32xf32>
}

// -----

// The per-layer-input gate gated by its slice of the per-layer inputs.

// CHECK-LABEL: func.func @slice_gated_linear
func.func @slice_gated_linear(%x: tensor<?x64xf32>, %w: tensor<16x64xbf16>, %ple: tensor<?x96xf32>)
    -> tensor<?x16xf32> {
  // CHECK: g4.slice_gated_linear %{{.+}}, %{{.+}}, %{{.+}} {offset = 80 : i64} : tensor<?x64xf32>, tensor<16x64xbf16>, tensor<?x96xf32> -> tensor<?x16xf32>
  %y = g4.slice_gated_linear %x, %w, %ple {offset = 80 : i64}
      : tensor<?x64xf32>, tensor<16x64xbf16>, tensor<?x96xf32> -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Tensor parallelism: a weight's part, the rank-local embedding and experts,
// and the collectives.

// CHECK-LABEL: module @tensor_parallel attributes {g4.tensor_parallel = 2 : i64}
// CHECK: g4.weight @o_proj = "o" in "m.safetensors" at 64 {shard_dim = 1 : i64, shard_parts = 2 : i64} : tensor<64x32xbf16>
module @tensor_parallel attributes {g4.tensor_parallel = 2 : i64} {
  g4.weight @o_proj = "o" in "m.safetensors" at 64 {shard_dim = 1 : i64, shard_parts = 2 : i64} : tensor<64x32xbf16>
  // CHECK-LABEL: func.func @collectives
  func.func @collectives(%ids: tensor<?xi32>, %table: tensor<256x64xbf16>, %x: tensor<?x64xf32>,
                         %w: tensor<?x2xf32>, %e: tensor<?x2xi32>, %gu: tensor<4x64x64xbf16>,
                         %d: tensor<4x64x32xbf16>) -> (tensor<?x64xf32>, tensor<?x128xf32>) {
    // CHECK: g4.embed %{{.+}}, %{{.+}} {scale = 8.000000e+00 : f32, vocab_sharded} : tensor<?xi32>, tensor<256x64xbf16> -> tensor<?x64xf32>
    %0 = g4.embed %ids, %table {scale = 8.0 : f32, vocab_sharded} : tensor<?xi32>, tensor<256x64xbf16> -> tensor<?x64xf32>
    // CHECK: g4.all_reduce %{{.+}} : tensor<?x64xf32>
    %1 = g4.all_reduce %0 : tensor<?x64xf32>
    // CHECK: g4.moe_experts %{{.+}} {experts_sharded} : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<4x64x64xbf16>, tensor<4x64x32xbf16> -> tensor<?x64xf32>
    %2 = g4.moe_experts %1, %w, %e, %gu, %d {experts_sharded}
        : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<4x64x64xbf16>, tensor<4x64x32xbf16> -> tensor<?x64xf32>
    // CHECK: g4.all_gather %{{.+}} : tensor<?x64xf32> -> tensor<?x128xf32>
    %3 = g4.all_gather %x : tensor<?x64xf32> -> tensor<?x128xf32>
    return %2, %3 : tensor<?x64xf32>, tensor<?x128xf32>
  }
}
