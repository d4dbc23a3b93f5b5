// RUN: g4-opt --split-input-file --verify-diagnostics %s

// Activations may have a dynamic token count but never a dynamic width.
func.func @activation_width_dynamic(%a: tensor<?x?xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{operand #0 must be 2D tensor with a static width}}
  %y = g4.add %a, %a : tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// Weight operands are statically shaped.
func.func @weight_operand_dynamic(%x: tensor<?x64xf32>, %w: tensor<?x64xbf16>) -> tensor<?x128xf32> {
  // expected-error @+1 {{operand #1 must be statically shaped tensor}}
  %y = g4.linear %x, %w : tensor<?x64xf32>, tensor<?x64xbf16> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// A checkpoint tensor has a static shape.
// expected-error @+1 {{attribute 'type' failed to satisfy constraint: type attribute of statically shaped tensor}}
g4.weight @weight_type_dynamic = "model.norm.weight" in "model.safetensors" at 0 : tensor<?xbf16>

// -----

// A checkpoint tensor starts at a non-negative byte offset.
// expected-error @+1 {{expects a non-negative byte offset, found -8}}
g4.weight @weight_offset_negative = "model.norm.weight" in "model.safetensors" at -8 : tensor<64xbf16>

// -----

// Encoders are vision or audio towers.
g4.weight @patch = "model.vision_tower.patch" in "model.safetensors" at 0 : tensor<64x48xbf16>
// expected-error @+1 {{expects modality "vision" or "audio", found "video"}}
g4.encoder "video" weights [@patch]

// -----

// An encoder lists g4.weight symbols, not other symbols.
func.func @encoder_weight_not_a_weight() {
  return
}
// expected-error @+1 {{weight @encoder_weight_not_a_weight does not name a g4.weight}}
g4.encoder "vision" weights [@encoder_weight_not_a_weight]

// -----

// An encoder lists only defined symbols.
// expected-error @+1 {{weight @missing does not name a g4.weight}}
g4.encoder "audio" weights [@missing]

// -----

// A weight reference names a defined g4.weight.
func.func @weight_ref_undefined() -> tensor<64xbf16> {
  // expected-error @+1 {{@missing does not name a g4.weight}}
  %w = g4.weight_ref @missing : tensor<64xbf16>
  return %w : tensor<64xbf16>
}

// -----

// A weight reference has the declared type of its weight.
g4.weight @norm = "model.norm.weight" in "model.safetensors" at 0 : tensor<64xbf16>
func.func @weight_ref_type_mismatch() -> tensor<64xf32> {
  // expected-error @+1 {{result type 'tensor<64xf32>' does not match the declared type 'tensor<64xbf16>' of @norm}}
  %w = g4.weight_ref @norm : tensor<64xf32>
  return %w : tensor<64xf32>
}

// -----

// The embedding table is 2-D.
func.func @embed_table_rank(%ids: tensor<?xi32>, %table: tensor<2x512x64xbf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{expects a 2-D table, found rank 3}}
  %x = g4.embed %ids, %table {scale = 8.0 : f32}
      : tensor<?xi32>, tensor<2x512x64xbf16> -> tensor<?x64xf32>
  return %x : tensor<?x64xf32>
}

// -----

// Embeddings are as wide as the table's rows.
func.func @embed_width_mismatch(%ids: tensor<?xi32>, %table: tensor<512x64xbf16>) -> tensor<?x32xf32> {
  // expected-error @+1 {{result width 32 does not match table columns 64}}
  %x = g4.embed %ids, %table {scale = 8.0 : f32}
      : tensor<?xi32>, tensor<512x64xbf16> -> tensor<?x32xf32>
  return %x : tensor<?x32xf32>
}

// -----

// One embedding row per id.
func.func @embed_token_count(%ids: tensor<4xi32>, %table: tensor<512x64xbf16>) -> tensor<8x64xf32> {
  // expected-error @+1 {{result token count 8 does not match ids token count 4}}
  %x = g4.embed %ids, %table {scale = 8.0 : f32}
      : tensor<4xi32>, tensor<512x64xbf16> -> tensor<8x64xf32>
  return %x : tensor<8x64xf32>
}

// -----

// RMSNorm groups have a positive size.
func.func @rms_norm_group_not_positive(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{expects a positive group, found 0}}
  %y = g4.rms_norm %x {eps = 1.0e-06 : f32, group = 0 : i64} : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// RMSNorm groups tile the row.
func.func @rms_norm_width_not_multiple_of_group(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{width 64 is not a multiple of group 48}}
  %y = g4.rms_norm %x {eps = 1.0e-06 : f32, group = 48 : i64} : tensor<?x64xf32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// The RMSNorm weight scales one group.
func.func @rms_norm_weight_shape(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{expects weight of shape [32], found [64]}}
  %y = g4.rms_norm %x, %w {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// RMSNorm keeps the input type.
func.func @rms_norm_result_type(%x: tensor<?x64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{result type 'tensor<4x64xf32>' does not match input type 'tensor<?x64xf32>'}}
  %y = g4.rms_norm %x {eps = 1.0e-06 : f32, group = 64 : i64} : tensor<?x64xf32> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// A linear weight is a 2-D [out, in] matrix.
func.func @linear_weight_rank(%x: tensor<?x64xf32>, %w: tensor<64xbf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{expects a 2-D weight, found rank 1}}
  %y = g4.linear %x, %w : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// The input width is the weight's column count.
func.func @linear_input_width(%x: tensor<?x64xf32>, %w: tensor<128x32xbf16>) -> tensor<?x128xf32> {
  // expected-error @+1 {{input width 64 does not match weight columns 32}}
  %y = g4.linear %x, %w : tensor<?x64xf32>, tensor<128x32xbf16> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// The result width is the weight's row count.
func.func @linear_result_width(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x256xf32> {
  // expected-error @+1 {{result width 256 does not match weight rows 128}}
  %y = g4.linear %x, %w : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

// A projection keeps the token count.
func.func @linear_token_count(%x: tensor<4x64xf32>, %w: tensor<128x64xbf16>) -> tensor<2x128xf32> {
  // expected-error @+1 {{result token count 2 does not match input token count 4}}
  %y = g4.linear %x, %w : tensor<4x64xf32>, tensor<128x64xbf16> -> tensor<2x128xf32>
  return %y : tensor<2x128xf32>
}

// -----

// The lm_head input width is the table's column count.
func.func @lm_head_input_width(%x: tensor<?x32xf32>, %table: tensor<512x64xbf16>) -> tensor<?x512xf32> {
  // expected-error @+1 {{input width 32 does not match table columns 64}}
  %y = g4.lm_head %x, %table : tensor<?x32xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  return %y : tensor<?x512xf32>
}

// -----

// The lm_head result has one logit per table row.
func.func @lm_head_result_width(%x: tensor<?x64xf32>, %table: tensor<512x64xbf16>) -> tensor<?x256xf32> {
  // expected-error @+1 {{result width 256 does not match table rows 512}}
  %y = g4.lm_head %x, %table : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x256xf32>
  return %y : tensor<?x256xf32>
}

// -----

// RoPE pairs element j with j + head_dim/2, so head_dim is even.
func.func @rope_head_dim_odd(%q: tensor<?x62xf32>, %pos: tensor<?xi32>) -> tensor<?x62xf32> {
  // expected-error @+1 {{expects a positive, even head_dim, found 31}}
  %y = g4.rope %q, %pos {head_dim = 31 : i64, rotary_pairs = 15 : i64,
                         theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x62xf32>, tensor<?xi32> -> tensor<?x62xf32>
  return %y : tensor<?x62xf32>
}

// -----

// RoPE heads tile the row.
func.func @rope_width_not_multiple_of_head_dim(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{width 128 is not a multiple of head_dim 48}}
  %y = g4.rope %q, %pos {head_dim = 48 : i64, rotary_pairs = 24 : i64,
                         theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// At most head_dim/2 pairs rotate.
func.func @rope_rotary_pairs_out_of_range(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{expects rotary_pairs in [0, 16], found 17}}
  %y = g4.rope %q, %pos {head_dim = 32 : i64, rotary_pairs = 17 : i64,
                         theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// RoPE keeps the input type.
func.func @rope_result_type(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{result type 'tensor<?x64xf32>' does not match input type 'tensor<?x128xf32>'}}
  %y = g4.rope %q, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64,
                         theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// One position per token.
func.func @rope_token_count(%q: tensor<4x128xf32>, %pos: tensor<3xi32>) -> tensor<4x128xf32> {
  // expected-error @+1 {{positions token count 3 does not match input token count 4}}
  %y = g4.rope %q, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64,
                         theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<4x128xf32>, tensor<3xi32> -> tensor<4x128xf32>
  return %y : tensor<4x128xf32>
}

// -----

// The prologue's attributes come with q_norm.
func.func @attention_prologue_without_q_norm(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{k_norm, v_norm, norm_eps and the rope attributes belong to a prologue: expects q_norm}}
  %o = g4.attention %q, %pos {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32, norm_eps = 1.0e-06 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// A prologue names its norm and its RoPE in full.
func.func @attention_prologue_missing_rope(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %qw: tensor<32xbf16>)
    -> tensor<?x128xf32> {
  // expected-error @+1 {{a prologue expects norm_eps, rotary_pairs, rope_theta and rope_factor}}
  %o = g4.attention %q, %pos q_norm %qw {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32, norm_eps = 1.0e-06 : f32}
      : tensor<?x128xf32>, tensor<?xi32> q_norm tensor<32xbf16> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// A layer writing its KV normalizes its keys too.
func.func @attention_prologue_without_k_norm(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %k: tensor<?x64xf32>,
                                             %qw: tensor<32xbf16>) -> tensor<?x128xf32> {
  // expected-error @+1 {{a prologue expects k_norm iff key is present}}
  %o = g4.attention %q, %pos, %k, %k q_norm %qw {layer = 0 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32, norm_eps = 1.0e-06 : f32,
       rotary_pairs = 16 : i64, rope_theta = 1.0e+04 : f32, rope_factor = 1.0 : f32, v_norm}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32> q_norm tensor<32xbf16>
        -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// A KV-shared layer has no value to normalize.
func.func @attention_prologue_v_norm_shared(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %qw: tensor<32xbf16>)
    -> tensor<?x128xf32> {
  // expected-error @+1 {{v_norm expects a value operand}}
  %o = g4.attention %q, %pos q_norm %qw {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32, norm_eps = 1.0e-06 : f32,
       rotary_pairs = 16 : i64, rope_theta = 1.0e+04 : f32, rope_factor = 1.0 : f32, v_norm}
      : tensor<?x128xf32>, tensor<?xi32> q_norm tensor<32xbf16> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// The norm weights hold one head.
func.func @attention_prologue_norm_shape(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %qw: tensor<16xbf16>)
    -> tensor<?x128xf32> {
  // expected-error @+1 {{expects q_norm of shape [32], found [16]}}
  %o = g4.attention %q, %pos q_norm %qw {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32, norm_eps = 1.0e-06 : f32,
       rotary_pairs = 16 : i64, rope_theta = 1.0e+04 : f32, rope_factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> q_norm tensor<16xbf16> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// RoPE rotates at most head_dim / 2 pairs.
func.func @attention_prologue_rotary_pairs(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %qw: tensor<32xbf16>)
    -> tensor<?x128xf32> {
  // expected-error @+1 {{expects rotary_pairs in [0, 16], found 17}}
  %o = g4.attention %q, %pos q_norm %qw {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32, norm_eps = 1.0e-06 : f32,
       rotary_pairs = 17 : i64, rope_theta = 1.0e+04 : f32, rope_factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> q_norm tensor<32xbf16> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// Head counts and sizes are positive.
func.func @attention_heads_not_positive(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{expects positive num_heads, num_kv_heads and head_dim, found 4, 0 and 32}}
  %o = g4.attention %q, %pos {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 0 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// GQA groups query heads evenly over the kv heads.
func.func @attention_kv_heads_not_dividing(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{num_kv_heads 3 does not divide num_heads 4}}
  %o = g4.attention %q, %pos {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 3 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// The query holds num_heads heads of head_dim.
func.func @attention_query_width(%q: tensor<?x96xf32>, %pos: tensor<?xi32>) -> tensor<?x96xf32> {
  // expected-error @+1 {{query width 96 does not match num_heads * head_dim = 128}}
  %o = g4.attention %q, %pos {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x96xf32>, tensor<?xi32> -> tensor<?x96xf32>
  return %o : tensor<?x96xf32>
}

// -----

// The output has the query's type.
func.func @attention_result_type(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{result type 'tensor<?x64xf32>' does not match query type 'tensor<?x128xf32>'}}
  %o = g4.attention %q, %pos {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x64xf32>
  return %o : tensor<?x64xf32>
}

// -----

// Key and value come together (only the generic form can split them).
func.func @attention_key_without_value(%q: tensor<?x128xf32>, %pos: tensor<?xi32>,
                                       %k: tensor<?x64xf32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{expects key and value both present or both absent}}
  %o = "g4.attention"(%q, %pos, %k) <{layer = 0 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32,
       operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}>
      : (tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>) -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// The key holds num_kv_heads heads of head_dim.
func.func @attention_key_width(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %k: tensor<?x32xf32>,
                               %v: tensor<?x64xf32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{key width 32 does not match num_kv_heads * head_dim = 64}}
  %o = g4.attention %q, %pos, %k, %v {layer = 0 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x32xf32>, tensor<?x64xf32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// The value holds num_kv_heads heads of head_dim.
func.func @attention_value_width(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %k: tensor<?x64xf32>,
                                 %v: tensor<?x128xf32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{value width 128 does not match num_kv_heads * head_dim = 64}}
  %o = g4.attention %q, %pos, %k, %v {layer = 0 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x128xf32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// Layer indices are non-negative.
func.func @attention_layer_negative(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %k: tensor<?x64xf32>,
                                    %v: tensor<?x64xf32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{expects a non-negative layer, found -1}}
  %o = g4.attention %q, %pos, %k, %v {layer = -1 : i64, cache_layer = -1 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// A layer with key/value writes and reads its own cache.
func.func @attention_own_cache_layer(%q: tensor<?x128xf32>, %pos: tensor<?xi32>, %k: tensor<?x64xf32>,
                                     %v: tensor<?x64xf32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{a layer with key/value writes its own cache: expects cache_layer 3, found 1}}
  %o = g4.attention %q, %pos, %k, %v {layer = 3 : i64, cache_layer = 1 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// A KV-shared layer reads the cache of an earlier layer.
func.func @attention_shared_cache_layer(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{a KV-shared layer (no key/value) reads an earlier layer's cache: expects cache_layer in [0, 3), found 3}}
  %o = g4.attention %q, %pos {layer = 3 : i64, cache_layer = 3 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// Sliding layers have a window.
func.func @attention_sliding_without_window(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{a sliding layer expects a positive window, found 0}}
  %o = g4.attention %q, %pos {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<sliding>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// Full layers have no window.
func.func @attention_full_with_window(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  // expected-error @+1 {{a full layer expects window 0, found 8}}
  %o = g4.attention %q, %pos {layer = 1 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 8 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// Queries, keys, values and positions are per token.
func.func @attention_token_count(%q: tensor<4x128xf32>, %pos: tensor<4xi32>, %k: tensor<2x64xf32>,
                                 %v: tensor<4x64xf32>) -> tensor<4x128xf32> {
  // expected-error @+1 {{key token count 2 does not match query token count 4}}
  %o = g4.attention %q, %pos, %k, %v {layer = 0 : i64, cache_layer = 0 : i64,
       kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
       head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<4x128xf32>, tensor<4xi32>, tensor<2x64xf32>, tensor<4x64xf32> -> tensor<4x128xf32>
  return %o : tensor<4x128xf32>
}

// -----

// A slice lies inside the row.
func.func @slice_out_of_range(%ple: tensor<?x64xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{column range [56, 72) is outside the input width 64}}
  %p = g4.slice %ple {offset = 56 : i64} : tensor<?x64xf32> -> tensor<?x16xf32>
  return %p : tensor<?x16xf32>
}

// -----

// A slice starts at a non-negative column.
func.func @slice_offset_negative(%ple: tensor<?x64xf32>) -> tensor<?x16xf32> {
  // expected-error @+1 {{column range [-4, 12) is outside the input width 64}}
  %p = g4.slice %ple {offset = -4 : i64} : tensor<?x64xf32> -> tensor<?x16xf32>
  return %p : tensor<?x16xf32>
}

// -----

// A slice keeps the token count.
func.func @slice_token_count(%ple: tensor<4x64xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{result token count 2 does not match input token count 4}}
  %p = g4.slice %ple {offset = 0 : i64} : tensor<4x64xf32> -> tensor<2x16xf32>
  return %p : tensor<2x16xf32>
}

// -----

// The router projection is [experts, hidden].
func.func @moe_router_proj_shape(%h: tensor<?x64xf32>, %proj: tensor<8x32xbf16>, %scale: tensor<64xbf16>,
                                 %pes: tensor<8xbf16>) -> tensor<?x2xf32> {
  // expected-error @+1 {{expects proj of shape [E, 64], found [8, 32]}}
  %w, %ids = g4.moe_router %h, %proj, %scale, %pes {top_k = 2 : i64, eps = 1.0e-06 : f32}
      : tensor<?x64xf32>, tensor<8x32xbf16>, tensor<64xbf16>, tensor<8xbf16>
        -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w : tensor<?x2xf32>
}

// -----

// The router scale is [hidden].
func.func @moe_router_scale_shape(%h: tensor<?x64xf32>, %proj: tensor<8x64xbf16>, %scale: tensor<32xbf16>,
                                  %pes: tensor<8xbf16>) -> tensor<?x2xf32> {
  // expected-error @+1 {{expects scale of shape [64], found [32]}}
  %w, %ids = g4.moe_router %h, %proj, %scale, %pes {top_k = 2 : i64, eps = 1.0e-06 : f32}
      : tensor<?x64xf32>, tensor<8x64xbf16>, tensor<32xbf16>, tensor<8xbf16>
        -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w : tensor<?x2xf32>
}

// -----

// The per-expert scale is [experts].
func.func @moe_router_per_expert_scale_shape(%h: tensor<?x64xf32>, %proj: tensor<8x64xbf16>,
                                             %scale: tensor<64xbf16>, %pes: tensor<4xbf16>) -> tensor<?x2xf32> {
  // expected-error @+1 {{expects per_expert_scale of shape [8], found [4]}}
  %w, %ids = g4.moe_router %h, %proj, %scale, %pes {top_k = 2 : i64, eps = 1.0e-06 : f32}
      : tensor<?x64xf32>, tensor<8x64xbf16>, tensor<64xbf16>, tensor<4xbf16>
        -> tensor<?x2xf32>, tensor<?x2xi32>
  return %w : tensor<?x2xf32>
}

// -----

// The router picks between 1 and all experts.
func.func @moe_router_top_k_out_of_range(%h: tensor<?x64xf32>, %proj: tensor<8x64xbf16>,
                                         %scale: tensor<64xbf16>, %pes: tensor<8xbf16>) -> tensor<?x9xf32> {
  // expected-error @+1 {{expects top_k in [1, 8], found 9}}
  %w, %ids = g4.moe_router %h, %proj, %scale, %pes {top_k = 9 : i64, eps = 1.0e-06 : f32}
      : tensor<?x64xf32>, tensor<8x64xbf16>, tensor<64xbf16>, tensor<8xbf16>
        -> tensor<?x9xf32>, tensor<?x9xi32>
  return %w : tensor<?x9xf32>
}

// -----

// Route weights are [tokens, top_k].
func.func @moe_router_route_weights_width(%h: tensor<?x64xf32>, %proj: tensor<8x64xbf16>,
                                          %scale: tensor<64xbf16>, %pes: tensor<8xbf16>) -> tensor<?x3xf32> {
  // expected-error @+1 {{route_weights width 3 does not match top_k 2}}
  %w, %ids = g4.moe_router %h, %proj, %scale, %pes {top_k = 2 : i64, eps = 1.0e-06 : f32}
      : tensor<?x64xf32>, tensor<8x64xbf16>, tensor<64xbf16>, tensor<8xbf16>
        -> tensor<?x3xf32>, tensor<?x2xi32>
  return %w : tensor<?x3xf32>
}

// -----

// Route ids are [tokens, top_k], with a static width.
func.func @moe_router_route_ids_width(%h: tensor<?x64xf32>, %proj: tensor<8x64xbf16>,
                                      %scale: tensor<64xbf16>, %pes: tensor<8xbf16>) -> tensor<?x?xi32> {
  // expected-error @+1 {{route_ids width ? does not match top_k 2}}
  %w, %ids = g4.moe_router %h, %proj, %scale, %pes {top_k = 2 : i64, eps = 1.0e-06 : f32}
      : tensor<?x64xf32>, tensor<8x64xbf16>, tensor<64xbf16>, tensor<8xbf16>
        -> tensor<?x2xf32>, tensor<?x?xi32>
  return %ids : tensor<?x?xi32>
}

// -----

// Routes are per token.
func.func @moe_router_token_count(%h: tensor<4x64xf32>, %proj: tensor<8x64xbf16>,
                                  %scale: tensor<64xbf16>, %pes: tensor<8xbf16>) -> tensor<2x2xf32> {
  // expected-error @+1 {{route_weights token count 2 does not match input token count 4}}
  %w, %ids = g4.moe_router %h, %proj, %scale, %pes {top_k = 2 : i64, eps = 1.0e-06 : f32}
      : tensor<4x64xf32>, tensor<8x64xbf16>, tensor<64xbf16>, tensor<8xbf16>
        -> tensor<2x2xf32>, tensor<4x2xi32>
  return %w : tensor<2x2xf32>
}

// -----

// The fused gate/up weight is [experts, 2 * intermediate, hidden].
func.func @moe_experts_gate_up_shape(%x: tensor<?x64xf32>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                                     %gate_up: tensor<8x63x64xbf16>, %down: tensor<8x64x32xbf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{expects gate_up of shape [E, 2I, 64], found [8, 63, 64]}}
  %y = g4.moe_experts %x, %w, %ids, %gate_up, %down
      : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x63x64xbf16>,
        tensor<8x64x32xbf16> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// The down weight is [experts, hidden, intermediate].
func.func @moe_experts_down_shape(%x: tensor<?x64xf32>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                                  %gate_up: tensor<8x64x64xbf16>, %down: tensor<8x32x64xbf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{expects down of shape [8, 64, 32], found [8, 32, 64]}}
  %y = g4.moe_experts %x, %w, %ids, %gate_up, %down
      : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x64x64xbf16>,
        tensor<8x32x64xbf16> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Route weights and ids select the same number of experts.
func.func @moe_experts_route_width(%x: tensor<?x64xf32>, %w: tensor<?x2xf32>, %ids: tensor<?x3xi32>,
                                   %gate_up: tensor<8x64x64xbf16>, %down: tensor<8x64x32xbf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{route_ids width 3 does not match route_weights width 2}}
  %y = g4.moe_experts %x, %w, %ids, %gate_up, %down
      : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x3xi32>, tensor<8x64x64xbf16>,
        tensor<8x64x32xbf16> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// The experts' sum keeps the input type.
func.func @moe_experts_result_type(%x: tensor<?x64xf32>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
                                   %gate_up: tensor<8x64x64xbf16>, %down: tensor<8x64x32xbf16>) -> tensor<?x32xf32> {
  // expected-error @+1 {{result type 'tensor<?x32xf32>' does not match input type 'tensor<?x64xf32>'}}
  %y = g4.moe_experts %x, %w, %ids, %gate_up, %down
      : tensor<?x64xf32>, tensor<?x2xf32>, tensor<?x2xi32>, tensor<8x64x64xbf16>,
        tensor<8x64x32xbf16> -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// Routes are per token.
func.func @moe_experts_token_count(%x: tensor<4x64xf32>, %w: tensor<4x2xf32>, %ids: tensor<3x2xi32>,
                                   %gate_up: tensor<8x64x64xbf16>, %down: tensor<8x64x32xbf16>) -> tensor<4x64xf32> {
  // expected-error @+1 {{route_ids token count 3 does not match input token count 4}}
  %y = g4.moe_experts %x, %w, %ids, %gate_up, %down
      : tensor<4x64xf32>, tensor<4x2xf32>, tensor<3x2xi32>, tensor<8x64x64xbf16>,
        tensor<8x64x32xbf16> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// The layer scalar is a single value.
func.func @layer_scalar_shape(%x: tensor<?x64xf32>, %s: tensor<2xbf16>) -> tensor<?x64xf32> {
  // expected-error @+1 {{expects scalar of shape [1], found [2]}}
  %y = g4.layer_scalar %x, %s : tensor<?x64xf32>, tensor<2xbf16> -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// The layer scalar keeps the input type.
func.func @layer_scalar_result_type(%x: tensor<?x64xf32>, %s: tensor<1xbf16>) -> tensor<4x64xf32> {
  // expected-error @+1 {{result type 'tensor<4x64xf32>' does not match input type 'tensor<?x64xf32>'}}
  %y = g4.layer_scalar %x, %s : tensor<?x64xf32>, tensor<1xbf16> -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Soft-capping divides by a positive cap.
func.func @softcap_cap_not_positive(%logits: tensor<?x512xf32>) -> tensor<?x512xf32> {
  // expected-error @+1 {{expects a positive cap, found 0}}
  %y = g4.softcap %logits {cap = 0.0 : f32} : tensor<?x512xf32>
  return %y : tensor<?x512xf32>
}

// -----

// A soft-capped lm_head divides by a positive cap.
func.func @lm_head_softcap_not_positive(%x: tensor<?x64xf32>, %table: tensor<512x64xbf16>) -> tensor<?x512xf32> {
  // expected-error @+1 {{expects a positive softcap, found -3}}
  %y = g4.lm_head %x, %table {softcap = -3.0 : f32}
      : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  return %y : tensor<?x512xf32>
}

// -----

// A post-norm weight holds one scale per element of the row.
func.func @add_rms_norm_x_norm_shape(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<64xbf16>,
                                     %wa: tensor<32xbf16>) {
  // expected-error @+1 {{expects x_norm of shape [64], found [32]}}
  %s, %n = g4.add_rms_norm %r, %a, %w x_norm %wa {eps = 1.0e-06 : f32}
      : tensor<?x64xf32>, tensor<64xbf16> x_norm tensor<32xbf16>
  return
}

// -----

// The layer scalar is one value.
func.func @add_rms_norm_scalar_shape(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<64xbf16>,
                                     %s: tensor<2xbf16>) {
  // expected-error @+1 {{expects scalar of shape [1], found [2]}}
  %sum, %n = g4.add_rms_norm %r, %a, %w scalar %s {eps = 1.0e-06 : f32}
      : tensor<?x64xf32>, tensor<64xbf16> scalar tensor<2xbf16>
  return
}

// -----

// The residual, the added value, the sum and the normalized sum share one type.
func.func @add_rms_norm_types_differ(%r: tensor<?x64xf32>, %a: tensor<4x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{failed to verify that all of {residual, x, sum, normed} have same type}}
  %s:2 = "g4.add_rms_norm"(%r, %a, %w) <{eps = 1.0e-06 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>}>
      : (tensor<?x64xf32>, tensor<4x64xf32>, tensor<64xbf16>) -> (tensor<?x64xf32>, tensor<?x64xf32>)
  return
}

// -----

// The fused norm scales whole rows: one weight per element of the row.
func.func @add_rms_norm_weight_shape(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<16xbf16>) {
  // expected-error @+1 {{expects weight of shape [64], found [16]}}
  %sum, %normed = g4.add_rms_norm %r, %a, %w {eps = 1.0e-06 : f32} : tensor<?x64xf32>, tensor<16xbf16>
  return
}

// -----

// The post-norm scales whole rows: one weight per element of the row.
func.func @rms_norm_add_weight_shape(%r: tensor<?x64xf32>, %m: tensor<?x64xf32>, %w: tensor<16xbf16>) {
  // expected-error @+1 {{expects weight of shape [64], found [16]}}
  %sum = g4.rms_norm_add %r, %m, %w {eps = 1.0e-06 : f32} : tensor<?x64xf32>, tensor<16xbf16>
  return
}

// -----

// The residual, the normalized value and the sum share one type.
func.func @rms_norm_add_types_differ(%r: tensor<?x64xf32>, %m: tensor<4x64xf32>, %w: tensor<64xbf16>) {
  // expected-error @+1 {{failed to verify that all of {residual, x, sum} have same type}}
  %sum = "g4.rms_norm_add"(%r, %m, %w) <{eps = 1.0e-06 : f32}>
      : (tensor<?x64xf32>, tensor<4x64xf32>, tensor<64xbf16>) -> tensor<?x64xf32>
  return
}

// -----

// The fused RoPE pairs element j with j + head_dim/2, so head_dim is even.
func.func @rms_norm_rope_head_dim_odd(%q: tensor<?x62xf32>, %w: tensor<31xbf16>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{expects a positive, even head_dim, found 31}}
  %y = g4.rms_norm_rope %q, %w, %pos {eps = 1.0e-06 : f32, head_dim = 31 : i64, rotary_pairs = 15 : i64,
                                      theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x62xf32>, tensor<31xbf16>, tensor<?xi32>
  return
}

// -----

// The row is a whole number of heads.
func.func @rms_norm_rope_width_not_multiple_of_head_dim(%q: tensor<?x128xf32>, %w: tensor<48xbf16>,
                                                        %pos: tensor<?xi32>) {
  // expected-error @+1 {{width 128 is not a multiple of head_dim 48}}
  %y = g4.rms_norm_rope %q, %w, %pos {eps = 1.0e-06 : f32, head_dim = 48 : i64, rotary_pairs = 24 : i64,
                                      theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<48xbf16>, tensor<?xi32>
  return
}

// -----

// At most head_dim/2 pairs rotate.
func.func @rms_norm_rope_rotary_pairs_out_of_range(%q: tensor<?x128xf32>, %w: tensor<32xbf16>,
                                                   %pos: tensor<?xi32>) {
  // expected-error @+1 {{expects rotary_pairs in [0, 16], found 17}}
  %y = g4.rms_norm_rope %q, %w, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 17 : i64,
                                      theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>
  return
}

// -----

// The fused norm is per head: one weight per element of a head.
func.func @rms_norm_rope_weight_shape(%q: tensor<?x128xf32>, %w: tensor<128xbf16>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{expects weight of shape [32], found [128]}}
  %y = g4.rms_norm_rope %q, %w, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
                                      theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<128xbf16>, tensor<?xi32>
  return
}

// -----

// One position per token.
func.func @rms_norm_rope_token_count(%q: tensor<4x128xf32>, %w: tensor<32xbf16>, %pos: tensor<3xi32>) {
  // expected-error @+1 {{positions token count 3 does not match input token count 4}}
  %y = g4.rms_norm_rope %q, %w, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
                                      theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<4x128xf32>, tensor<32xbf16>, tensor<3xi32>
  return
}

// -----

// The fused op keeps the input type.
func.func @rms_norm_rope_result_type(%q: tensor<?x128xf32>, %w: tensor<32xbf16>, %pos: tensor<?xi32>) {
  // expected-error @+1 {{failed to verify that all of {input, result} have same type}}
  %y = "g4.rms_norm_rope"(%q, %w, %pos) {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
                                         theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : (tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>) -> tensor<4x128xf32>
  return
}

// -----

// Gate and up projections are one GEMM shape and dtype.
func.func @gated_linear_weights_differ(%x: tensor<?x64xf32>, %gate: tensor<128x64xbf16>,
                                       %up: tensor<128x64xf32>) {
  // expected-error @+1 {{failed to verify that all of {gate_weight, up_weight} have same type}}
  %y = "g4.gated_linear"(%x, %gate, %up)
      : (tensor<?x64xf32>, tensor<128x64xbf16>, tensor<128x64xf32>) -> tensor<?x128xf32>
  return
}

// -----

// The projection weights are 2-D.
func.func @gated_linear_weight_rank(%x: tensor<?x64xf32>, %w: tensor<2x128x64xbf16>) {
  // expected-error @+1 {{expects a 2-D gate_weight, found rank 3}}
  %y = g4.gated_linear %x, %w, %w : tensor<?x64xf32>, tensor<2x128x64xbf16> -> tensor<?x128xf32>
  return
}

// -----

// The input width is the weights' column count.
func.func @gated_linear_input_width(%x: tensor<?x32xf32>, %w: tensor<128x64xbf16>) {
  // expected-error @+1 {{input width 32 does not match gate_weight columns 64}}
  %y = g4.gated_linear %x, %w, %w : tensor<?x32xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  return
}

// -----

// The result width is the weights' row count.
func.func @gated_linear_result_width(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) {
  // expected-error @+1 {{result width 64 does not match gate_weight rows 128}}
  %y = g4.gated_linear %x, %w, %w : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x64xf32>
  return
}

// -----

// The result has the input's token count.
func.func @gated_linear_token_count(%x: tensor<4x64xf32>, %w: tensor<128x64xbf16>) {
  // expected-error @+1 {{result token count 2 does not match input token count 4}}
  %y = g4.gated_linear %x, %w, %w : tensor<4x64xf32>, tensor<128x64xbf16> -> tensor<2x128xf32>
  return
}

// -----

// Sibling projections are 2 or 3 (an attention's q, k and v).
func.func @multi_linear_one_weight(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) {
  // expected-error @+1 {{expects 2 or 3 weights, found 1}}
  %y = g4.multi_linear %x, %w : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  return
}

// -----

// One result per weight.
func.func @multi_linear_result_count(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) {
  // expected-error @+1 {{expects one result per weight (2), found 1}}
  %y = g4.multi_linear %x, %w, %w : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<128x64xbf16> -> tensor<?x128xf32>
  return
}

// -----

// The projections run as one product: their weights share an element type.
func.func @multi_linear_weight_types_differ(%x: tensor<?x64xf32>, %wq: tensor<128x64xbf16>,
                                            %wk: tensor<32x64xf32>) {
  // expected-error @+1 {{expects weights of one element type 'bf16', found 'f32' for weights[1]}}
  %q, %k = g4.multi_linear %x, %wq, %wk
      : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xf32> -> tensor<?x128xf32>, tensor<?x32xf32>
  return
}

// -----

// Each result is its weight's rows wide.
func.func @multi_linear_result_width(%x: tensor<?x64xf32>, %wq: tensor<128x64xbf16>, %wk: tensor<32x64xbf16>) {
  // expected-error @+1 {{result width 64 does not match weights[1] rows 32}}
  %q, %k = g4.multi_linear %x, %wq, %wk
      : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xbf16> -> tensor<?x128xf32>, tensor<?x64xf32>
  return
}

// -----

// A weight's part names both its dim and its part count.
// expected-error @+1 {{'g4.weight' op expects shard_dim and shard_parts together}}
g4.weight @half = "w" in "m.safetensors" at 0 {shard_dim = 0 : i64} : tensor<32x64xbf16>

// -----

// expected-error @+1 {{'g4.weight' op shard_dim 2 is not a dimension of a rank-2 tensor}}
g4.weight @half = "w" in "m.safetensors" at 0 {shard_dim = 2 : i64, shard_parts = 2 : i64} : tensor<32x64xbf16>

// -----

// expected-error @+1 {{'g4.weight' op expects shard_parts >= 2, found 1}}
g4.weight @half = "w" in "m.safetensors" at 0 {shard_dim = 0 : i64, shard_parts = 1 : i64} : tensor<32x64xbf16>

// -----

// The gathered width is the input's times the module's ranks.
module attributes {g4.tensor_parallel = 4 : i64} {
  func.func @all_gather_ranks(%x: tensor<?x64xf32>) -> tensor<?x128xf32> {
    // expected-error @+1 {{'g4.all_gather' op result width 128 is not the input width 64 times the module's 4 ranks}}
    %y = g4.all_gather %x : tensor<?x64xf32> -> tensor<?x128xf32>
    return %y : tensor<?x128xf32>
  }
}

// -----

// The gate's rows are the result's width.
func.func @slice_gated_linear_result_width(%x: tensor<?x64xf32>, %w: tensor<16x64xbf16>, %ple: tensor<?x96xf32>) {
  // expected-error @+1 {{result width 32 does not match gate_weight rows 16}}
  %y = g4.slice_gated_linear %x, %w, %ple {offset = 0 : i64}
      : tensor<?x64xf32>, tensor<16x64xbf16>, tensor<?x96xf32> -> tensor<?x32xf32>
  return
}

// -----

// The gating slice [offset, offset + I) lies inside the side input.
func.func @slice_gated_linear_range_outside_side(%x: tensor<?x64xf32>, %w: tensor<16x64xbf16>,
                                                 %ple: tensor<?x96xf32>) {
  // expected-error @+1 {{side column range [88, 104) is outside the side input width 96}}
  %y = g4.slice_gated_linear %x, %w, %ple {offset = 88 : i64}
      : tensor<?x64xf32>, tensor<16x64xbf16>, tensor<?x96xf32> -> tensor<?x16xf32>
  return
}

// -----

// Input, side and result rows are one step's tokens.
func.func @slice_gated_linear_token_count(%x: tensor<4x64xf32>, %w: tensor<16x64xbf16>, %ple: tensor<2x96xf32>) {
  // expected-error @+1 {{side token count 2 does not match input token count 4}}
  %y = g4.slice_gated_linear %x, %w, %ple {offset = 0 : i64}
      : tensor<4x64xf32>, tensor<16x64xbf16>, tensor<2x96xf32> -> tensor<4x16xf32>
  return
}
