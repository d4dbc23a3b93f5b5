//===- G4KDialect.td - the Gemma 4 kernel-level dialect ---*- tablegen -*-===//
//
// `g4k` says how the CUDA backend runs a `g4` operation: which kernel (an
// NVRTC instance of kernels/, or a library call such as cuBLASLt) with which
// tile, for each regime of step sizes. g4-lower-to-kernels produces it from
// the choices of g4-select-tiles; the plan emitter writes it as each
// instruction's KernelChoice list.
//
//===----------------------------------------------------------------------===//

#ifndef G4K_DIALECT_TD
#define G4K_DIALECT_TD

include "mlir/IR/OpBase.td"

def G4K_Dialect : Dialect {
  let name = "g4k";
  let summary = "kernel launches of the Gemma 4 CUDA backend";
  let description = [{
    A `g4k.dispatch` binds the operands of one `g4` operation (kept inside
    it, so its semantics stay available) and lists the `g4k.launch`
    alternatives that run it, one per regime of row counts; the regimes
    cover every row count exactly once. The kernel families are those of
    kernels/KernelFamilies.h.
  }];
  let cppNamespace = "::mlir::g4k";
  let dependentDialects = ["::mlir::g4::G4Dialect"];
}

#endif // G4K_DIALECT_TD
