#include "driver/Compile.h"

#include "emit/KernelEmitter.h"
#include "emit/PlanEmitter.h"
#include "g4/G4Dialect.h"
#include "g4k/G4KDialect.h"
#include "import/ModelImporter.h"
#include "io/Error.h"
#include "passes/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>

namespace g4::driver {
namespace {

class Progress {
public:
  explicit Progress(bool quiet) : quiet_(quiet) {}
  void step(const std::string &what) {
    if (quiet_)
      return;
    auto now = std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(now - start_).count();
    std::cerr << "gemma4c: " << what << " (" << int64_t(ms) << " ms)\n";
    start_ = now;
  }

private:
  bool quiet_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Collects MLIR diagnostics so that a failure becomes one g4::Error.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(mlir::MLIRContext &context)
      : handler_(&context, [this](mlir::Diagnostic &diag) {
          std::string text;
          llvm::raw_string_ostream os(text);
          os << diag.getLocation() << ": " << diag;
          for (mlir::Diagnostic &note : diag.getNotes())
            os << "\n  note: " << note;
          messages_ += (messages_.empty() ? "" : "\n") + text;
          return mlir::success();
        }) {}
  [[noreturn]] void fail(const std::string &what) const {
    throw Error(what + (messages_.empty() ? "" : ":\n" + messages_));
  }

private:
  mlir::ScopedDiagnosticHandler handler_;
  std::string messages_;
};

} // namespace

void compile(const CompileOptions &options) {
  Progress progress(options.quiet);
  std::optional<kernels::GpuArch> arch;
  if (!options.arch.empty())
    arch = kernels::parseArch(options.arch); // before any work: a typo fails fast
  mlir::MLIRContext context;
  context.printOpOnDiagnostic(false); // a weight-listing op dump buries the message
  context.loadDialect<mlir::g4::G4Dialect, mlir::g4k::G4KDialect, mlir::func::FuncDialect>();
  DiagnosticCollector diagnostics(context);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      import::importCheckpoint(context, options.checkpointDir, {options.dummyWeights});
  if (mlir::failed(mlir::verify(*module)))
    diagnostics.fail(options.checkpointDir + ": the imported module does not verify");
  progress.step("imported " + options.checkpointDir);

  mlir::PassManager pm(&context);
  if (options.printIrAfterAll) {
    context.disableMultithreading();
    pm.enableIRPrinting([](mlir::Pass *, mlir::Operation *) { return false; },
                        [](mlir::Pass *, mlir::Operation *) { return true; },
                        /*printModuleScope=*/true, /*printAfterOnlyOnChange=*/false);
  }
  mlir::g4::TextPipelineOptions pipeline;
  pipeline.stripMultimodal = options.stripMultimodal;
  pipeline.kvPageSize = options.kvPageSize;
  pipeline.slidingFullRatio = options.slidingFullRatio;
  pipeline.tensorParallel = options.tensorParallel;
  pipeline.fuse = options.fuse;
  pipeline.arch = options.arch;
  pipeline.gemvMaxTokens = options.gemvMaxTokens;
  pipeline.halfGemmMinRows = options.halfGemmMinRows;
  mlir::g4::buildTextPipeline(pm, pipeline);
  if (mlir::failed(pm.run(*module)))
    diagnostics.fail("the pass pipeline failed");
  progress.step("ran the pass pipeline");

  if (options.emit == EmitKind::Mlir) {
    if (options.output.empty() || options.output == "-") {
      module->print(llvm::outs());
      llvm::outs() << "\n";
      return;
    }
    std::error_code ec;
    llvm::raw_fd_ostream out(options.output, ec);
    if (ec)
      throw Error(options.output + ": cannot open for writing: " + ec.message());
    module->print(out);
    out << "\n";
    return;
  }

  emit::PlanOptions planOptions{options.output};
  auto plan = emit::emitPlan(*module, planOptions);
  if (mlir::failed(plan))
    diagnostics.fail("cannot emit the plan");
  if (arch) {
    std::vector<emit::KernelImageData> images{emit::compileKernels(*plan::GetPlan(plan->data()), *arch)};
    progress.step("compiled " + std::to_string(images[0].functions.size()) + " CUDA kernels for " + arch->name +
                  " with " + images[0].compiler);
    planOptions.kernels = &images;
    plan = emit::emitPlan(*module, planOptions);
    if (mlir::failed(plan))
      diagnostics.fail("cannot emit the plan");
  }
  std::ofstream out(options.output, std::ios::binary | std::ios::trunc);
  if (!out)
    throw Error(options.output + ": cannot open for writing");
  out.write(reinterpret_cast<const char *>(plan->data()), std::streamsize(plan->size()));
  if (!out)
    throw Error(options.output + ": write failed");
  progress.step("wrote " + options.output + " (" + std::to_string(plan->size()) + " bytes)");
}

} // namespace g4::driver
