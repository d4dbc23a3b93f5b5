// RUN: g4-opt --split-input-file --verify-diagnostics --g4-shard=ranks=2 %s | FileCheck %s
// RUN: g4-opt --split-input-file --verify-diagnostics --g4-shard=ranks=4 %s | FileCheck %s --check-prefix=TP4
// RUN: g4-opt --g4-shard=ranks=1 %s --split-input-file | FileCheck %s --check-prefix=ONE

// A decoder layer: vocabulary-parallel embedding, q/k/v column-parallel by
// heads through their per-head norms and RoPE, the output projection
// row-parallel + all-reduce, the MLP's gate/up column-parallel and down
// row-parallel + all-reduce, the head vocabulary-parallel + all-gather with
// the cap after it. Norms stay whole.

// CHECK-LABEL: module @layer attributes {g4.tensor_parallel = 2 : i64}
// CHECK-DAG: g4.weight @table = "embed" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<256x64xbf16>
// CHECK-DAG: g4.weight @norm = "norm" in "m.safetensors" at 0 : tensor<64xbf16>
// CHECK-DAG: g4.weight @wq = "q" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<32x64xbf16>
// CHECK-DAG: g4.weight @wk = "k" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<16x64xbf16>
// CHECK-DAG: g4.weight @wv = "v" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<16x64xbf16>
// CHECK-DAG: g4.weight @qn = "qn" in "m.safetensors" at 0 : tensor<16xbf16>
// CHECK-DAG: g4.weight @wo = "o" in "m.safetensors" at 0 {shard_dim = 1 : i64, shard_parts = 2 : i64} : tensor<64x32xbf16>
// CHECK-DAG: g4.weight @wg = "gate" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<64x64xbf16>
// CHECK-DAG: g4.weight @wu = "up" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<64x64xbf16>
// CHECK-DAG: g4.weight @wd = "down" in "m.safetensors" at 0 {shard_dim = 1 : i64, shard_parts = 2 : i64} : tensor<64x64xbf16>
// CHECK: func.func @forward
// CHECK: %[[E:.*]] = g4.embed %{{.*}} {scale = 8.000000e+00 : f32, vocab_sharded} : tensor<?xi32>, tensor<256x64xbf16> -> tensor<?x64xf32>
// CHECK-NEXT: %[[X:.*]] = g4.all_reduce %[[E]] : tensor<?x64xf32>
// CHECK: %[[Q:.*]] = g4.linear %{{.*}} : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
// CHECK: g4.rms_norm %[[Q]], %{{.*}} {eps = 9.99999997E-7 : f32, group = 16 : i64} : tensor<?x32xf32>, tensor<16xbf16> -> tensor<?x32xf32>
// CHECK-NEXT: g4.rope %{{.*}} : tensor<?x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
// CHECK: %[[A:.*]] = g4.attention {{.*}}num_heads = 2 : i64, num_kv_heads = 1 : i64{{.*}} -> tensor<?x32xf32>
// CHECK: %[[P:.*]] = g4.linear %[[A]], %{{.*}} : tensor<?x32xf32>, tensor<64x32xbf16> -> tensor<?x64xf32>
// CHECK-NEXT: %[[O:.*]] = g4.all_reduce %[[P]] : tensor<?x64xf32>
// CHECK-NEXT: g4.add %[[X]], %[[O]] : tensor<?x64xf32>
// CHECK: %[[M:.*]] = g4.gelu_tanh_mul %{{.*}}, %{{.*}} : tensor<?x64xf32>
// CHECK: %[[D:.*]] = g4.linear %[[M]], %{{.*}} : tensor<?x64xf32>, tensor<64x64xbf16> -> tensor<?x64xf32>
// CHECK-NEXT: g4.all_reduce %[[D]] : tensor<?x64xf32>
// CHECK: %[[L:.*]] = g4.lm_head %{{.*}} : tensor<?x64xf32>, tensor<256x64xbf16> -> tensor<?x256xf32>
// CHECK-NEXT: %[[G:.*]] = g4.all_gather %[[L]] : tensor<?x256xf32> -> tensor<?x512xf32>
// CHECK-NEXT: %[[C:.*]] = g4.softcap %[[G]] {cap = 3.000000e+01 : f32} : tensor<?x512xf32>
// CHECK-NEXT: return %[[C]]

// With 4 ranks and 2 KV heads, each KV head is kept by the two ranks whose
// query heads read it: k/v are cut into 2 parts, one head per rank.
// TP4-LABEL: module @layer attributes {g4.tensor_parallel = 4 : i64}
// TP4-DAG: g4.weight @wq = "q" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 4 : i64} : tensor<16x64xbf16>
// TP4-DAG: g4.weight @wk = "k" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<16x64xbf16>
// TP4-DAG: g4.weight @wv = "v" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<16x64xbf16>
// TP4: g4.attention {{.*}}num_heads = 1 : i64, num_kv_heads = 1 : i64{{.*}} -> tensor<?x16xf32>

// One rank leaves the module as it is.
// ONE-LABEL: module @layer {
// ONE: g4.lm_head %{{.*}} : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
module @layer {
  g4.weight @table = "embed" in "m.safetensors" at 0 : tensor<512x64xbf16>
  g4.weight @norm = "norm" in "m.safetensors" at 0 : tensor<64xbf16>
  g4.weight @wq = "q" in "m.safetensors" at 0 : tensor<64x64xbf16>
  g4.weight @wk = "k" in "m.safetensors" at 0 : tensor<32x64xbf16>
  g4.weight @wv = "v" in "m.safetensors" at 0 : tensor<32x64xbf16>
  g4.weight @qn = "qn" in "m.safetensors" at 0 : tensor<16xbf16>
  g4.weight @wo = "o" in "m.safetensors" at 0 : tensor<64x64xbf16>
  g4.weight @wg = "gate" in "m.safetensors" at 0 : tensor<128x64xbf16>
  g4.weight @wu = "up" in "m.safetensors" at 0 : tensor<128x64xbf16>
  g4.weight @wd = "down" in "m.safetensors" at 0 : tensor<64x128xbf16>
  func.func @forward(%ids: tensor<?xi32>, %pos: tensor<?xi32>) -> tensor<?x512xf32> {
    %table = g4.weight_ref @table : tensor<512x64xbf16>
    %x = g4.embed %ids, %table {scale = 8.0 : f32} : tensor<?xi32>, tensor<512x64xbf16> -> tensor<?x64xf32>
    %norm = g4.weight_ref @norm : tensor<64xbf16>
    %h = g4.rms_norm %x, %norm {eps = 1.0e-06 : f32, group = 64 : i64} : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
    %wq = g4.weight_ref @wq : tensor<64x64xbf16>
    %q0 = g4.linear %h, %wq : tensor<?x64xf32>, tensor<64x64xbf16> -> tensor<?x64xf32>
    %qn = g4.weight_ref @qn : tensor<16xbf16>
    %q1 = g4.rms_norm %q0, %qn {eps = 1.0e-06 : f32, group = 16 : i64} : tensor<?x64xf32>, tensor<16xbf16> -> tensor<?x64xf32>
    %q = g4.rope %q1, %pos {head_dim = 16 : i64, rotary_pairs = 8 : i64, theta = 1.0e+04 : f32, factor = 1.0 : f32}
        : tensor<?x64xf32>, tensor<?xi32> -> tensor<?x64xf32>
    %wk = g4.weight_ref @wk : tensor<32x64xbf16>
    %k0 = g4.linear %h, %wk : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
    %k = g4.rope %k0, %pos {head_dim = 16 : i64, rotary_pairs = 8 : i64, theta = 1.0e+04 : f32, factor = 1.0 : f32}
        : tensor<?x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
    %wv = g4.weight_ref @wv : tensor<32x64xbf16>
    %v0 = g4.linear %h, %wv : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
    %v = g4.rms_norm %v0 {eps = 1.0e-06 : f32, group = 16 : i64} : tensor<?x32xf32> -> tensor<?x32xf32>
    %a = g4.attention %q, %pos, %k, %v {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<sliding>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
           head_dim = 16 : i64, window = 8 : i64, scale = 1.0 : f32}
        : tensor<?x64xf32>, tensor<?xi32>, tensor<?x32xf32>, tensor<?x32xf32> -> tensor<?x64xf32>
    %wo = g4.weight_ref @wo : tensor<64x64xbf16>
    %o = g4.linear %a, %wo : tensor<?x64xf32>, tensor<64x64xbf16> -> tensor<?x64xf32>
    %r = g4.add %x, %o : tensor<?x64xf32>
    %wg = g4.weight_ref @wg : tensor<128x64xbf16>
    %g = g4.linear %r, %wg : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    %wu = g4.weight_ref @wu : tensor<128x64xbf16>
    %u = g4.linear %r, %wu : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    %m = g4.gelu_tanh_mul %g, %u : tensor<?x128xf32>
    %wd = g4.weight_ref @wd : tensor<64x128xbf16>
    %d = g4.linear %m, %wd : tensor<?x128xf32>, tensor<64x128xbf16> -> tensor<?x64xf32>
    %y = g4.add %r, %d : tensor<?x64xf32>
    %l = g4.lm_head %y, %table : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
    %c = g4.softcap %l {cap = 30.0 : f32} : tensor<?x512xf32>
    return %c : tensor<?x512xf32>
  }
}

// -----

// MoE: the experts split across ranks, the router whole (every rank routes
// the same way), an all-reduce after the experts.

// CHECK-LABEL: module @moe attributes {g4.tensor_parallel = 2 : i64}
// CHECK-DAG: g4.weight @proj = "router" in "m.safetensors" at 0 : tensor<8x64xbf16>
// CHECK-DAG: g4.weight @gate_up = "gate_up" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<4x64x64xbf16>
// CHECK-DAG: g4.weight @down = "down" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 2 : i64} : tensor<4x64x32xbf16>
// CHECK: g4.moe_router {{.*}} tensor<8x64xbf16>
// CHECK: %[[Y:.*]] = g4.moe_experts {{.*}} {experts_sharded} : {{.*}} tensor<4x64x64xbf16>, tensor<4x64x32xbf16> -> tensor<?x64xf32>
// CHECK-NEXT: %[[S:.*]] = g4.all_reduce %[[Y]] : tensor<?x64xf32>
// CHECK-NEXT: return %[[S]]
module @moe {
  g4.weight @proj = "router" in "m.safetensors" at 0 : tensor<8x64xbf16>
  g4.weight @scale = "scale" in "m.safetensors" at 0 : tensor<64xbf16>
  g4.weight @pes = "pes" in "m.safetensors" at 0 : tensor<8xbf16>
  g4.weight @gate_up = "gate_up" in "m.safetensors" at 0 : tensor<8x64x64xbf16>
  g4.weight @down = "down" in "m.safetensors" at 0 : tensor<8x64x32xbf16>
  func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
    %proj = g4.weight_ref @proj : tensor<8x64xbf16>
    %scale = g4.weight_ref @scale : tensor<64xbf16>
    %pes = g4.weight_ref @pes : tensor<8xbf16>
    %w, %ids = g4.moe_router %x, %proj, %scale, %pes {top_k = 2 : i64, eps = 1.0e-06 : f32}
        : tensor<?x64xf32>, tensor<8x64xbf16>, tensor<64xbf16>, tensor<8xbf16> -> tensor<?x2xf32>, tensor<?x2xi32>
    %gate_up = g4.weight_ref @gate_up : tensor<8x64x64xbf16>
    %down = g4.weight_ref @down : tensor<8x64x32xbf16>
    %y = g4.moe_experts %x, %w, %ids, %gate_up, %down
        : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16> -> tensor<?x64xf32>
    return %y : tensor<?x64xf32>
  }
}

// -----

// Counts that do not split evenly are refused, naming the count.
module @three_heads {
  g4.weight @wq = "q" in "m.safetensors" at 0 : tensor<48x64xbf16>
  func.func @forward(%x: tensor<?x64xf32>, %pos: tensor<?xi32>, %k: tensor<?x16xf32>, %v: tensor<?x16xf32>) -> tensor<?x48xf32> {
    %wq = g4.weight_ref @wq : tensor<48x64xbf16>
    %q = g4.linear %x, %wq : tensor<?x64xf32>, tensor<48x64xbf16> -> tensor<?x48xf32>
    // expected-error-re @+1 {{'g4.attention' op cannot be split over {{[24]}} ranks: its 3 query heads are not a multiple of {{[24]}}}}
    %a = g4.attention %q, %pos, %k, %v {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 3 : i64, num_kv_heads = 1 : i64,
           head_dim = 16 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x48xf32>, tensor<?xi32>, tensor<?x16xf32>, tensor<?x16xf32> -> tensor<?x48xf32>
    return %a : tensor<?x48xf32>
  }
}
