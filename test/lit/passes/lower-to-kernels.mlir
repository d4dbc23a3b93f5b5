// RUN: g4-opt --split-input-file --verify-diagnostics --g4-select-tiles --g4-lower-to-kernels %s | FileCheck %s
// RUN: g4-opt --split-input-file --verify-diagnostics --g4-select-tiles=arch=sm_80 --g4-lower-to-kernels %s | FileCheck %s --check-prefix=SM80
// RUN: not g4-opt --g4-lower-to-kernels %s 2>&1 | FileCheck %s --check-prefix=NOARCH
// RUN: not g4-opt --split-input-file --g4-lower-to-kernels %s 2>&1 | FileCheck %s --check-prefix=UNANNOTATED

// NOARCH: error: g4-lower-to-kernels: no target architecture (g4k.arch): run g4-select-tiles first

// A projection becomes a dispatch that binds its input and weight, holds the
// g4.linear, one launch per regime (decode GEMV variants, verify splitMma
// tiles and splitWgmma, long-prefill GEMMs) and yields its result; the
// annotation and the module's g4k.arch are gone.

// CHECK-LABEL: module @projection {
// CHECK: func.func @forward(%[[X:.+]]: tensor<?x64xf32>, %[[W:.+]]: tensor<128x64xbf16>)
// CHECK: %[[Y:.+]] = g4k.dispatch "sm_90a"(%[[X]], %[[W]]) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
// CHECK-NEXT: ^bb0(%[[A:.+]]: tensor<?x64xf32>, %[[B:.+]]: tensor<128x64xbf16>):
// CHECK-NEXT: %[[R:.+]] = g4.linear %[[A]], %[[B]] : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
// CHECK-NEXT: g4k.launch "gemv" "g4k::gemv<1, g4k::PlainEpilogue>" rows 1 to 1 {tile_tokens = 1 : i64}
// CHECK-NEXT: g4k.launch "gemv" "g4k::gemv<2, g4k::PlainEpilogue>" rows 2 to 2 {tile_tokens = 2 : i64}
// CHECK-NEXT: g4k.launch "gemv" "g4k::gemv<4, g4k::PlainEpilogue>" rows 3 to 4 {tile_tokens = 4 : i64}
// CHECK-NEXT: g4k.launch "split_mma" "g4k::splitMma<16, g4k::PlainEpilogue>" rows 5 to 16 {tile_tokens = 16 : i64}
// CHECK-NEXT: g4k.launch "split_wgmma" "g4k::splitWgmma<g4k::PlainEpilogue>" rows 17 to 64 {shared_bytes = 99328 : i64, tile_tokens = 64 : i64}
// CHECK-NEXT: g4k.launch "cublaslt_split" "cublasLt" rows 65 to 511
// CHECK-NEXT: g4k.launch "cublaslt_f16" "cublasLt" rows 512 and above
// CHECK-NEXT: g4k.yield %[[R]] : tensor<?x128xf32>
// CHECK: return %[[Y]]
module @projection {
  func.func @forward(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
    %y = g4.linear %x, %w : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    return %y : tensor<?x128xf32>
  }
}

// -----

// Sibling projections: the dispatch binds the input and the three weights and
// has the op's three results.

// CHECK-LABEL: module @multi_linear {
// CHECK: func.func @forward(%[[X:.+]]: tensor<?x64xf32>, %[[WQ:.+]]: tensor<128x64xbf16>, %[[WK:.+]]: tensor<32x64xbf16>, %[[WV:.+]]: tensor<32x64xbf16>)
// CHECK: %[[QKV:.+]]:3 = g4k.dispatch "sm_90a"(%[[X]], %[[WQ]], %[[WK]], %[[WV]]) : (tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>) -> (tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
// CHECK-NEXT: ^bb0(%[[A:.+]]: tensor<?x64xf32>, %[[B:.+]]: tensor<128x64xbf16>, %[[C:.+]]: tensor<32x64xbf16>, %[[D:.+]]: tensor<32x64xbf16>):
// CHECK-NEXT: %[[R:.+]]:3 = g4.multi_linear %[[A]], %[[B]], %[[C]], %[[D]]
// CHECK-NEXT: g4k.launch "gemv" "g4k::gemv<1, g4k::PlainEpilogue>" rows 1 to 1 {tile_tokens = 1 : i64}
// CHECK: g4k.launch "cublaslt_split" "cublasLt" rows 65 to 511
// CHECK-NEXT: g4k.launch "cublaslt_f16" "cublasLt" rows 512 and above
// CHECK-NEXT: g4k.yield %[[R]]#0, %[[R]]#1, %[[R]]#2 : tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>
// CHECK: return %[[QKV]]#0, %[[QKV]]#1, %[[QKV]]#2
module @multi_linear {
  func.func @forward(%x: tensor<?x64xf32>, %wq: tensor<128x64xbf16>, %wk: tensor<32x64xbf16>, %wv: tensor<32x64xbf16>)
      -> (tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
    %q, %k, %v = g4.multi_linear %x, %wq, %wk, %wv
        : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16>
        -> tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>
    return %q, %k, %v : tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>
  }
}

// -----

// The per-layer-input gate: the dispatch binds the input, the weight and the
// side input, its GEMV launches gate in their epilogue.

// CHECK-LABEL: module @slice_gated_linear {
// CHECK: func.func @forward(%[[X:.+]]: tensor<?x64xf32>, %[[W:.+]]: tensor<16x64xbf16>, %[[PLE:.+]]: tensor<?x96xf32>)
// CHECK: %[[Y:.+]] = g4k.dispatch "sm_90a"(%[[X]], %[[W]], %[[PLE]]) : (tensor<?x64xf32>, tensor<16x64xbf16>, tensor<?x96xf32>) -> tensor<?x16xf32> {
// CHECK-NEXT: ^bb0(%[[A:.+]]: tensor<?x64xf32>, %[[B:.+]]: tensor<16x64xbf16>, %[[C:.+]]: tensor<?x96xf32>):
// CHECK-NEXT: %[[R:.+]] = g4.slice_gated_linear %[[A]], %[[B]], %[[C]] {offset = 32 : i64}
// CHECK-NEXT: g4k.launch "gemv" "g4k::gemv<1, g4k::GeluTanhSliceEpilogue>" rows 1 to 1 {tile_tokens = 1 : i64}
// CHECK: g4k.launch "split_mma" "g4k::splitMma<16, g4k::PlainEpilogue>" rows 5 to 16 {tile_tokens = 16 : i64}
// CHECK: g4k.launch "cublaslt_split" "cublasLt" rows 65 to 511
// CHECK-NEXT: g4k.launch "cublaslt_f16" "cublasLt" rows 512 and above
// CHECK-NEXT: g4k.yield %[[R]] : tensor<?x16xf32>
// CHECK: return %[[Y]]
module @slice_gated_linear {
  func.func @forward(%x: tensor<?x64xf32>, %w: tensor<16x64xbf16>, %ple: tensor<?x96xf32>) -> tensor<?x16xf32> {
    %y = g4.slice_gated_linear %x, %w, %ple {offset = 32 : i64}
        : tensor<?x64xf32>, tensor<16x64xbf16>, tensor<?x96xf32> -> tensor<?x16xf32>
    return %y : tensor<?x16xf32>
  }
}

// -----

// Attention of head_dim 256 and 512: per regime (decode, verify, long
// prefill) the launches of its variants with their tiles, a conditional one
// ("if rows_per_tile > 16") followed by the one serving the regime's other
// steps; the architecture is the dispatch's.

// CHECK-LABEL: module @attention
// CHECK: g4k.dispatch "sm_90a"
// CHECK: g4.attention
// CHECK-NEXT: g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 1 to 4 {shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64}
// CHECK-NEXT: g4k.launch "attention_mma" "g4k::attentionMma<256, 2, 8>" rows 5 to 64 if rows_per_tile > 16 {shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64}
// CHECK-NEXT: g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 5 to 64
// CHECK-NEXT: g4k.launch "attention_mma" "g4k::attentionMma<256, 2, 8>" rows 65 and above if rows_per_tile > 16
// CHECK-NEXT: g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 65 and above
// CHECK-NEXT: g4k.yield
// CHECK: g4k.dispatch "sm_90a"
// CHECK: g4.attention
// CHECK-NEXT: g4k.launch "attention_mma" "g4k::attentionMma<512, 8, 4>" rows 1 to 4 if rows_per_tile > 16 {shared_bytes = 206848 : i64, tile_rows = 64 : i64, tile_tokens = 8 : i64}
// CHECK-NEXT: g4k.launch "attention_mma_decode" "g4k::attentionMma<512, 8, 1>" rows 1 to 4 {shared_bytes = 152192 : i64, tile_rows = 16 : i64, tile_tokens = 2 : i64}
// SM80-LABEL: module @attention
// SM80: g4k.dispatch "sm_80"
// SM80: g4.attention
// SM80-NEXT: g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 1 to 4
// SM80-NEXT: g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 5 to 64
// SM80-NEXT: g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 65 and above
// SM80-NEXT: g4k.yield
module @attention {
  func.func @forward(%q: tensor<?x1024xf32>, %k: tensor<?x512xf32>, %fq: tensor<?x4096xf32>,
                     %pos: tensor<?xi32>) -> (tensor<?x1024xf32>, tensor<?x4096xf32>) {
    %s = g4.attention %q, %pos, %k, %k {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<sliding>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
           head_dim = 256 : i64, window = 512 : i64, scale = 1.0 : f32}
        : tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x1024xf32>
    %f = g4.attention %fq, %pos, %k, %k {layer = 1 : i64, cache_layer = 1 : i64,
           kind = #g4.attention_kind<full>, num_heads = 8 : i64, num_kv_heads = 1 : i64,
           head_dim = 512 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x4096xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x4096xf32>
    return %s, %f : tensor<?x1024xf32>, tensor<?x4096xf32>
  }
}

// -----

// Ops without kernel choices (norms, elementwise) stay as they are.

// CHECK-LABEL: module @elementwise
// CHECK-NOT: g4k.dispatch
// CHECK: g4.add
module @elementwise {
  func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
    %y = g4.add %x, %x : tensor<?x64xf32>
    return %y : tensor<?x64xf32>
  }
}

// -----

// An op that needs kernel choices but was not annotated is an error (checked
// without g4-select-tiles, which would annotate it).

// UNANNOTATED: error: 'g4.linear' op has no kernel choices (g4k.tiles): run g4-select-tiles first
module @unannotated attributes {g4k.arch = "sm_90a"} {
  func.func @forward(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
    %y = g4.linear %x, %w : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    return %y : tensor<?x128xf32>
  }
}
