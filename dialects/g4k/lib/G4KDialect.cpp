//===- G4KDialect.cpp - g4k dialect registration ----------------*- C++ -*-===//

#include "g4k/G4KDialect.h"

using namespace mlir;
using namespace mlir::g4k;

#include "g4k/G4KDialect.cpp.inc"

void G4KDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "g4k/G4KOps.cpp.inc"
      >();
}
