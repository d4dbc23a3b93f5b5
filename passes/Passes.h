//===- Passes.h - transformations of the g4 dialect -------------*- C++ -*-===//
//
// Declares every g4 pass (see Passes.td) and `registerG4Passes()`, which
// makes them available to `g4-opt` and to textual pass pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef G4_PASSES_PASSES_H
#define G4_PASSES_PASSES_H

#include "g4/G4Dialect.h"
#include "g4k/G4KDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include <memory>
#include <string>

namespace mlir::g4 {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

} // namespace mlir::g4

#endif // G4_PASSES_PASSES_H
