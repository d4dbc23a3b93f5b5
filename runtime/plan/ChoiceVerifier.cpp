#include "plan/ChoiceVerifier.h"

#include "KernelFamilies.h"
#include "KernelSet.h"
#include "io/Error.h"
#include "plan/VerifierSupport.h"

#include <cstdint>
#include <optional>

namespace g4::rt {
namespace {

std::string rowsText(uint64_t first, uint64_t last) {
  if (last >= kernels::kUnboundedRows)
    return "rows " + std::to_string(first) + " and above";
  return first == last ? "row " + std::to_string(first)
                       : "rows " + std::to_string(first) + " to " + std::to_string(last);
}

} // namespace

void verifyKernelChoices(const plan::Instruction &inst, const std::string &label) {
  auto fail = [&](const std::string &what) { throw Error(label + ": " + what); };
  const std::optional<kernels::FamilyRole> role = kernels::choiceRole(inst.op_type());
  const uint32_t count = verify::sizeOf(inst.kernels());
  if (!role) {
    if (count)
      fail("has kernel choices, but the CUDA backend runs " + std::string(plan::EnumNameOp(inst.op_type())) +
           " without any");
    return;
  }
  const std::string fix = " (recompile the plan with gemma4c compile --arch)";
  if (count == 0)
    fail("a CUDA plan needs kernel choices covering every row count, found none" + fix);
  uint64_t next = 1; // the first row count not yet covered
  for (uint32_t i = 0; i < count; ++i) {
    const plan::KernelChoice &c = *inst.kernels()->Get(i);
    const std::string cl = "kernels[" + std::to_string(i) + "]";
    if (!c.family() || !c.kernel())
      fail(cl + ": family or kernel missing");
    const kernels::FamilyInfo *family = kernels::findFamily(c.family()->string_view());
    if (!family)
      fail(cl + ": unknown kernel family '" + c.family()->str() + "'" + fix);
    if (family->role != *role)
      fail(cl + ": family '" + c.family()->str() + "' cannot run " + plan::EnumNameOp(inst.op_type()));
    if (!kernels::kernelMatchesFamily(*family, c.kernel()->string_view()))
      fail(cl + ": kernel '" + c.kernel()->str() + "' is not of family '" + c.family()->str() + "'");
    if (c.max_rows() < c.min_rows())
      fail(cl + ": max_rows " + std::to_string(c.max_rows()) + " is below min_rows " + std::to_string(c.min_rows()));
    if (c.min_rows() > next)
      fail("kernel choices leave " + rowsText(next, c.min_rows() - 1) + " uncovered" + fix);
    if (c.min_rows() < next)
      fail("kernel choices cover " + rowsText(c.min_rows(), std::min<uint64_t>(next - 1, c.max_rows())) + " twice");
    next = uint64_t(c.max_rows()) + 1;
  }
  if (next <= kernels::kUnboundedRows)
    fail("kernel choices leave " + rowsText(next, kernels::kUnboundedRows) + " uncovered" + fix);
}

} // namespace g4::rt
