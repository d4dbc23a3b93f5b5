// RUN: g4-opt --split-input-file --verify-diagnostics %s

// A launch names a known kernel family.
func.func @family_unknown(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    // expected-error @+1 {{unknown kernel family "cutlass" (known: gemv, cublaslt_split_stacked, cublaslt_split, attention, moe_experts, moe_experts_cublaslt, split_mma, attention_mma, attention_mma_decode, split_wgmma, cublaslt_f16, moe_experts_cublaslt_f16, moe_experts_wgmma)}}
    g4k.launch "cutlass" "cutlass::gemm" rows 1 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// An NVRTC family's kernel is one of its name expressions.
func.func @kernel_of_other_family(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    // expected-error @+1 {{kernel "g4k::attention<256, 2>" is not of family "gemv" (expected a name expression starting with "g4k::gemv<")}}
    g4k.launch "gemv" "g4k::attention<256, 2>" rows 1 and above {tile_tokens = 1 : i64}
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// A library family's kernel is the library.
func.func @library_mismatch(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    // expected-error @+1 {{kernel "cublas" is not of family "cublaslt_split" (expected "cublasLt")}}
    g4k.launch "cublaslt_split" "cublas" rows 1 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// Row counts start at 1.
func.func @min_rows_zero(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    // expected-error @+1 {{expects min_rows >= 1, found 0}}
    g4k.launch "cublaslt_split" "cublasLt" rows 0 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// A regime is not empty.
func.func @rows_reversed(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    // expected-error @+1 {{expects max_rows >= min_rows 4, found 2}}
    g4k.launch "cublaslt_split" "cublasLt" rows 4 to 2
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// GEMV and attention launches have a tile.
func.func @gemv_without_tile(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    // expected-error @+1 {{expects a tile of at least one token for family "gemv", found 0}}
    g4k.launch "gemv" "g4k::gemv<1, g4k::PlainEpilogue>" rows 1 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// A family runs only the ops it computes.
func.func @family_for_other_op(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    // expected-error @+1 {{family "attention" cannot run g4.linear}}
    g4k.launch "attention" "g4k::attention<256, 2>" rows 1 and above {tile_tokens = 8 : i64}
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// A tile's shared memory fits the architecture: 131328 bytes exceed sm_89's 99 KB.
func.func @shared_memory_exceeds_arch(%q: tensor<?x16384xf32>, %k: tensor<?x512xf32>, %pos: tensor<?xi32>)
    -> tensor<?x16384xf32> {
  %o = g4k.dispatch "sm_89"(%q, %pos, %k) : (tensor<?x16384xf32>, tensor<?xi32>, tensor<?x512xf32>)
      -> tensor<?x16384xf32> {
  ^bb0(%a: tensor<?x16384xf32>, %p: tensor<?xi32>, %b: tensor<?x512xf32>):
    %r = g4.attention %a, %p, %b, %b {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 32 : i64, num_kv_heads = 1 : i64,
           head_dim = 512 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x16384xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x16384xf32>
    // expected-error @+1 {{needs 131328 bytes of shared memory per block, sm_89 allows 101376}}
    g4k.launch "attention" "g4k::attention<512, 32>" rows 1 and above
        {shared_bytes = 131328 : i64, tile_rows = 32 : i64, tile_tokens = 1 : i64}
    g4k.yield %r : tensor<?x16384xf32>
  }
  return %o : tensor<?x16384xf32>
}

// -----

// An attention launch is its variant's instance for the op's head_dim and
// group, with that instance's tile.
func.func @attention_instance_mismatch(%q: tensor<?x1024xf32>, %k: tensor<?x512xf32>, %pos: tensor<?xi32>)
    -> tensor<?x1024xf32> {
  %o = g4k.dispatch "sm_90a"(%q, %pos, %k) : (tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>)
      -> tensor<?x1024xf32> {
  ^bb0(%a: tensor<?x1024xf32>, %p: tensor<?xi32>, %b: tensor<?x512xf32>):
    %r = g4.attention %a, %p, %b, %b {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
           head_dim = 256 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x1024xf32>
    // expected-error @+1 {{expects "g4k::attentionMma<256, 2, 1>" with tile_tokens 8, tile_rows 16 and shared_bytes 144512 for head_dim 256 and group 2, found "g4k::attentionMma<256, 2, 8>" with 64, 128 and 205312}}
    g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 8>" rows 1 and above
        {shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64}
    g4k.yield %r : tensor<?x1024xf32>
  }
  return %o : tensor<?x1024xf32>
}

// -----

// A variant exists for the op's shape: no decode blocks hold 32 query heads per KV head.
func.func @attention_variant_missing(%q: tensor<?x16384xf32>, %k: tensor<?x512xf32>, %pos: tensor<?xi32>)
    -> tensor<?x16384xf32> {
  %o = g4k.dispatch "sm_90a"(%q, %pos, %k) : (tensor<?x16384xf32>, tensor<?xi32>, tensor<?x512xf32>)
      -> tensor<?x16384xf32> {
  ^bb0(%a: tensor<?x16384xf32>, %p: tensor<?xi32>, %b: tensor<?x512xf32>):
    %r = g4.attention %a, %p, %b, %b {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 32 : i64, num_kv_heads = 1 : i64,
           head_dim = 512 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x16384xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x16384xf32>
    // expected-error @+1 {{family "attention_mma_decode" has no kernel for head_dim 512 and group 32}}
    g4k.launch "attention_mma_decode" "g4k::attentionMma<512, 32, 1>" rows 1 and above
        {shared_bytes = 152192 : i64, tile_rows = 0 : i64, tile_tokens = 0 : i64}
    g4k.yield %r : tensor<?x16384xf32>
  }
  return %o : tensor<?x16384xf32>
}

// -----

// A conditional launch is followed by the launch serving its rows otherwise.
func.func @conditional_without_alternative(%q: tensor<?x1024xf32>, %k: tensor<?x512xf32>, %pos: tensor<?xi32>)
    -> tensor<?x1024xf32> {
  %o = g4k.dispatch "sm_90a"(%q, %pos, %k) : (tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>)
      -> tensor<?x1024xf32> {
  ^bb0(%a: tensor<?x1024xf32>, %p: tensor<?xi32>, %b: tensor<?x512xf32>):
    %r = g4.attention %a, %p, %b, %b {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
           head_dim = 256 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x1024xf32>
    // expected-error @+1 {{is conditional but the last launch of rows 1 and above; a launch without a condition must serve them otherwise}}
    g4k.launch "attention_mma" "g4k::attentionMma<256, 2, 8>" rows 1 and above if rows_per_tile > 16
        {shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64}
    g4k.yield %r : tensor<?x1024xf32>
  }
  return %o : tensor<?x1024xf32>
}

// -----

// The launch after a conditional one serves the same rows.
func.func @conditional_alternative_of_other_rows(%q: tensor<?x1024xf32>, %k: tensor<?x512xf32>, %pos: tensor<?xi32>)
    -> tensor<?x1024xf32> {
  %o = g4k.dispatch "sm_90a"(%q, %pos, %k) : (tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>)
      -> tensor<?x1024xf32> {
  ^bb0(%a: tensor<?x1024xf32>, %p: tensor<?xi32>, %b: tensor<?x512xf32>):
    %r = g4.attention %a, %p, %b, %b {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
           head_dim = 256 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x1024xf32>
    g4k.launch "attention_mma" "g4k::attentionMma<256, 2, 8>" rows 1 to 4 if rows_per_tile > 16
        {shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64}
    // expected-error @+1 {{expects the rows of the conditional launch before it (rows 1 to 4), found rows 5 and above}}
    g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 5 and above
        {shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64}
    g4k.yield %r : tensor<?x1024xf32>
  }
  return %o : tensor<?x1024xf32>
}

// -----

// A condition's threshold is at least one query row.
func.func @conditional_on_zero_rows(%q: tensor<?x1024xf32>, %k: tensor<?x512xf32>, %pos: tensor<?xi32>)
    -> tensor<?x1024xf32> {
  %o = g4k.dispatch "sm_90a"(%q, %pos, %k) : (tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>)
      -> tensor<?x1024xf32> {
  ^bb0(%a: tensor<?x1024xf32>, %p: tensor<?xi32>, %b: tensor<?x512xf32>):
    %r = g4.attention %a, %p, %b, %b {layer = 0 : i64, cache_layer = 0 : i64,
           kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
           head_dim = 256 : i64, window = 0 : i64, scale = 1.0 : f32}
        : tensor<?x1024xf32>, tensor<?xi32>, tensor<?x512xf32>, tensor<?x512xf32> -> tensor<?x1024xf32>
    // expected-error @+1 {{expects rows_per_tile > N with N >= 1, found 0}}
    g4k.launch "attention_mma" "g4k::attentionMma<256, 2, 8>" rows 1 and above if rows_per_tile > 0
        {shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64}
    g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 1 and above
        {shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64}
    g4k.yield %r : tensor<?x1024xf32>
  }
  return %o : tensor<?x1024xf32>
}

// -----

// Only attention launches are conditional: their tiles hold one sequence's tokens.
func.func @conditional_projection(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    // expected-error @+1 {{family "cublaslt_split" cannot be conditional (rows_per_tile): only attention launches have tiles of one sequence's tokens}}
    g4k.launch "cublaslt_split" "cublasLt" rows 1 and above if rows_per_tile > 16
    g4k.launch "cublaslt_split" "cublasLt" rows 1 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// A dispatch targets a supported architecture.
func.func @arch_unknown(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  // expected-error @+1 {{unknown GPU architecture "sm_75" (supported: sm_80, sm_89, sm_90a, sm_100a)}}
  %y = g4k.dispatch "sm_75"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    g4k.launch "cublaslt_split" "cublasLt" rows 1 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// Regimes leave no row count without a launch.
func.func @regimes_gap(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    g4k.launch "gemv" "g4k::gemv<4, g4k::PlainEpilogue>" rows 1 to 4 {tile_tokens = 4 : i64}
    // expected-error @+1 {{leaves rows 5 to 8 without a launch; regimes must cover every row count}}
    g4k.launch "cublaslt_split" "cublasLt" rows 9 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// Regimes do not overlap.
func.func @regimes_overlap(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    g4k.launch "gemv" "g4k::gemv<4, g4k::PlainEpilogue>" rows 1 to 4 {tile_tokens = 4 : i64}
    // expected-error @+1 {{overlaps the previous launch at rows 3 to 4}}
    g4k.launch "cublaslt_split" "cublasLt" rows 3 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// The last regime serves every larger step.
func.func @regimes_bounded(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  // expected-error @+1 {{serves rows up to 4 only; the last launch must serve every larger step}}
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    g4k.launch "gemv" "g4k::gemv<4, g4k::PlainEpilogue>" rows 1 to 4 {tile_tokens = 4 : i64}
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// Nothing follows the launch that serves every larger step.
func.func @launch_after_unbounded(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    g4k.launch "cublaslt_split" "cublasLt" rows 1 and above
    // expected-error @+1 {{follows a launch that already serves every larger step}}
    g4k.launch "cublaslt_split" "cublasLt" rows 2 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// A dispatch runs an op that kernel choices apply to.
func.func @dispatch_of_elementwise(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{expects its body to begin with a g4.linear, g4.gated_linear, g4.lm_head, g4.multi_linear, g4.slice_gated_linear, g4.moe_router, g4.attention or g4.moe_experts, found g4.add}}
  %y = g4k.dispatch "sm_90a"(%x) : (tensor<?x64xf32>) -> tensor<?x64xf32> {
  ^bb0(%a: tensor<?x64xf32>):
    %r = g4.add %a, %a : tensor<?x64xf32>
    g4k.yield %r : tensor<?x64xf32>
  }
  return %y : tensor<?x64xf32>
}

// -----

// A dispatch has at least one launch.
func.func @no_launch(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  // expected-error @+1 {{has no g4k.launch}}
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// The body's arguments stand for the bindings, type for type.
func.func @body_arguments_mismatch(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  // expected-error @+1 {{expects body arguments of the bindings' types}}
  %y = g4k.dispatch "sm_90a"(%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
  ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xf32>):
    %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xf32> -> tensor<?x128xf32>
    g4k.launch "cublaslt_split" "cublasLt" rows 1 and above
    g4k.yield %r : tensor<?x128xf32>
  }
  return %y : tensor<?x128xf32>
}

// -----

// A launch lives in a dispatch.
func.func @launch_outside_dispatch() {
  // expected-error @+1 {{expects parent op 'g4k.dispatch'}}
  g4k.launch "cublaslt_split" "cublasLt" rows 1 and above
  return
}
