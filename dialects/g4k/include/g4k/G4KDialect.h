//===- G4KDialect.h - the Gemma 4 kernel-level dialect ----------*- C++ -*-===//
//
// The `g4k` dialect and its operations: launches of the CUDA backend's
// kernels, per regime of row counts, wrapping the g4 operation they run.
//
//===----------------------------------------------------------------------===//

#ifndef G4K_G4KDIALECT_H
#define G4K_G4KDIALECT_H

#include "g4/G4Dialect.h"

#include "KernelFamilies.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "g4k/G4KDialect.h.inc"

#define GET_OP_CLASSES
#include "g4k/G4KOps.h.inc"

namespace mlir::g4k {

/// The kernel-family role that runs `op` on the CUDA backend (a projection,
/// attention or MoE experts), or none for an op run without kernel choices.
std::optional<::g4::kernels::FamilyRole> familyRoleOf(Operation *op);

} // namespace mlir::g4k

#endif // G4K_G4KDIALECT_H
