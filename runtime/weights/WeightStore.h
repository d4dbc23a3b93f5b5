// The weights of a plan, memory-mapped from the checkpoint's files, or
// generated in memory for a plan compiled with --dummy-weights (DummyWeights.h).
//
// The plan verifier has already checked that every weight's byte range lies
// inside its file's declared size and matches its dtype and shape; the store
// checks that each file exists and has exactly that size, so every range is
// backed by real bytes.
#pragma once

#include "plan/PlanFile.h"
#include "weights/MappedFile.h"

#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

namespace g4::rt {

class WeightStore {
public:
  // Maps every weight file of `plan` under `checkpointDir`; throws g4::Error
  // "<plan>: weight file <path> not found" or naming a size mismatch. A
  // dummy-weights plan reads no file: its weights are generated here. A
  // tensor-parallel plan's split weights are `rank`'s slices (strided ones
  // gathered into memory once).
  WeightStore(const PlanFile &plan, const std::filesystem::path &checkpointDir, uint32_t rank = 0);

  size_t numWeights() const { return weights_.size(); }
  std::span<const std::byte> bytes(uint32_t weight) const;
  // The weight's elements converted to fp32 (from F32, BF16 or F16).
  std::vector<float> toFloat32(uint32_t weight) const;

private:
  static std::vector<std::byte> generate(const plan::Weight &weight);
  std::vector<std::byte> gather(const plan::Weight &weight) const;

  std::vector<MappedFile> files_;
  std::vector<const plan::Weight *> weights_;
  uint32_t rank_;
  std::vector<std::vector<std::byte>> owned_; // generated or gathered bytes, indexed like weights_; empty: mapped
};

} // namespace g4::rt
