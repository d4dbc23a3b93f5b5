// A plan file read into memory and verified once: file identifier, FlatBuffers
// structure, schema version, then meaning (see PlanVerifier.h). Code holding a
// PlanFile may index buffers, weights and KV layers without checking again.
#pragma once

#include "plan/plan_generated.h"

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace g4::rt {

inline constexpr uint32_t kPlanSchemaVersion = 1;

class PlanFile {
public:
  // Reads and verifies `path`; throws g4::Error naming the file and the fault.
  explicit PlanFile(std::filesystem::path path);
  // Verifies `bytes` as if read from `path` (which anchors checkpoint_dir).
  PlanFile(std::filesystem::path path, std::vector<uint8_t> bytes);

  PlanFile(const PlanFile &) = delete;
  PlanFile &operator=(const PlanFile &) = delete;
  PlanFile(PlanFile &&) = default;
  PlanFile &operator=(PlanFile &&) = default;

  const plan::Plan &plan() const { return *plan_; }
  const plan::ModelInfo &model() const { return *plan_->model(); }
  const plan::KvSpec &kv() const { return *plan_->kv(); }
  const std::filesystem::path &path() const { return path_; }

  // The program called `name`; throws g4::Error when the plan has none.
  const plan::Program &program(std::string_view name) const;

  // The folder holding the weight files: `override` when not empty, else
  // Plan.checkpoint_dir, which is relative to the plan file's folder unless absolute.
  std::filesystem::path checkpointDir(const std::filesystem::path &override = {}) const;

private:
  std::filesystem::path path_;
  std::vector<uint8_t> bytes_; // owns the storage plan_ points into
  const plan::Plan *plan_ = nullptr;
};

// The elements of a (verified) weight: the product of its shape.
inline uint64_t elementCount(const plan::Weight &weight) {
  uint64_t n = 1;
  for (int64_t d : *weight.shape())
    n *= uint64_t(d);
  return n;
}

} // namespace g4::rt
