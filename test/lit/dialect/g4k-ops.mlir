// RUN: g4-opt %s | g4-opt | FileCheck %s

// A dispatch round-trips with its bindings, its g4 operation, one launch per
// regime (bounded ones "rows a to b", the last "rows a and above") and the
// launches' tiles.

// CHECK-LABEL: func.func @projection
// CHECK: g4k.dispatch "sm_100a"(%{{.+}}, %{{.+}}) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
// CHECK: g4.linear
// CHECK-NEXT: g4k.launch "gemv" "g4k::gemv<1, g4k::PlainEpilogue>" rows 1 to 1 {tile_tokens = 1 : i64}
// CHECK-NEXT: g4k.launch "cublaslt_split_stacked" "cublasLt" rows 2 to 64
// CHECK-NEXT: g4k.launch "cublaslt_split" "cublasLt" rows 65 and above
// CHECK-NEXT: g4k.yield
func.func @projection(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_100a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    g4k.launch "gemv" "g4k::gemv<1, g4k::PlainEpilogue>" rows 1 to 1 {tile_tokens = 1 : i64}
    g4k.launch "cublaslt_split_stacked" "cublasLt" rows 2 to 64
    g4k.launch "cublaslt_split" "cublasLt" rows 65 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// An attention's conditional launch ("if rows_per_tile > N") and the launch
// serving the same rows otherwise.
// CHECK-LABEL: func.func @attention
// CHECK: g4.attention
// CHECK-NEXT: g4k.launch "attention_mma" "g4k::attentionMma<256, 2, 8>" rows 1 and above if rows_per_tile > 16 {shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64}
// CHECK-NEXT: g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 1 and above {shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64}
func.func @attention(%q: tensor<?x1024xf32>, %k: tensor<?x512xf32>, %pos: tensor<?xi32>) -> tensor<?x1024xf32> {
  %o = g4k.dispatch "sm_90a"(%q, %pos, %k) : (tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>)
      -> tensor<?x1024xf32> {
  ^bb0(%a: tensor<?x1024xf32>, %p: tensor<?xi32>, %b: tensor<?x512xf32>):
    %r = g4.attention %a, %p, %b, %b {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
           head_dim = 256 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x1024xf32>
    g4k.launch "attention_mma" "g4k::attentionMma<256, 2, 8>" rows 1 and above if rows_per_tile > 16
        {shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64}
    g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 1 and above
        {shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64}
    g4k.yield %r : tensor<?x1024xf32>
  }
  return %o : tensor<?x1024xf32>
}

// CHECK-LABEL: func.func @moe_experts
// CHECK: g4k.launch "moe_experts" "g4k::moeGateUp" rows 1 to 255
// CHECK-NEXT: g4k.launch "moe_experts_cublaslt" "cublasLt" rows 256 and above
func.func @moe_experts(%x: tensor<?x64xf32>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                       %gate_up: tensor<8x64x64xbf16>, %down: tensor<8x64x32xbf16>) -> tensor<?x64xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w, %ids, %gate_up, %down)
      : (tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16>)
        -> tensor<?x64xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<?x2xf32>, %c: tensor<?x2xi32>, %d: tensor<8x64x64xbf16>,
       %e: tensor<8x64x32xbf16>):
    %r = g4.moe_experts %a, %b, %c, %d, %e
        : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16>
          -> tensor<?x64xf32>
    g4k.launch "moe_experts" "g4k::moeGateUp" rows 1 to 255
    g4k.launch "moe_experts_cublaslt" "cublasLt" rows 256 and above
    g4k.yield %r : tensor<?x64xf32>
  }
  return %y : tensor<?x64xf32>
}
