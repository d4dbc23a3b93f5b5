#include "plan/ChoiceVerifier.h"

#include "AttentionVariants.h"
#include "KernelFamilies.h"
#include "KernelSet.h"
#include "io/Error.h"
#include "plan/VerifierSupport.h"

#include <algorithm>
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

std::string rowsText(const plan::KernelChoice &c) { return rowsText(c.min_rows(), c.max_rows()); }

// What the CUDA backend launches for an attention choice: the instance of its
// family's variant for the op's head_dim and group, with that instance's
// tile; empty when it is so, else what is wrong.
std::string attentionChoiceError(const plan::Attention &op, const plan::KernelChoice &c,
                                 const kernels::FamilyInfo &family) {
  const uint32_t headDim = op.head_dim(), group = op.num_heads() / op.num_kv_heads();
  const std::string shape = " for head_dim " + std::to_string(headDim) + " and group " + std::to_string(group);
  const std::optional<kernels::AttentionVariant> variant = kernels::attentionVariantOf(family.family);
  const std::vector<kernels::AttentionVariant> variants = kernels::attentionVariants(headDim, group);
  if (!variant || std::find(variants.begin(), variants.end(), *variant) == variants.end())
    return "family '" + std::string(family.name) + "' has no kernel" + shape;
  const kernels::AttentionShape expected = kernels::attentionShape(*variant, headDim, group);
  if (c.kernel()->string_view() == expected.name && c.tile_tokens() == expected.tileTokens &&
      c.tile_rows() == expected.tileRows && c.shared_bytes() == expected.sharedBytes)
    return "";
  return "expects '" + expected.name + "' with tile_tokens " + std::to_string(expected.tileTokens) + ", tile_rows " +
         std::to_string(expected.tileRows) + " and shared_bytes " + std::to_string(expected.sharedBytes) + shape +
         ", found '" + c.kernel()->str() + "' with " + std::to_string(c.tile_tokens()) + ", " +
         std::to_string(c.tile_rows()) + " and " + std::to_string(c.shared_bytes());
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
  uint64_t next = 1;                               // the first row count not yet covered
  const plan::KernelChoice *conditional = nullptr; // the previous choice, while it has rows_per_tile_above
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
    if (c.rows_per_tile_above() && *role != kernels::FamilyRole::Attention)
      fail(cl + ": rows_per_tile_above is set, but only attention choices have tiles of one sequence's tokens");
    if (const plan::Attention *op = inst.op_as_Attention())
      if (const std::string error = attentionChoiceError(*op, c, *family); !error.empty())
        fail(cl + ": " + error + fix);
    if (conditional) {
      // The steps the previous choice's condition turns away fall through to this one.
      if (c.min_rows() != conditional->min_rows() || c.max_rows() != conditional->max_rows())
        fail(cl + ": serves " + rowsText(c) + ", but the choice before it, with rows_per_tile_above, serves " +
             rowsText(*conditional) + ": its other steps need a choice of the same rows" + fix);
    } else {
      if (c.min_rows() > next)
        fail("kernel choices leave " + rowsText(next, c.min_rows() - 1) + " uncovered" + fix);
      if (c.min_rows() < next)
        fail("kernel choices cover " + rowsText(c.min_rows(), std::min<uint64_t>(next - 1, c.max_rows())) + " twice");
      next = uint64_t(c.max_rows()) + 1;
    }
    conditional = c.rows_per_tile_above() ? &c : nullptr;
  }
  if (conditional) {
    const std::string last = "kernels[" + std::to_string(count - 1) + "]";
    fail(last + ": has rows_per_tile_above, but no choice after it serves the other steps of " +
         rowsText(*conditional) + fix);
  }
  if (next <= kernels::kUnboundedRows)
    fail("kernel choices leave " + rowsText(next, kernels::kUnboundedRows) + " uncovered" + fix);
}

} // namespace g4::rt
