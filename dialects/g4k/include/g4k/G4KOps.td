//===- G4KOps.td - operations of the g4k dialect ----------*- tablegen -*-===//

#ifndef G4K_OPS_TD
#define G4K_OPS_TD

include "g4k/G4KDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

class G4K_Op<string mnemonic, list<Trait> traits = []>
    : Op<G4K_Dialect, mnemonic, traits>;

def OpGroupLaunches : OpDocGroup {
  let summary = "launches";
  let description = "How the CUDA backend runs a g4 operation, per regime of row counts.";
}

let opDocGroup = OpGroupLaunches in {

def G4K_DispatchOp : G4K_Op<"dispatch", [IsolatedFromAbove]> {
  let summary = "one g4 operation with its launch alternatives for a GPU architecture";
  let description = [{
    Binds `bindings` (the g4 operation's operands: activations and weights)
    to the body's arguments. The body holds, in order: the `g4` operation
    itself (its semantics, and what the plan emitter writes as the
    instruction), one `g4k.launch` per regime of row counts, and
    `g4k.yield` of the operation's results, which become the dispatch's.
    Invariants: `arch` is a supported architecture; the body's arguments
    have the bindings' types; the launches, in order, cover rows 1, 2, ...
    without gap or overlap, the last one every larger step, except that a
    conditional launch (`if rows_per_tile > N`) is followed by the launch
    that serves the same rows otherwise; every launch's family serves the
    operation, and its tile fits the architecture's shared memory.

    ```mlir
    %y = g4k.dispatch "sm_90a" (%x, %w) : (tensor<?x64xf32>, tensor<128x64xbf16>) -> tensor<?x128xf32> {
    ^bb0(%a: tensor<?x64xf32>, %b: tensor<128x64xbf16>):
      %r = g4.linear %a, %b : tensor<?x64xf32>, tensor<128x64xbf16> -> tensor<?x128xf32>
      g4k.launch "gemv" "g4k::gemv<1, g4k::PlainEpilogue>" rows 1 to 1 {tile_tokens = 1 : i64}
      g4k.launch "cublaslt_split" "cublasLt" rows 2 and above
      g4k.yield %r : tensor<?x128xf32>
    }
    ```
  }];
  let arguments = (ins StrAttr:$arch, Variadic<AnyType>:$bindings);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $arch `(` $bindings `)` attr-dict `:` functional-type($bindings, $results) $body
  }];
  let extraClassDeclaration = [{
    /// The g4 operation the dispatch runs (the first of its body).
    ::mlir::Operation *getComputation();
    /// The launch alternatives, in regime order.
    auto getLaunches() { return getBody().front().getOps<LaunchOp>(); }
    /// The dispatch operand a value of the body stands for.
    ::mlir::Value getBoundValue(::mlir::Value inner);
  }];
  let hasVerifier = 1;
  let hasRegionVerifier = 1;
}

def G4K_LaunchOp : G4K_Op<"launch", [HasParent<"DispatchOp">]> {
  let summary = "the kernel and tile that run the dispatch's operation for a regime of row counts";
  let description = [{
    Steps of `min_rows` up to `max_rows` rows (absent: every larger step)
    run the dispatch's operation with `kernel` of `family`: an NVRTC name
    expression of kernels/KernelNames.h (e.g. `g4k::gemv<4, g4k::PlainEpilogue>`)
    or, for a library family, the library (`cublasLt`). Tile parameters, 0
    where the family has none: `tile_tokens` (tokens per block: the GEMV
    variant, the attention tile), `tile_rows` (query rows per attention
    block) and `shared_bytes` (dynamic shared memory per block). An
    attention launch may be conditional, `if rows_per_tile > N`: it serves a
    step only when the step's query rows (rows x group) exceed N per tile
    of `tile_tokens` of one sequence's tokens, the next launch the others.
    Invariants: the family is known, serves the dispatch's operation and
    names the kernel; 1 <= min_rows <= max_rows; GEMV and attention launches
    have a tile; an attention launch is the instance of its variant for the
    operation's head_dim and group, with that instance's tile; only
    attention launches are conditional; shared_bytes fits the dispatch's
    architecture.

    ```mlir
    g4k.launch "attention_mma" "g4k::attentionMma<256, 2, 8>" rows 5 to 64 if rows_per_tile > 16
        {shared_bytes = 205312 : i64, tile_rows = 128 : i64, tile_tokens = 64 : i64}
    g4k.launch "attention_mma_decode" "g4k::attentionMma<256, 2, 1>" rows 5 to 64
        {shared_bytes = 144512 : i64, tile_rows = 16 : i64, tile_tokens = 8 : i64}
    ```
  }];
  let arguments = (ins StrAttr:$family, StrAttr:$kernel, I64Attr:$min_rows, OptionalAttr<I64Attr>:$max_rows,
                       DefaultValuedAttr<I64Attr, "0">:$tile_tokens, DefaultValuedAttr<I64Attr, "0">:$tile_rows,
                       DefaultValuedAttr<I64Attr, "0">:$shared_bytes, OptionalAttr<I64Attr>:$rows_per_tile_above);
  let assemblyFormat = [{
    $family $kernel `rows` $min_rows (`to` $max_rows^):(`and` `above`)?
    (`if` `rows_per_tile` ` ` `>` $rows_per_tile_above^)? attr-dict
  }];
  let hasVerifier = 1;
}

def G4K_YieldOp : G4K_Op<"yield", [Pure, Terminator, HasParent<"DispatchOp">]> {
  let summary = "the results of a dispatch's operation";
  let description = [{
    Ends a `g4k.dispatch`: its operands are the results of the dispatch's
    g4 operation, in order, and become the dispatch's results.

    ```mlir
    g4k.yield %r : tensor<?x128xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

} // opDocGroup OpGroupLaunches

#endif // G4K_OPS_TD
