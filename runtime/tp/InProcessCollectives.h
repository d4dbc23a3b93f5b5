// Collectives between ranks that are threads of one process, for the CPU
// backend: each rank publishes a pointer to its buffer, waits for the others,
// then reads them all. A rank that fails aborts the group, so the others stop
// waiting and throw instead of hanging.
#pragma once

#include "tp/Collectives.h"
#include "tp/RankGroup.h"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace g4::rt {

class InProcessGroup final : public RankGroup {
public:
  explicit InProcessGroup(uint32_t ranks);

  uint32_t ranks() const { return uint32_t(buffers_.size()); }

  // Publishes `buffer` as `rank`'s and waits until every rank has published.
  void publish(uint32_t rank, const float *buffer);
  const float *buffer(uint32_t rank) const { return buffers_[rank]; }
  // Waits until every rank has arrived (the published buffers may be reused after).
  void arriveAndWait();
  // Makes every waiting and later arriveAndWait() throw g4::Error.
  void abort() override;
  // Ready for the next step after an aborted one; only while no rank waits.
  void reset() override;

private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  uint32_t waiting_ = 0;
  uint64_t generation_ = 0;
  bool aborted_ = false;
  std::vector<const float *> buffers_;
};

class InProcessCollectives final : public Collectives {
public:
  InProcessCollectives(std::shared_ptr<InProcessGroup> group, uint32_t rank);

  uint32_t rank() const override { return rank_; }
  uint32_t ranks() const override { return group_->ranks(); }
  void allReduceSum(float *data, size_t n) override;
  void allGather(const float *in, float *out, size_t rows, size_t width) override;

private:
  std::shared_ptr<InProcessGroup> group_;
  uint32_t rank_;
  std::vector<float> sum_;
};

} // namespace g4::rt
