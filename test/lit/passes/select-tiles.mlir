// RUN: g4-opt --split-input-file --verify-diagnostics --g4-select-tiles %s | FileCheck %s
// RUN: g4-opt --split-input-file --verify-diagnostics --g4-select-tiles="gemv-max-tokens=8 stacked-max-rows=32 attention-tile-rows=32" %s | FileCheck %s --check-prefix=OPTS
// RUN: g4-opt --split-input-file --verify-diagnostics --g4-select-tiles=arch=sm_80 %s | FileCheck %s --check-prefix=SM80
// RUN: g4-opt --split-input-file --verify-diagnostics --g4-select-tiles=half-gemm-min-rows=0 %s | FileCheck %s --check-prefix=HALF0
// RUN: g4-opt --split-input-file --verify-diagnostics --g4-select-tiles=half-gemm-min-rows=20 %s | FileCheck %s --check-prefix=HALF20
// RUN: not g4-opt --split-input-file --g4-select-tiles=arch=sm_89 %s 2>&1 | FileCheck %s --check-prefix=SM89
// RUN: not g4-opt --split-input-file --g4-select-tiles=arch=sm_89 %s 2>/dev/null | FileCheck %s --check-prefix=SM89IR
// RUN: not g4-opt --g4-select-tiles=arch=sm_75 %s 2>&1 | FileCheck %s --check-prefix=ARCH

// ARCH: error: g4-select-tiles: unknown arch 'sm_75' (supported: sm_80, sm_89, sm_90a, sm_100a)

// Projections: the smallest GEMV variant per decode row count (the epilogue
// from the op), in the verify regime splitMma's 16-token tile up to 16 rows and
// splitWgmma above (sm_90a; elsewhere splitMma's smallest token tile up to 32
// rows and the stacked split GEMM above), two split GEMMs in long prefill up
// to 511 rows and one f16 GEMM from 512 (LmHead: split GEMMs, its rows are
// the sampled ones). The module records the target.

// CHECK-LABEL: module @projections attributes {g4k.arch = "sm_90a"}
// CHECK: g4.linear {{.*}}g4k.tiles = [
// CHECK-SAME: {family = "gemv", kernel = "g4k::gemv<1, g4k::PlainEpilogue>", max_rows = 1 : i64, min_rows = 1 : i64, tile_tokens = 1 : i64},
// CHECK-SAME: {family = "gemv", kernel = "g4k::gemv<2, g4k::PlainEpilogue>", max_rows = 2 : i64, min_rows = 2 : i64, tile_tokens = 2 : i64},
// CHECK-SAME: {family = "gemv", kernel = "g4k::gemv<4, g4k::PlainEpilogue>", max_rows = 4 : i64, min_rows = 3 : i64, tile_tokens = 4 : i64},
// CHECK-SAME: {family = "split_mma", kernel = "g4k::splitMma<16, g4k::PlainEpilogue>", max_rows = 16 : i64, min_rows = 5 : i64, tile_tokens = 16 : i64},
// CHECK-SAME: {family = "split_wgmma", kernel = "g4k::splitWgmma<g4k::PlainEpilogue>", max_rows = 64 : i64, min_rows = 17 : i64, shared_bytes = 99328 : i64, tile_tokens = 64 : i64},
// CHECK-SAME: {family = "cublaslt_split", kernel = "cublasLt", max_rows = 511 : i64, min_rows = 65 : i64},
// CHECK-SAME: {family = "cublaslt_f16", kernel = "cublasLt", min_rows = 512 : i64}]
// CHECK: g4.gated_linear {{.*}}kernel = "g4k::gemv<1, g4k::GeluTanhGateEpilogue>"
// CHECK-SAME: kernel = "g4k::splitMma<16, g4k::GeluTanhGateEpilogue>"
// CHECK-SAME: kernel = "g4k::splitWgmma<g4k::GeluTanhGateEpilogue>"
// CHECK-SAME: {family = "cublaslt_f16", kernel = "cublasLt", min_rows = 512 : i64}]
// CHECK: g4.lm_head {{.*}}kernel = "g4k::gemv<1, g4k::SoftcapEpilogue>"
// CHECK-SAME: kernel = "g4k::splitMma<16, g4k::SoftcapEpilogue>"
// CHECK-SAME: kernel = "g4k::splitWgmma<g4k::SoftcapEpilogue>"
// CHECK-SAME: {family = "cublaslt_split", kernel = "cublasLt", min_rows = 65 : i64}]
// With half-gemm-min-rows=0 no f16 GEMM; with 20 it takes every step from 20
// rows, the verify regime's kernels the rest.
// HALF0-LABEL: module @projections
// HALF0: g4.linear {{.*}}{family = "cublaslt_split", kernel = "cublasLt", min_rows = 65 : i64}]
// HALF0-NOT: cublaslt_f16
// HALF20-LABEL: module @projections
// HALF20: g4.linear {{.*}}{family = "split_wgmma", kernel = "g4k::splitWgmma<g4k::PlainEpilogue>", max_rows = 19 : i64, min_rows = 17 : i64, shared_bytes = 99328 : i64, tile_tokens = 64 : i64},
// HALF20-SAME: {family = "cublaslt_f16", kernel = "cublasLt", min_rows = 20 : i64}]
// HALF20: g4.lm_head {{.*}}{family = "cublaslt_split", kernel = "cublasLt", min_rows = 65 : i64}]
// No wgmma before sm_90a: the stacked split GEMM above splitMma.
// SM80-LABEL: module @projections attributes {g4k.arch = "sm_80"}
// SM80: g4.linear {{.*}}kernel = "g4k::splitMma<16, g4k::PlainEpilogue>", max_rows = 16 : i64, min_rows = 5 : i64, tile_tokens = 16 : i64},
// SM80-SAME: {family = "split_mma", kernel = "g4k::splitMma<32, g4k::PlainEpilogue>", max_rows = 32 : i64, min_rows = 17 : i64, tile_tokens = 32 : i64},
// SM80-SAME: {family = "cublaslt_split_stacked", kernel = "cublasLt", max_rows = 64 : i64, min_rows = 33 : i64},
// SM80-SAME: {family = "cublaslt_split", kernel = "cublasLt", max_rows = 511 : i64, min_rows = 65 : i64},
// SM80-SAME: {family = "cublaslt_f16", kernel = "cublasLt", min_rows = 512 : i64}]
// SM80-NOT: split_wgmma
// With gemv-max-tokens=8 the decode regime takes gemv<8> for 5 to 8 rows;
// splitMma and splitWgmma serve the rest of the verify regime, up to stacked-max-rows.
// OPTS-LABEL: module @projections
// OPTS: g4.linear {{.*}}kernel = "g4k::gemv<8, g4k::PlainEpilogue>", max_rows = 8 : i64, min_rows = 5 : i64, tile_tokens = 8 : i64},
// OPTS-SAME: {family = "split_mma", kernel = "g4k::splitMma<16, g4k::PlainEpilogue>", max_rows = 16 : i64, min_rows = 9 : i64, tile_tokens = 16 : i64},
// OPTS-SAME: {family = "split_wgmma", kernel = "g4k::splitWgmma<g4k::PlainEpilogue>", max_rows = 32 : i64, min_rows = 17 : i64, shared_bytes = 99328 : i64, tile_tokens = 64 : i64},
// OPTS-SAME: {family = "cublaslt_split", kernel = "cublasLt", max_rows = 511 : i64, min_rows = 33 : i64},
// OPTS-SAME: {family = "cublaslt_f16", kernel = "cublasLt", min_rows = 512 : i64}]
module @projections {
  func.func @forward(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>, %g: tensor<96x64xbf16>, %u: tensor<96x64xbf16>,
                     %table: tensor<512x64xbf16>) -> (tensor<?x128xf32>, tensor<?x96xf32>, tensor<?x512xf32>) {
    %y = g4.linear %x, %w : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    %h = g4.gated_linear %x, %g, %u : tensor<?x64xf32>, tensor<96x64xbf16> -> tensor<?x96xf32>
    %l = g4.lm_head %x, %table {softcap = 30.0 : f32} : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
    return %y, %h, %l : tensor<?x128xf32>, tensor<?x96xf32>, tensor<?x512xf32>
  }
}

// -----

// Sibling projections (q, k, v): Linear's choices, the GEMV then running over
// their concatenated rows and the other paths one projection after the other.

// CHECK-LABEL: module @multi_linear
// CHECK: g4.multi_linear {{.*}}g4k.tiles = [
// CHECK-SAME: {family = "gemv", kernel = "g4k::gemv<1, g4k::PlainEpilogue>", max_rows = 1 : i64, min_rows = 1 : i64, tile_tokens = 1 : i64},
// CHECK-SAME: {family = "gemv", kernel = "g4k::gemv<2, g4k::PlainEpilogue>", max_rows = 2 : i64, min_rows = 2 : i64, tile_tokens = 2 : i64},
// CHECK-SAME: {family = "gemv", kernel = "g4k::gemv<4, g4k::PlainEpilogue>", max_rows = 4 : i64, min_rows = 3 : i64, tile_tokens = 4 : i64},
// CHECK-SAME: {family = "split_mma", kernel = "g4k::splitMma<16, g4k::PlainEpilogue>", max_rows = 16 : i64, min_rows = 5 : i64, tile_tokens = 16 : i64},
// CHECK-SAME: {family = "split_wgmma", kernel = "g4k::splitWgmma<g4k::PlainEpilogue>", max_rows = 64 : i64, min_rows = 17 : i64, shared_bytes = 99328 : i64, tile_tokens = 64 : i64},
// CHECK-SAME: {family = "cublaslt_split", kernel = "cublasLt", max_rows = 511 : i64, min_rows = 65 : i64},
// CHECK-SAME: {family = "cublaslt_f16", kernel = "cublasLt", min_rows = 512 : i64}]
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

// The per-layer-input gate: its gating by the slice in the GEMV's epilogue
// at decode; the plain projection (the backend gates after it) above.

// CHECK-LABEL: module @slice_gated_linear
// CHECK: g4.slice_gated_linear {{.*}}g4k.tiles = [
// CHECK-SAME: {family = "gemv", kernel = "g4k::gemv<1, g4k::GeluTanhSliceEpilogue>", max_rows = 1 : i64, min_rows = 1 : i64, tile_tokens = 1 : i64},
// CHECK-SAME: {family = "gemv", kernel = "g4k::gemv<2, g4k::GeluTanhSliceEpilogue>", max_rows = 2 : i64, min_rows = 2 : i64, tile_tokens = 2 : i64},
// CHECK-SAME: {family = "gemv", kernel = "g4k::gemv<4, g4k::GeluTanhSliceEpilogue>", max_rows = 4 : i64, min_rows = 3 : i64, tile_tokens = 4 : i64},
// CHECK-SAME: {family = "split_mma", kernel = "g4k::splitMma<16, g4k::PlainEpilogue>", max_rows = 16 : i64, min_rows = 5 : i64, tile_tokens = 16 : i64},
// CHECK-SAME: {family = "split_wgmma", kernel = "g4k::splitWgmma<g4k::PlainEpilogue>", max_rows = 64 : i64, min_rows = 17 : i64, shared_bytes = 99328 : i64, tile_tokens = 64 : i64},
// CHECK-SAME: {family = "cublaslt_split", kernel = "cublasLt", max_rows = 511 : i64, min_rows = 65 : i64},
// CHECK-SAME: {family = "cublaslt_f16", kernel = "cublasLt", min_rows = 512 : i64}]
module @slice_gated_linear {
  func.func @forward(%x: tensor<?x64xf32>, %w: tensor<16x64xbf16>, %ple: tensor<?x96xf32>) -> tensor<?x16xf32> {
    %y = g4.slice_gated_linear %x, %w, %ple {offset = 32 : i64}
        : tensor<?x64xf32>, tensor<16x64xbf16>, tensor<?x96xf32> -> tensor<?x16xf32>
    return %y : tensor<?x16xf32>
  }
}

// -----

// Input features not a multiple of 8 (splitMma's 16-byte loads): the stacked
// split GEMM serves the verify regime.

// CHECK-LABEL: module @odd_input
// CHECK: g4.linear {{.*}}kernel = "g4k::gemv<4, g4k::PlainEpilogue>", max_rows = 4 : i64, min_rows = 3 : i64, tile_tokens = 4 : i64},
// CHECK-SAME: {family = "cublaslt_split_stacked", kernel = "cublasLt", max_rows = 64 : i64, min_rows = 5 : i64},
// CHECK-SAME: {family = "cublaslt_split", kernel = "cublasLt", max_rows = 511 : i64, min_rows = 65 : i64},
// CHECK-SAME: {family = "cublaslt_f16", kernel = "cublasLt", min_rows = 512 : i64}]
module @odd_input {
  func.func @forward(%x: tensor<?x68xf32>, %w: tensor<128x68xbf16>) -> tensor<?x128xf32> {
    %y = g4.linear %x, %w : tensor<?x68xf32>, tensor<128x68xbf16> -> tensor<?x128xf32>
    return %y : tensor<?x128xf32>
  }
}

// -----

// Attention of head_dim 256 (sliding, 2 query heads per KV head) and 512
// (full, 8 per KV head) in the decode, verify and long-prefill regimes. On
// sm_90a every variant fits: the tensor-core prefill tiles serve the steps
// whose tiles average more than 16 query rows (rows_per_tile_above), the
// decode blocks the others, and alone where no step can (decode at group 2:
// 4 rows x 2). sm_80 (163 KB) lacks the prefill tiles' ~205 KB: the decode
// blocks serve every step; sm_89 (99 KB) lacks both: the SIMT kernel does.

// CHECK-LABEL: module @attention
// CHECK: g4.attention {{.*}}g4k.tiles = [
// CHECK-SAME: {family = "attention_mma_decode", kernel = "g4k::attentionMma<256, 2, 1>", max_rows = 4 : i64, min_rows = 1 : i64, shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64},
// CHECK-SAME: {family = "attention_mma", kernel = "g4k::attentionMma<256, 2, 8>", max_rows = 64 : i64, min_rows = 5 : i64, rows_per_tile_above = 16 : i64, shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64},
// CHECK-SAME: {family = "attention_mma_decode", kernel = "g4k::attentionMma<256, 2, 1>", max_rows = 64 : i64, min_rows = 5 : i64, shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64},
// CHECK-SAME: {family = "attention_mma", kernel = "g4k::attentionMma<256, 2, 8>", min_rows = 65 : i64, rows_per_tile_above = 16 : i64, shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64},
// CHECK-SAME: {family = "attention_mma_decode", kernel = "g4k::attentionMma<256, 2, 1>", min_rows = 65 : i64, shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64}]
// CHECK: g4.attention {{.*}}g4k.tiles = [
// CHECK-SAME: {family = "attention_mma", kernel = "g4k::attentionMma<512, 8, 4>", max_rows = 4 : i64, min_rows = 1 : i64, rows_per_tile_above = 16 : i64, shared_bytes = 206848 : i64, tile_rows = 64 : i64, tile_tokens = 8 : i64},
// CHECK-SAME: {family = "attention_mma_decode", kernel = "g4k::attentionMma<512, 8, 1>", max_rows = 4 : i64, min_rows = 1 : i64, shared_bytes = 152192 : i64, tile_rows = 16 : i64, tile_tokens = 2 : i64},
// CHECK-SAME: min_rows = 65 : i64, shared_bytes = 152192 : i64, tile_rows = 16 : i64, tile_tokens = 2 : i64}]
// With attention-tile-rows=32 no decode step of 8 rows x 2 can exceed it.
// OPTS-LABEL: module @attention
// OPTS: g4.attention {{.*}}g4k.tiles = [
// OPTS-SAME: {family = "attention_mma_decode", kernel = "g4k::attentionMma<256, 2, 1>", max_rows = 8 : i64, min_rows = 1 : i64,
// OPTS-SAME: {family = "attention_mma", kernel = "g4k::attentionMma<256, 2, 8>", max_rows = 32 : i64, min_rows = 9 : i64, rows_per_tile_above = 32 : i64,
// SM80-LABEL: module @attention attributes {g4k.arch = "sm_80"}
// SM80: g4.attention {{.*}}g4k.tiles = [{family = "attention_mma_decode", kernel = "g4k::attentionMma<256, 2, 1>", max_rows = 4 : i64, min_rows = 1 : i64, shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64},
// SM80-SAME: {family = "attention_mma_decode", kernel = "g4k::attentionMma<256, 2, 1>", max_rows = 64 : i64, min_rows = 5 : i64,
// SM80-SAME: {family = "attention_mma_decode", kernel = "g4k::attentionMma<256, 2, 1>", min_rows = 65 : i64,
// SM80: g4.attention {{.*}}g4k.tiles = [{family = "attention_mma_decode", kernel = "g4k::attentionMma<512, 8, 1>", max_rows = 4 : i64, min_rows = 1 : i64, shared_bytes = 152192 : i64, tile_rows = 16 : i64, tile_tokens = 2 : i64},
// SM89IR-LABEL: module @attention attributes {g4k.arch = "sm_89"}
// SM89IR: g4.attention {{.*}}g4k.tiles = [
// SM89IR-SAME: {family = "attention", kernel = "g4k::attention<256, 2>", max_rows = 4 : i64, min_rows = 1 : i64, shared_bytes = 49408 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64},
// SM89IR-SAME: {family = "attention", kernel = "g4k::attention<256, 2>", max_rows = 64 : i64, min_rows = 5 : i64,
// SM89IR-SAME: {family = "attention", kernel = "g4k::attention<256, 2>", min_rows = 65 : i64,
// SM89IR: g4.attention {{.*}}g4k.tiles = [
// SM89IR-SAME: {family = "attention", kernel = "g4k::attention<512, 8>", max_rows = 4 : i64, min_rows = 1 : i64, shared_bytes = 98560 : i64, tile_rows = 16 : i64, tile_tokens = 2 : i64},
module @attention {
  func.func @forward(%q: tensor<?x1024xf32>, %k: tensor<?x512xf32>, %fq: tensor<?x4096xf32>, %fk: tensor<?x512xf32>,
                     %pos: tensor<?xi32>) -> (tensor<?x1024xf32>, tensor<?x4096xf32>) {
    %s = g4.attention %q, %pos, %k, %k {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<sliding>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
           head_dim = 256 : i64, window = 512 : i64, scale = 1.0 : f32}
        : tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x1024xf32>
    %f = g4.attention %fq, %pos, %fk, %fk {layer = 1 : i64, cache_layer = 1 : i64,
           kind = #g4.attention_kind<full>, num_heads = 8 : i64, num_kv_heads = 1 : i64,
           head_dim = 512 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x4096xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x4096xf32>
    return %s, %f : tensor<?x1024xf32>, tensor<?x4096xf32>
  }
}

// -----

// A head_dim-512 layer with 32 query heads per KV head: no decode blocks
// (16 rows); on sm_90a the prefill tiles (64 rows, 2 tokens) serve every
// step. The SIMT kernel's 32-row tiles (131328 bytes) fit sm_80 (163 KB),
// not sm_89 (99 KB), where the op is rejected.

// CHECK-LABEL: module @wide_group
// CHECK: g4.attention {{.*}}g4k.tiles = [
// CHECK-SAME: {family = "attention_mma", kernel = "g4k::attentionMma<512, 32, 4>", max_rows = 4 : i64, min_rows = 1 : i64, shared_bytes = 206848 : i64, tile_rows = 64 : i64, tile_tokens = 2 : i64},
// CHECK-SAME: {family = "attention_mma", kernel = "g4k::attentionMma<512, 32, 4>", max_rows = 64 : i64, min_rows = 5 : i64,
// CHECK-SAME: {family = "attention_mma", kernel = "g4k::attentionMma<512, 32, 4>", min_rows = 65 : i64,
// SM80-LABEL: module @wide_group
// SM80: kernel = "g4k::attention<512, 32>", max_rows = 4 : i64, min_rows = 1 : i64, shared_bytes = 131328 : i64, tile_rows = 32 : i64, tile_tokens = 1 : i64
// SM89: error: 'g4.attention' op needs 131328 bytes of shared memory per block for g4k::attention<512, 32> in the decode regime; sm_89 allows 101376
module @wide_group {
  func.func @forward(%q: tensor<?x16384xf32>, %k: tensor<?x512xf32>, %pos: tensor<?xi32>) -> tensor<?x16384xf32> {
    %o = g4.attention %q, %pos, %k, %k {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 32 : i64, num_kv_heads = 1 : i64,
           head_dim = 512 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x16384xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x16384xf32>
    return %o : tensor<?x16384xf32>
  }
}

// -----

// MoE: the router's logits projection takes the projection choices; the
// experts run as kernels below 512 (token, expert) entries (64 tokens at
// top-8) and from there all in splitWgmma's tiles (sm_90a, whatever
// half-gemm-min-rows says).

// CHECK-LABEL: module @moe
// CHECK: g4.moe_router {{.*}}kernel = "g4k::gemv<1, g4k::PlainEpilogue>"
// CHECK: g4.moe_experts {{.*}}g4k.tiles = [
// CHECK-SAME: {family = "moe_experts", kernel = "g4k::moeGateUp", max_rows = 63 : i64, min_rows = 1 : i64},
// CHECK-SAME: {family = "moe_experts_wgmma", kernel = "g4k::moeSplitWgmma<g4k::GeluTanhGateEpilogue>", min_rows = 64 : i64, shared_bytes = 99328 : i64, tile_tokens = 64 : i64}]
// Without wgmma (sm_80), per-expert cuBLASLt GEMMs instead of splitWgmma's
// tiles, on f16 copies from half-gemm-min-rows (512; 20: from 20 rows).
// SM80-LABEL: module @moe
// SM80: g4.moe_experts {{.*}}{family = "moe_experts_cublaslt", kernel = "cublasLt", max_rows = 511 : i64, min_rows = 64 : i64},
// SM80-SAME: {family = "moe_experts_cublaslt_f16", kernel = "cublasLt", min_rows = 512 : i64}]
// HALF20-LABEL: module @moe
// HALF20: g4.moe_experts {{.*}}{family = "moe_experts_wgmma", kernel = "g4k::moeSplitWgmma<g4k::GeluTanhGateEpilogue>", min_rows = 64 : i64, shared_bytes = 99328 : i64, tile_tokens = 64 : i64}]
module @moe {
  func.func @forward(%x: tensor<?x64xf32>, %proj: tensor<16x64xbf16>, %scale: tensor<64xbf16>,
                     %pes: tensor<16xbf16>, %gate_up: tensor<16x64x64xbf16>,
                     %down: tensor<16x64x32xbf16>) -> tensor<?x64xf32> {
    %w, %ids = g4.moe_router %x, %proj, %scale, %pes {top_k = 8 : i64, eps = 1.0e-06 : f32}
        : tensor<?x64xf32>, tensor<16x64xbf16>, tensor<64xbf16>, tensor<16xbf16> -> tensor<?x8xf32>, tensor<?x8xi32>
    %y = g4.moe_experts %x, %w, %ids, %gate_up, %down
        : tensor<?x64xf32>, tensor<?x8xf32>, tensor<?x8xi32>, tensor<16x64x64xbf16>, tensor<16x64x32xbf16>
          -> tensor<?x64xf32>
    return %y : tensor<?x64xf32>
  }
}

// -----

// head_dim 40, a multiple of 8 but not of 16 (the tensor cores' k step): the
// SIMT kernel, on sm_90a too.

// CHECK-LABEL: module @simt_head_dim
// CHECK: g4.attention {{.*}}g4k.tiles = [
// CHECK-SAME: {family = "attention", kernel = "g4k::attention<40, 2>", max_rows = 4 : i64, min_rows = 1 : i64, shared_bytes = 7936 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64},
module @simt_head_dim {
  func.func @forward(%q: tensor<?x80xf32>, %k: tensor<?x40xf32>, %pos: tensor<?xi32>) -> tensor<?x80xf32> {
    %o = g4.attention %q, %pos, %k, %k {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 2 : i64, num_kv_heads = 1 : i64,
           head_dim = 40 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x80xf32>, tensor<?xi32>, tensor<?x40xf32>, tensor<?x40xf32> -> tensor<?x80xf32>
    return %o : tensor<?x80xf32>
  }
}

// -----

// The CUDA attention kernels read K/V in 16-byte chunks: head_dim must be a
// multiple of 8.

module @odd_head_dim {
  func.func @forward(%q: tensor<?x80xf32>, %k: tensor<?x20xf32>, %pos: tensor<?xi32>) -> tensor<?x80xf32> {
    // expected-error @+1 {{head_dim 20 is not a multiple of 8, which the CUDA attention kernels need}}
    %o = g4.attention %q, %pos, %k, %k {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 1 : i64,
           head_dim = 20 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x80xf32>, tensor<?xi32>, tensor<?x20xf32>, tensor<?x20xf32> -> tensor<?x80xf32>
    return %o : tensor<?x80xf32>
  }
}
