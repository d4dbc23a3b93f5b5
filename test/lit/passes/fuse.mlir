// RUN: g4-opt --split-input-file --g4-fuse %s | FileCheck %s
// RUN: g4-opt --split-input-file --g4-fuse="add-rms-norm=false" %s | FileCheck %s --check-prefix=NO-ADD
// RUN: g4-opt --split-input-file --g4-fuse="post-norm=false" %s | FileCheck %s --check-prefix=NO-POST
// RUN: g4-opt --split-input-file --g4-fuse="rms-norm-add=false" %s | FileCheck %s --check-prefix=NO-NORM-ADD
// RUN: g4-opt --split-input-file --g4-fuse="rms-norm-rope=false" %s | FileCheck %s --check-prefix=NO-ROPE
// RUN: g4-opt --split-input-file --g4-fuse="attention-prologue=false" %s | FileCheck %s --check-prefix=NO-PROLOGUE
// RUN: g4-opt --split-input-file --g4-fuse="gated-linear=false" %s | FileCheck %s --check-prefix=NO-GATED
// RUN: g4-opt --split-input-file --g4-fuse="softcap=false" %s | FileCheck %s --check-prefix=NO-SOFTCAP
// RUN: g4-opt --split-input-file --g4-fuse="sibling-linear=false" %s | FileCheck %s --check-prefix=NO-SIBLING
// RUN: g4-opt --split-input-file --g4-fuse="slice-gated-linear=false" %s | FileCheck %s --check-prefix=NO-SLICE-GATED

// The residual add and the whole-row norm that follows it fuse; the sum still
// feeds the next residual connection.

// CHECK-LABEL: func.func @add_rms_norm(
// CHECK-SAME: %[[R:.+]]: tensor<?x64xf32>, %[[A:.+]]: tensor<?x64xf32>, %[[W:.+]]: tensor<64xbf16>, %[[B:.+]]: tensor<?x64xf32>)
// CHECK-NEXT: %[[SUM:.+]], %[[NORMED:.+]] = g4.add_rms_norm %[[R]], %[[A]], %[[W]] {eps = 9.99999997E-7 : f32} : tensor<?x64xf32>, tensor<64xbf16>
// CHECK-NEXT: %[[NEXT:.+]] = g4.add %[[SUM]], %[[B]]
// CHECK-NEXT: return %[[NORMED]], %[[NEXT]]
// NO-ADD-LABEL: func.func @add_rms_norm(
// NO-ADD-NOT: g4.add_rms_norm
// NO-ADD: return
func.func @add_rms_norm(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<64xbf16>, %b: tensor<?x64xf32>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %h = g4.add %r, %a : tensor<?x64xf32>
  %n = g4.rms_norm %h, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %next = g4.add %h, %b : tensor<?x64xf32>
  return %n, %next : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// Two norms of one sum (the MoE block's pre-feedforward norms): the first
// fuses with the add, the second normalizes the fused op's sum.

// CHECK-LABEL: func.func @add_rms_norm_two_norms
// CHECK: %[[SUM:.+]], %[[NORMED:.+]] = g4.add_rms_norm %{{.+}}, %{{.+}}, %[[W1:.+]] {eps
// CHECK-NEXT: %[[SECOND:.+]] = g4.rms_norm %[[SUM]], %{{.+}} {eps
// CHECK-NEXT: return %[[NORMED]], %[[SECOND]]
func.func @add_rms_norm_two_norms(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w1: tensor<64xbf16>,
                                  %w2: tensor<64xbf16>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %h = g4.add %r, %a : tensor<?x64xf32>
  %n1 = g4.rms_norm %h, %w1 {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %n2 = g4.rms_norm %h, %w2 {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  return %n1, %n2 : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A norm without a weight is not the fused op's.

// CHECK-LABEL: func.func @add_rms_norm_without_weight
// CHECK-NOT: g4.add_rms_norm
// CHECK: return
func.func @add_rms_norm_without_weight(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %h = g4.add %r, %a : tensor<?x64xf32>
  %n = g4.rms_norm %h {eps = 1.0e-06 : f32, group = 64 : i64} : tensor<?x64xf32> -> tensor<?x64xf32>
  return %n : tensor<?x64xf32>
}

// -----

// A per-group norm is not a whole-row norm.

// CHECK-LABEL: func.func @add_rms_norm_per_group
// CHECK-NOT: g4.add_rms_norm
// CHECK: return
func.func @add_rms_norm_per_group(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<16xbf16>)
    -> tensor<?x64xf32> {
  %h = g4.add %r, %a : tensor<?x64xf32>
  %n = g4.rms_norm %h, %w {eps = 1.0e-06 : f32, group = 16 : i64}
      : tensor<?x64xf32>, tensor<16xbf16> -> tensor<?x64xf32>
  return %n : tensor<?x64xf32>
}

// -----

// The fused op takes the norm's place: a user of the sum before the norm
// would lose its operand, so nothing fuses.

// CHECK-LABEL: func.func @add_rms_norm_sum_used_first
// CHECK-NOT: g4.add_rms_norm
// CHECK: return
func.func @add_rms_norm_sum_used_first(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<64xbf16>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %h = g4.add %r, %a : tensor<?x64xf32>
  %s = g4.scale %h {factor = 2.0 : f32} : tensor<?x64xf32>
  %n = g4.rms_norm %h, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  return %s, %n : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A layer's end: the post-norm of its last block, the residual add, the layer
// scalar, then the next layer's input norm: one fused op whose sum is the
// scaled value the next residual connection reads. The post-norm goes to
// g4.add_rms_norm's x_norm, not to g4.rms_norm_add; without add-rms-norm the
// post-norm and the add still become g4.rms_norm_add.

// CHECK-LABEL: func.func @add_rms_norm_after_layer_scalar(
// CHECK-SAME: %[[R:.+]]: tensor<?x64xf32>, %[[A:.+]]: tensor<?x64xf32>, %[[S:.+]]: tensor<1xbf16>, %[[W:.+]]: tensor<64xbf16>, %[[WA:.+]]: tensor<64xbf16>)
// CHECK-NEXT: %[[SUM:.+]], %[[NORMED:.+]] = g4.add_rms_norm %[[R]], %[[A]], %[[W]] x_norm %[[WA]] scalar %[[S]] {eps = 9.99999997E-7 : f32} : tensor<?x64xf32>, tensor<64xbf16> x_norm tensor<64xbf16> scalar tensor<1xbf16>
// CHECK-NEXT: return %[[SUM]], %[[NORMED]]
// NO-POST-LABEL: func.func @add_rms_norm_after_layer_scalar(
// NO-POST: g4.rms_norm %{{.+}}, %{{.+}} {eps
// NO-POST-NEXT: g4.add_rms_norm %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} scalar %{{[^ ]+}} {eps
// NO-ADD-LABEL: func.func @add_rms_norm_after_layer_scalar(
// NO-ADD-SAME: %[[R:[^:]+]]: tensor<?x64xf32>, %[[A:[^:]+]]: tensor<?x64xf32>, %{{[^:]+}}: tensor<1xbf16>, %{{[^:]+}}: tensor<64xbf16>, %[[WA:[^:]+]]: tensor<64xbf16>)
// NO-ADD-NEXT: %[[H:.+]] = g4.rms_norm_add %[[R]], %[[A]], %[[WA]] {eps
// NO-ADD-NEXT: g4.layer_scalar %[[H]]
// NO-NORM-ADD-LABEL: func.func @add_rms_norm_after_layer_scalar(
// NO-NORM-ADD-NEXT: g4.add_rms_norm %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} x_norm %{{[^ ]+}} scalar
func.func @add_rms_norm_after_layer_scalar(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %s: tensor<1xbf16>,
                                           %w: tensor<64xbf16>, %wa: tensor<64xbf16>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %an = g4.rms_norm %a, %wa {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %h = g4.add %r, %an : tensor<?x64xf32>
  %y = g4.layer_scalar %h, %s : tensor<?x64xf32>, tensor<1xbf16> -> tensor<?x64xf32>
  %n = g4.rms_norm %y, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  return %y, %n : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// The unscaled sum feeds something else: the scalar cannot be folded, nor
// the add that the scalar reads.

// CHECK-LABEL: func.func @add_rms_norm_unscaled_sum_used
// CHECK-NOT: g4.add_rms_norm
// CHECK: return
func.func @add_rms_norm_unscaled_sum_used(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %s: tensor<1xbf16>,
                                          %w: tensor<64xbf16>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %h = g4.add %r, %a : tensor<?x64xf32>
  %y = g4.layer_scalar %h, %s : tensor<?x64xf32>, tensor<1xbf16> -> tensor<?x64xf32>
  %n = g4.rms_norm %y, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  return %h, %n : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// The post-norm is the add's first operand here (the add commutes): it folds,
// the other operand becomes the residual.

// CHECK-LABEL: func.func @post_norm_first_operand(
// CHECK-SAME: %[[R:.+]]: tensor<?x64xf32>, %[[A:.+]]: tensor<?x64xf32>, %[[W:.+]]: tensor<64xbf16>, %[[WA:.+]]: tensor<64xbf16>)
// CHECK-NEXT: %{{.+}}, %[[NORMED:.+]] = g4.add_rms_norm %[[R]], %[[A]], %[[W]] x_norm %[[WA]] {eps
func.func @post_norm_first_operand(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<64xbf16>,
                                   %wa: tensor<64xbf16>) -> tensor<?x64xf32> {
  %an = g4.rms_norm %a, %wa {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %h = g4.add %an, %r : tensor<?x64xf32>
  %n = g4.rms_norm %h, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  return %n : tensor<?x64xf32>
}

// -----

// A post-norm with another eps stays a g4.rms_norm.

// CHECK-LABEL: func.func @post_norm_other_eps
// CHECK: %[[AN:.+]] = g4.rms_norm %{{.+}} {eps = 9.99999974E-6 : f32
// CHECK-NEXT: g4.add_rms_norm %{{[^ ]+}}, %[[AN]], %{{[^ ]+}} {eps = 9.99999997E-7 : f32}
func.func @post_norm_other_eps(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<64xbf16>,
                               %wa: tensor<64xbf16>) -> tensor<?x64xf32> {
  %an = g4.rms_norm %a, %wa {eps = 1.0e-05 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %h = g4.add %r, %an : tensor<?x64xf32>
  %n = g4.rms_norm %h, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  return %n : tensor<?x64xf32>
}

// -----

// A post-norm read elsewhere too stays a g4.rms_norm.

// CHECK-LABEL: func.func @post_norm_used_twice
// CHECK: %[[AN:.+]] = g4.rms_norm
// CHECK-NEXT: g4.add_rms_norm %{{[^ ]+}}, %[[AN]], %{{[^ ]+}} {eps = 9.99999997E-7 : f32}
func.func @post_norm_used_twice(%r: tensor<?x64xf32>, %a: tensor<?x64xf32>, %w: tensor<64xbf16>,
                                %wa: tensor<64xbf16>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %an = g4.rms_norm %a, %wa {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %h = g4.add %r, %an : tensor<?x64xf32>
  %n = g4.rms_norm %h, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  return %n, %an : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A post-norm + residual add that no norm follows (a PLE layer's post-FFN
// norm: the per-layer-input gate reads the sum) is one op.

// CHECK-LABEL: func.func @rms_norm_add(
// CHECK-SAME: %[[R:.+]]: tensor<?x64xf32>, %[[M:.+]]: tensor<?x64xf32>, %[[W:.+]]: tensor<64xbf16>, %[[G:.+]]: tensor<16x64xbf16>)
// CHECK-NEXT: %[[SUM:.+]] = g4.rms_norm_add %[[R]], %[[M]], %[[W]] {eps = 9.99999997E-7 : f32} : tensor<?x64xf32>, tensor<64xbf16>
// CHECK-NEXT: %[[GATE:.+]] = g4.linear %[[SUM]], %[[G]]
// CHECK-NEXT: return %[[SUM]], %[[GATE]]
// NO-NORM-ADD-LABEL: func.func @rms_norm_add(
// NO-NORM-ADD-NOT: g4.rms_norm_add
// NO-NORM-ADD: return
func.func @rms_norm_add(%r: tensor<?x64xf32>, %m: tensor<?x64xf32>, %w: tensor<64xbf16>, %g: tensor<16x64xbf16>)
    -> (tensor<?x64xf32>, tensor<?x16xf32>) {
  %mn = g4.rms_norm %m, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %h = g4.add %r, %mn : tensor<?x64xf32>
  %gate = g4.linear %h, %g : tensor<?x64xf32>, tensor<16x64xbf16> -> tensor<?x16xf32>
  return %h, %gate : tensor<?x64xf32>, tensor<?x16xf32>
}

// -----

// The norm is the add's first operand (the add commutes): the other operand
// becomes the residual.

// CHECK-LABEL: func.func @rms_norm_add_first_operand(
// CHECK-SAME: %[[R:.+]]: tensor<?x64xf32>, %[[M:.+]]: tensor<?x64xf32>, %[[W:.+]]: tensor<64xbf16>)
// CHECK-NEXT: %[[SUM:.+]] = g4.rms_norm_add %[[R]], %[[M]], %[[W]] {eps
// CHECK-NEXT: return %[[SUM]]
func.func @rms_norm_add_first_operand(%r: tensor<?x64xf32>, %m: tensor<?x64xf32>, %w: tensor<64xbf16>)
    -> tensor<?x64xf32> {
  %mn = g4.rms_norm %m, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %h = g4.add %mn, %r : tensor<?x64xf32>
  return %h : tensor<?x64xf32>
}

// -----

// Both operands are post-norms (a MoE block: the dense path's and the
// experts' outputs): the second folds, the first stays the residual.

// CHECK-LABEL: func.func @rms_norm_add_two_post_norms(
// CHECK-SAME: %[[D:.+]]: tensor<?x64xf32>, %[[E:.+]]: tensor<?x64xf32>, %[[W1:.+]]: tensor<64xbf16>, %[[W2:.+]]: tensor<64xbf16>)
// CHECK-NEXT: %[[DN:.+]] = g4.rms_norm %[[D]], %[[W1]]
// CHECK-NEXT: %[[SUM:.+]] = g4.rms_norm_add %[[DN]], %[[E]], %[[W2]] {eps
// CHECK-NEXT: return %[[SUM]]
func.func @rms_norm_add_two_post_norms(%d: tensor<?x64xf32>, %e: tensor<?x64xf32>, %w1: tensor<64xbf16>,
                                       %w2: tensor<64xbf16>) -> tensor<?x64xf32> {
  %dn = g4.rms_norm %d, %w1 {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %en = g4.rms_norm %e, %w2 {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %h = g4.add %dn, %en : tensor<?x64xf32>
  return %h : tensor<?x64xf32>
}

// -----

// A norm read elsewhere too stays a g4.rms_norm: the fused op does not
// store it.

// CHECK-LABEL: func.func @rms_norm_add_norm_used_twice
// CHECK-NOT: g4.rms_norm_add
// CHECK: %[[MN:.+]] = g4.rms_norm
// CHECK-NEXT: %[[H:.+]] = g4.add %{{[^ ]+}}, %[[MN]]
// CHECK-NEXT: return %[[H]], %[[MN]]
func.func @rms_norm_add_norm_used_twice(%r: tensor<?x64xf32>, %m: tensor<?x64xf32>, %w: tensor<64xbf16>)
    -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %mn = g4.rms_norm %m, %w {eps = 1.0e-06 : f32, group = 64 : i64}
      : tensor<?x64xf32>, tensor<64xbf16> -> tensor<?x64xf32>
  %h = g4.add %r, %mn : tensor<?x64xf32>
  return %h, %mn : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// A per-group norm (the PLE inputs' norm, 16 per group) is not a whole-row
// norm, and a norm without a weight is not the fused op's.

// CHECK-LABEL: func.func @rms_norm_add_not_whole_row_with_weight
// CHECK-NOT: g4.rms_norm_add
// CHECK: return
func.func @rms_norm_add_not_whole_row_with_weight(%r: tensor<?x64xf32>, %m: tensor<?x64xf32>,
                                                  %w: tensor<16xbf16>) -> (tensor<?x64xf32>, tensor<?x64xf32>) {
  %grouped = g4.rms_norm %m, %w {eps = 1.0e-06 : f32, group = 16 : i64}
      : tensor<?x64xf32>, tensor<16xbf16> -> tensor<?x64xf32>
  %h1 = g4.add %r, %grouped : tensor<?x64xf32>
  %plain = g4.rms_norm %m {eps = 1.0e-06 : f32, group = 64 : i64} : tensor<?x64xf32> -> tensor<?x64xf32>
  %h2 = g4.add %r, %plain : tensor<?x64xf32>
  return %h1, %h2 : tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// The q path: a per-head norm with weight, then RoPE of the same head_dim.

// CHECK-LABEL: func.func @rms_norm_rope(
// CHECK-SAME: %[[Q:.+]]: tensor<?x128xf32>, %[[W:.+]]: tensor<32xbf16>, %[[POS:.+]]: tensor<?xi32>)
// CHECK-NEXT: %[[Y:.+]] = g4.rms_norm_rope %[[Q]], %[[W]], %[[POS]] {eps = 9.99999997E-7 : f32, factor = 2.000000e+00 : f32, head_dim = 32 : i64, rotary_pairs = 4 : i64, theta = 1.000000e+06 : f32} : tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>
// CHECK-NEXT: return %[[Y]]
// NO-ROPE-LABEL: func.func @rms_norm_rope(
// NO-ROPE-NOT: g4.rms_norm_rope
// NO-ROPE: return
func.func @rms_norm_rope(%q: tensor<?x128xf32>, %w: tensor<32xbf16>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  %n = g4.rms_norm %q, %w {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x128xf32>, tensor<32xbf16> -> tensor<?x128xf32>
  %y = g4.rope %n, %pos {head_dim = 32 : i64, rotary_pairs = 4 : i64, theta = 1.0e+06 : f32, factor = 2.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// RoPE of a value that was not normalized has no norm to fuse.

// CHECK-LABEL: func.func @rms_norm_rope_without_norm
// CHECK-NOT: g4.rms_norm_rope
// CHECK: return
func.func @rms_norm_rope_without_norm(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  %y = g4.rope %q, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64, theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// A norm without a weight (the v path) does not fuse.

// CHECK-LABEL: func.func @rms_norm_rope_without_weight
// CHECK-NOT: g4.rms_norm_rope
// CHECK: return
func.func @rms_norm_rope_without_weight(%q: tensor<?x128xf32>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  %n = g4.rms_norm %q {eps = 1.0e-06 : f32, group = 32 : i64} : tensor<?x128xf32> -> tensor<?x128xf32>
  %y = g4.rope %n, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64, theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// Norm groups other than the RoPE heads do not fuse.

// CHECK-LABEL: func.func @rms_norm_rope_group_not_head_dim
// CHECK-NOT: g4.rms_norm_rope
// CHECK: return
func.func @rms_norm_rope_group_not_head_dim(%q: tensor<?x128xf32>, %w: tensor<16xbf16>, %pos: tensor<?xi32>)
    -> tensor<?x128xf32> {
  %n = g4.rms_norm %q, %w {eps = 1.0e-06 : f32, group = 16 : i64}
      : tensor<?x128xf32>, tensor<16xbf16> -> tensor<?x128xf32>
  %y = g4.rope %n, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64, theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// -----

// A normalized value that is also used without RoPE stays.

// CHECK-LABEL: func.func @rms_norm_rope_norm_used_twice
// CHECK-NOT: g4.rms_norm_rope
// CHECK: return
func.func @rms_norm_rope_norm_used_twice(%q: tensor<?x128xf32>, %w: tensor<32xbf16>, %pos: tensor<?xi32>)
    -> (tensor<?x128xf32>, tensor<?x128xf32>) {
  %n = g4.rms_norm %q, %w {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x128xf32>, tensor<32xbf16> -> tensor<?x128xf32>
  %y = g4.rope %n, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64, theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %y, %n : tensor<?x128xf32>, tensor<?x128xf32>
}

// -----

// The attention of a layer that writes its KV: q/k norm + RoPE and the
// weightless value norm become the attention's prologue.

// CHECK-LABEL: func.func @attention_prologue(
// CHECK-SAME: %[[Q:.+]]: tensor<?x128xf32>, %[[K:.+]]: tensor<?x64xf32>, %[[V:.+]]: tensor<?x64xf32>, %[[QW:.+]]: tensor<32xbf16>, %[[KW:.+]]: tensor<32xbf16>, %[[POS:.+]]: tensor<?xi32>)
// CHECK-NEXT: %[[O:.+]] = g4.attention %[[Q]], %[[POS]], %[[K]], %[[V]] q_norm %[[QW]] k_norm %[[KW]] {cache_layer = 0 : i64, head_dim = 32 : i64, kind = #g4.attention_kind<sliding>, layer = 0 : i64, norm_eps = 9.99999997E-7 : f32, num_heads = 4 : i64, num_kv_heads = 2 : i64, rope_factor = 1.000000e+00 : f32, rope_theta = 1.000000e+04 : f32, rotary_pairs = 16 : i64, scale = 1.000000e+00 : f32, v_norm, window = 8 : i64} : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32> q_norm tensor<32xbf16> k_norm tensor<32xbf16> -> tensor<?x128xf32>
// CHECK-NEXT: return %[[O]]
// NO-PROLOGUE-LABEL: func.func @attention_prologue(
// NO-PROLOGUE-COUNT-2: g4.rms_norm_rope
// NO-PROLOGUE: g4.rms_norm %{{.+}} {eps
// NO-PROLOGUE: g4.attention %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}}, %{{[^ ]+}} {cache_layer
// NO-ROPE-LABEL: func.func @attention_prologue(
// NO-ROPE-NOT: q_norm
// NO-ROPE: return
func.func @attention_prologue(%q: tensor<?x128xf32>, %k: tensor<?x64xf32>, %v: tensor<?x64xf32>,
                              %qw: tensor<32xbf16>, %kw: tensor<32xbf16>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  %qn = g4.rms_norm %q, %qw {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x128xf32>, tensor<32xbf16> -> tensor<?x128xf32>
  %qr = g4.rope %qn, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64, theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  %kn = g4.rms_norm %k, %kw {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x64xf32>, tensor<32xbf16> -> tensor<?x64xf32>
  %kr = g4.rope %kn, %pos {head_dim = 32 : i64, rotary_pairs = 16 : i64, theta = 1.0e+04 : f32, factor = 1.0 : f32}
      : tensor<?x64xf32>, tensor<?xi32> -> tensor<?x64xf32>
  %vn = g4.rms_norm %v {eps = 1.0e-06 : f32, group = 32 : i64} : tensor<?x64xf32> -> tensor<?x64xf32>
  %o = g4.attention %qr, %pos, %kr, %vn {layer = 0 : i64, cache_layer = 0 : i64,
         kind = #g4.attention_kind<sliding>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
         head_dim = 32 : i64, window = 8 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// A KV-shared layer folds its query's norm + RoPE alone.

// CHECK-LABEL: func.func @attention_prologue_kv_shared(
// CHECK-SAME: %[[Q:.+]]: tensor<?x128xf32>, %[[QW:.+]]: tensor<32xbf16>, %[[POS:.+]]: tensor<?xi32>)
// CHECK-NEXT: %[[O:.+]] = g4.attention %[[Q]], %[[POS]] q_norm %[[QW]] {cache_layer = 0 : i64, {{.+}}rotary_pairs = 8 : i64{{.+}}} : tensor<?x128xf32>, tensor<?xi32> q_norm tensor<32xbf16> -> tensor<?x128xf32>
// CHECK-NOT: v_norm
// CHECK: return %[[O]]
func.func @attention_prologue_kv_shared(%q: tensor<?x128xf32>, %qw: tensor<32xbf16>, %pos: tensor<?xi32>)
    -> tensor<?x128xf32> {
  %qn = g4.rms_norm %q, %qw {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x128xf32>, tensor<32xbf16> -> tensor<?x128xf32>
  %qr = g4.rope %qn, %pos {head_dim = 32 : i64, rotary_pairs = 8 : i64, theta = 1.0e+06 : f32, factor = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  %o = g4.attention %qr, %pos {layer = 3 : i64, cache_layer = 0 : i64,
         kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
         head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// k_eq_v: key and value are one raw projection; both norms fold.

// CHECK-LABEL: func.func @attention_prologue_k_eq_v(
// CHECK-SAME: %[[Q:.+]]: tensor<?x128xf32>, %[[K:.+]]: tensor<?x64xf32>,
// CHECK-NEXT: g4.attention %[[Q]], %{{.+}}, %[[K]], %[[K]] q_norm
func.func @attention_prologue_k_eq_v(%q: tensor<?x128xf32>, %k: tensor<?x64xf32>, %qw: tensor<32xbf16>,
                                     %kw: tensor<32xbf16>, %pos: tensor<?xi32>) -> tensor<?x128xf32> {
  %qr = g4.rms_norm_rope %q, %qw, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
          theta = 1.0e+04 : f32, factor = 1.0 : f32} : tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>
  %kr = g4.rms_norm_rope %k, %kw, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
          theta = 1.0e+04 : f32, factor = 1.0 : f32} : tensor<?x64xf32>, tensor<32xbf16>, tensor<?xi32>
  %vn = g4.rms_norm %k {eps = 1.0e-06 : f32, group = 32 : i64} : tensor<?x64xf32> -> tensor<?x64xf32>
  %o = g4.attention %qr, %pos, %kr, %vn {layer = 0 : i64, cache_layer = 0 : i64,
         kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
         head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// The key rotated with another theta than the query: one prologue cannot
// hold both, nothing folds.

// CHECK-LABEL: func.func @attention_prologue_rope_differs
// CHECK-NOT: q_norm
// CHECK: return
func.func @attention_prologue_rope_differs(%q: tensor<?x128xf32>, %k: tensor<?x64xf32>, %v: tensor<?x64xf32>,
                                           %qw: tensor<32xbf16>, %kw: tensor<32xbf16>, %pos: tensor<?xi32>)
    -> tensor<?x128xf32> {
  %qr = g4.rms_norm_rope %q, %qw, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
          theta = 1.0e+04 : f32, factor = 1.0 : f32} : tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>
  %kr = g4.rms_norm_rope %k, %kw, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
          theta = 1.0e+06 : f32, factor = 1.0 : f32} : tensor<?x64xf32>, tensor<32xbf16>, tensor<?xi32>
  %vn = g4.rms_norm %v {eps = 1.0e-06 : f32, group = 32 : i64} : tensor<?x64xf32> -> tensor<?x64xf32>
  %o = g4.attention %qr, %pos, %kr, %vn {layer = 0 : i64, cache_layer = 0 : i64,
         kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
         head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// A value norm with a weight is not the weightless v_norm the prologue has.

// CHECK-LABEL: func.func @attention_prologue_value_weight
// CHECK-NOT: q_norm
// CHECK: return
func.func @attention_prologue_value_weight(%q: tensor<?x128xf32>, %k: tensor<?x64xf32>, %v: tensor<?x64xf32>,
                                           %qw: tensor<32xbf16>, %kw: tensor<32xbf16>, %pos: tensor<?xi32>)
    -> tensor<?x128xf32> {
  %qr = g4.rms_norm_rope %q, %qw, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
          theta = 1.0e+04 : f32, factor = 1.0 : f32} : tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>
  %kr = g4.rms_norm_rope %k, %kw, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
          theta = 1.0e+04 : f32, factor = 1.0 : f32} : tensor<?x64xf32>, tensor<32xbf16>, tensor<?xi32>
  %vn = g4.rms_norm %v, %kw {eps = 1.0e-06 : f32, group = 32 : i64}
      : tensor<?x64xf32>, tensor<32xbf16> -> tensor<?x64xf32>
  %o = g4.attention %qr, %pos, %kr, %vn {layer = 0 : i64, cache_layer = 0 : i64,
         kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
         head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32>, tensor<?x64xf32>, tensor<?x64xf32> -> tensor<?x128xf32>
  return %o : tensor<?x128xf32>
}

// -----

// The rotated query has another user: the attention cannot take it over.

// CHECK-LABEL: func.func @attention_prologue_query_used_twice
// CHECK-NOT: q_norm
// CHECK: return
func.func @attention_prologue_query_used_twice(%q: tensor<?x128xf32>, %qw: tensor<32xbf16>, %pos: tensor<?xi32>)
    -> (tensor<?x128xf32>, tensor<?x128xf32>) {
  %qr = g4.rms_norm_rope %q, %qw, %pos {eps = 1.0e-06 : f32, head_dim = 32 : i64, rotary_pairs = 16 : i64,
          theta = 1.0e+04 : f32, factor = 1.0 : f32} : tensor<?x128xf32>, tensor<32xbf16>, tensor<?xi32>
  %o = g4.attention %qr, %pos {layer = 3 : i64, cache_layer = 0 : i64,
         kind = #g4.attention_kind<full>, num_heads = 4 : i64, num_kv_heads = 2 : i64,
         head_dim = 32 : i64, window = 0 : i64, scale = 1.0 : f32}
      : tensor<?x128xf32>, tensor<?xi32> -> tensor<?x128xf32>
  return %o, %qr : tensor<?x128xf32>, tensor<?x128xf32>
}

// -----

// The MLP: gate and up projections of one input with gelu gating.

// CHECK-LABEL: func.func @gated_linear(
// CHECK-SAME: %[[X:.+]]: tensor<?x64xf32>, %[[G:.+]]: tensor<128x64xbf16>, %[[U:.+]]: tensor<128x64xbf16>)
// CHECK-NEXT: %[[H:.+]] = g4.gated_linear %[[X]], %[[G]], %[[U]] : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
// CHECK-NEXT: return %[[H]]
// NO-GATED-LABEL: func.func @gated_linear(
// NO-GATED-NOT: g4.gated_linear
// NO-GATED: return
func.func @gated_linear(%x: tensor<?x64xf32>, %gate: tensor<128x64xbf16>, %up: tensor<128x64xbf16>)
    -> tensor<?x128xf32> {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %u = g4.linear %x, %up : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %h = g4.gelu_tanh_mul %g, %u : tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

// -----

// The per-layer-input gate multiplies a slice, not a projection: no
// g4.gated_linear (g4.slice_gated_linear, tested below).

// CHECK-LABEL: func.func @gated_linear_up_not_linear
// CHECK-NOT: g4.gated_linear
// CHECK: return
func.func @gated_linear_up_not_linear(%x: tensor<?x64xf32>, %gate: tensor<16x64xbf16>, %ple: tensor<?x96xf32>)
    -> tensor<?x16xf32> {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<16x64xbf16> -> tensor<?x16xf32>
  %p = g4.slice %ple {offset = 16 : i64} : tensor<?x96xf32> -> tensor<?x16xf32>
  %h = g4.gelu_tanh_mul %g, %p : tensor<?x16xf32>
  return %h : tensor<?x16xf32>
}

// -----

// Projections of different inputs are two GEMMs.

// CHECK-LABEL: func.func @gated_linear_different_inputs
// CHECK-NOT: g4.gated_linear
// CHECK: return
func.func @gated_linear_different_inputs(%x: tensor<?x64xf32>, %y: tensor<?x64xf32>, %gate: tensor<128x64xbf16>,
                                         %up: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %u = g4.linear %y, %up : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %h = g4.gelu_tanh_mul %g, %u : tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

// -----

// Weights of different dtypes cannot share one fused GEMM.

// CHECK-LABEL: func.func @gated_linear_weight_types_differ
// CHECK-NOT: g4.gated_linear
// CHECK: return
func.func @gated_linear_weight_types_differ(%x: tensor<?x64xf32>, %gate: tensor<128x64xbf16>,
                                            %up: tensor<128x64xf32>) -> tensor<?x128xf32> {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %u = g4.linear %x, %up : tensor<?x64xf32>, tensor<128x64xf32> -> tensor<?x128xf32>
  %h = g4.gelu_tanh_mul %g, %u : tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

// -----

// A projection that is also used elsewhere stays.

// CHECK-LABEL: func.func @gated_linear_projection_used_twice
// CHECK-NOT: g4.gated_linear
// CHECK: return
func.func @gated_linear_projection_used_twice(%x: tensor<?x64xf32>, %gate: tensor<128x64xbf16>,
                                              %up: tensor<128x64xbf16>) -> (tensor<?x128xf32>, tensor<?x128xf32>) {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %u = g4.linear %x, %up : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %h = g4.gelu_tanh_mul %g, %u : tensor<?x128xf32>
  return %h, %u : tensor<?x128xf32>, tensor<?x128xf32>
}

// -----

// One projection as both gate and up is not a gate/up pair.

// CHECK-LABEL: func.func @gated_linear_same_projection
// CHECK-NOT: g4.gated_linear
// CHECK: return
func.func @gated_linear_same_projection(%x: tensor<?x64xf32>, %w: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %g = g4.linear %x, %w : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %h = g4.gelu_tanh_mul %g, %g : tensor<?x128xf32>
  return %h : tensor<?x128xf32>
}

// -----

// The final soft-cap moves into the vocabulary head's epilogue.

// CHECK-LABEL: func.func @softcap(
// CHECK-SAME: %[[X:.+]]: tensor<?x64xf32>, %[[T:.+]]: tensor<512x64xbf16>)
// CHECK-NEXT: %[[L:.+]] = g4.lm_head %[[X]], %[[T]] {softcap = 3.000000e+01 : f32} : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
// CHECK-NEXT: return %[[L]]
// NO-SOFTCAP-LABEL: func.func @softcap(
// NO-SOFTCAP-NEXT: g4.lm_head %{{[^ ]+}}, %{{[^ ]+}} : tensor
// NO-SOFTCAP-NEXT: g4.softcap
func.func @softcap(%x: tensor<?x64xf32>, %table: tensor<512x64xbf16>) -> tensor<?x512xf32> {
  %l = g4.lm_head %x, %table : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  %c = g4.softcap %l {cap = 30.0 : f32} : tensor<?x512xf32>
  return %c : tensor<?x512xf32>
}

// -----

// Raw logits that are used too keep their own head.

// CHECK-LABEL: func.func @softcap_raw_logits_used
// CHECK: g4.lm_head %{{[^ ]+}}, %{{[^ ]+}} : tensor
// CHECK-NEXT: g4.softcap
func.func @softcap_raw_logits_used(%x: tensor<?x64xf32>, %table: tensor<512x64xbf16>)
    -> (tensor<?x512xf32>, tensor<?x512xf32>) {
  %l = g4.lm_head %x, %table : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  %c = g4.softcap %l {cap = 30.0 : f32} : tensor<?x512xf32>
  return %c, %l : tensor<?x512xf32>, tensor<?x512xf32>
}

// -----

// Only the vocabulary head has a soft-cap epilogue.

// CHECK-LABEL: func.func @softcap_of_linear
// CHECK: g4.softcap
func.func @softcap_of_linear(%x: tensor<?x64xf32>, %w: tensor<512x64xbf16>) -> tensor<?x512xf32> {
  %l = g4.linear %x, %w : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  %c = g4.softcap %l {cap = 30.0 : f32} : tensor<?x512xf32>
  return %c : tensor<?x512xf32>
}

// -----

// A head that is already capped keeps a second cap as its own op.

// CHECK-LABEL: func.func @softcap_twice
// CHECK: g4.lm_head %{{.+}}, %{{.+}} {softcap = 3.000000e+01 : f32}
// CHECK-NEXT: g4.softcap %{{.+}} {cap = 1.000000e+01 : f32}
func.func @softcap_twice(%x: tensor<?x64xf32>, %table: tensor<512x64xbf16>) -> tensor<?x512xf32> {
  %l = g4.lm_head %x, %table {softcap = 30.0 : f32} : tensor<?x64xf32>, tensor<512x64xbf16> -> tensor<?x512xf32>
  %c = g4.softcap %l {cap = 10.0 : f32} : tensor<?x512xf32>
  return %c : tensor<?x512xf32>
}

// -----

// An attention's q, k and v projections of one input become one op, where the
// last of them was; the weight references between them stay.

// CHECK-LABEL: func.func @sibling_linear_qkv(
// CHECK-SAME: %[[X:.+]]: tensor<?x64xf32>, %[[WQ:.+]]: tensor<128x64xbf16>, %[[WK:.+]]: tensor<32x64xbf16>)
// CHECK-NEXT: %[[WV:.+]] = g4.weight_ref @v_proj
// CHECK-NEXT: %[[QKV:.+]]:3 = g4.multi_linear %[[X]], %[[WQ]], %[[WK]], %[[WV]] : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xbf16>, tensor<32x64xbf16> -> tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>
// CHECK-NEXT: return %[[QKV]]#0, %[[QKV]]#1, %[[QKV]]#2
// NO-SIBLING-LABEL: func.func @sibling_linear_qkv(
// NO-SIBLING-NOT: g4.multi_linear
// NO-SIBLING: return
module {
  g4.weight @v_proj = "model.layers.0.self_attn.v_proj.weight" in "model.safetensors" at 0 : tensor<32x64xbf16>
  func.func @sibling_linear_qkv(%x: tensor<?x64xf32>, %wq: tensor<128x64xbf16>, %wk: tensor<32x64xbf16>)
      -> (tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
    %q = g4.linear %x, %wq : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
    %k = g4.linear %x, %wk : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
    %wv = g4.weight_ref @v_proj : tensor<32x64xbf16>
    %v = g4.linear %x, %wv : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
    return %q, %k, %v : tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>
  }
}

// -----

// A full layer with attention_k_eq_v has no v_proj: q and k fuse.

// CHECK-LABEL: func.func @sibling_linear_qk(
// CHECK-SAME: %[[X:.+]]: tensor<?x64xf32>, %[[WQ:.+]]: tensor<128x64xbf16>, %[[WK:.+]]: tensor<32x64xbf16>)
// CHECK-NEXT: %[[QK:.+]]:2 = g4.multi_linear %[[X]], %[[WQ]], %[[WK]] : tensor<?x64xf32>, tensor<128x64xbf16>, tensor<32x64xbf16> -> tensor<?x128xf32>, tensor<?x32xf32>
// CHECK-NEXT: return %[[QK]]#0, %[[QK]]#1, %[[QK]]#1
func.func @sibling_linear_qk(%x: tensor<?x64xf32>, %wq: tensor<128x64xbf16>, %wk: tensor<32x64xbf16>)
    -> (tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>) {
  %q = g4.linear %x, %wq : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %k = g4.linear %x, %wk : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
  return %q, %k, %k : tensor<?x128xf32>, tensor<?x32xf32>, tensor<?x32xf32>
}

// -----

// A KV-shared layer projects only q: nothing to fuse.

// CHECK-LABEL: func.func @sibling_linear_alone
// CHECK-NEXT: g4.linear
// CHECK-NEXT: return
func.func @sibling_linear_alone(%x: tensor<?x64xf32>, %wq: tensor<128x64xbf16>) -> tensor<?x128xf32> {
  %q = g4.linear %x, %wq : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  return %q : tensor<?x128xf32>
}

// -----

// A projection used before the last sibling keeps the projections apart (the
// fused op would take the last one's place).

// CHECK-LABEL: func.func @sibling_linear_used_before_last
// CHECK-NOT: g4.multi_linear
// CHECK: return
func.func @sibling_linear_used_before_last(%x: tensor<?x64xf32>, %wq: tensor<128x64xbf16>,
                                           %wk: tensor<32x64xbf16>) -> (tensor<?x128xf32>, tensor<?x32xf32>) {
  %q = g4.linear %x, %wq : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %q2 = g4.scale %q {factor = 2.0 : f32} : tensor<?x128xf32>
  %k = g4.linear %x, %wk : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
  return %q2, %k : tensor<?x128xf32>, tensor<?x32xf32>
}

// -----

// Weights of different dtypes cannot share one product.

// CHECK-LABEL: func.func @sibling_linear_weight_types_differ
// CHECK-NOT: g4.multi_linear
// CHECK: return
func.func @sibling_linear_weight_types_differ(%x: tensor<?x64xf32>, %wq: tensor<128x64xbf16>,
                                              %wk: tensor<32x64xf32>) -> (tensor<?x128xf32>, tensor<?x32xf32>) {
  %q = g4.linear %x, %wq : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %k = g4.linear %x, %wk : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
  return %q, %k : tensor<?x128xf32>, tensor<?x32xf32>
}

// -----

// A gate/up pair becomes g4.gated_linear first; the one projection of the
// same input left over stays a g4.linear.

// CHECK-LABEL: func.func @sibling_linear_after_gated_linear(
// CHECK-SAME: %[[X:.+]]: tensor<?x64xf32>, %[[G:.+]]: tensor<128x64xbf16>, %[[U:.+]]: tensor<128x64xbf16>, %[[W:.+]]: tensor<16x64xbf16>)
// CHECK-NEXT: %[[H:.+]] = g4.gated_linear %[[X]], %[[G]], %[[U]]
// CHECK-NEXT: %[[P:.+]] = g4.linear %[[X]], %[[W]]
// CHECK-NEXT: return %[[H]], %[[P]]
func.func @sibling_linear_after_gated_linear(%x: tensor<?x64xf32>, %gate: tensor<128x64xbf16>,
                                             %up: tensor<128x64xbf16>, %w: tensor<16x64xbf16>)
    -> (tensor<?x128xf32>, tensor<?x16xf32>) {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %u = g4.linear %x, %up : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
  %h = g4.gelu_tanh_mul %g, %u : tensor<?x128xf32>
  %p = g4.linear %x, %w : tensor<?x64xf32>, tensor<16x64xbf16> -> tensor<?x16xf32>
  return %h, %p : tensor<?x128xf32>, tensor<?x16xf32>
}

// -----

// A PLE layer's per-layer-input gate: the gate projection, its gelu gating and
// the slice it multiplies become one op taking the whole per-layer inputs.

// CHECK-LABEL: func.func @slice_gated_linear(
// CHECK-SAME: %[[X:.+]]: tensor<?x64xf32>, %[[G:.+]]: tensor<16x64xbf16>, %[[PLE:.+]]: tensor<?x96xf32>)
// CHECK-NEXT: %[[H:.+]] = g4.slice_gated_linear %[[X]], %[[G]], %[[PLE]] {offset = 32 : i64} : tensor<?x64xf32>, tensor<16x64xbf16>, tensor<?x96xf32> -> tensor<?x16xf32>
// CHECK-NEXT: return %[[H]]
// NO-SLICE-GATED-LABEL: func.func @slice_gated_linear(
// NO-SLICE-GATED-NOT: g4.slice_gated_linear
// NO-SLICE-GATED: return
func.func @slice_gated_linear(%x: tensor<?x64xf32>, %gate: tensor<16x64xbf16>, %ple: tensor<?x96xf32>)
    -> tensor<?x16xf32> {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<16x64xbf16> -> tensor<?x16xf32>
  %p = g4.slice %ple {offset = 32 : i64} : tensor<?x96xf32> -> tensor<?x16xf32>
  %h = g4.gelu_tanh_mul %g, %p : tensor<?x16xf32>
  return %h : tensor<?x16xf32>
}

// -----

// The slice as the gate (gelu of the slice) is not the per-layer-input gate.

// CHECK-LABEL: func.func @slice_gated_linear_slice_is_gate
// CHECK-NOT: g4.slice_gated_linear
// CHECK: return
func.func @slice_gated_linear_slice_is_gate(%x: tensor<?x64xf32>, %gate: tensor<16x64xbf16>, %ple: tensor<?x96xf32>)
    -> tensor<?x16xf32> {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<16x64xbf16> -> tensor<?x16xf32>
  %p = g4.slice %ple {offset = 32 : i64} : tensor<?x96xf32> -> tensor<?x16xf32>
  %h = g4.gelu_tanh_mul %p, %g : tensor<?x16xf32>
  return %h : tensor<?x16xf32>
}

// -----

// A projection with another user stays a g4.linear (the fused op would not
// give its ungated values).

// CHECK-LABEL: func.func @slice_gated_linear_projection_used_twice
// CHECK-NOT: g4.slice_gated_linear
// CHECK: return
func.func @slice_gated_linear_projection_used_twice(%x: tensor<?x64xf32>, %gate: tensor<16x64xbf16>,
                                                   %ple: tensor<?x96xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<16x64xbf16> -> tensor<?x16xf32>
  %p = g4.slice %ple {offset = 32 : i64} : tensor<?x96xf32> -> tensor<?x16xf32>
  %h = g4.gelu_tanh_mul %g, %p : tensor<?x16xf32>
  return %h, %g : tensor<?x16xf32>, tensor<?x16xf32>
}

// -----

// A slice with another user stays a g4.slice.

// CHECK-LABEL: func.func @slice_gated_linear_slice_used_twice
// CHECK-NOT: g4.slice_gated_linear
// CHECK: return
func.func @slice_gated_linear_slice_used_twice(%x: tensor<?x64xf32>, %gate: tensor<16x64xbf16>,
                                               %ple: tensor<?x96xf32>) -> (tensor<?x16xf32>, tensor<?x16xf32>) {
  %g = g4.linear %x, %gate : tensor<?x64xf32>, tensor<16x64xbf16> -> tensor<?x16xf32>
  %p = g4.slice %ple {offset = 32 : i64} : tensor<?x96xf32> -> tensor<?x16xf32>
  %h = g4.gelu_tanh_mul %g, %p : tensor<?x16xf32>
  return %h, %p : tensor<?x16xf32>, tensor<?x16xf32>
}
