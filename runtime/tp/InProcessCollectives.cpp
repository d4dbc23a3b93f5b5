#include "tp/InProcessCollectives.h"

#include "io/Error.h"

#include <algorithm>

namespace g4::rt {

InProcessGroup::InProcessGroup(uint32_t ranks) : buffers_(ranks, nullptr) {}

void InProcessGroup::publish(uint32_t rank, const float *buffer) {
  buffers_[rank] = buffer;
  arriveAndWait();
}

void InProcessGroup::arriveAndWait() {
  std::unique_lock lock(mutex_);
  if (aborted_)
    throw Error("tensor parallelism: another rank failed");
  const uint64_t generation = generation_;
  if (++waiting_ == buffers_.size()) {
    waiting_ = 0;
    ++generation_;
    arrived_.notify_all();
    return;
  }
  arrived_.wait(lock, [&] { return generation_ != generation || aborted_; });
  if (generation_ == generation)
    throw Error("tensor parallelism: another rank failed");
}

void InProcessGroup::abort() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  arrived_.notify_all();
}

void InProcessGroup::reset() {
  std::lock_guard lock(mutex_);
  aborted_ = false;
  waiting_ = 0;
}

InProcessCollectives::InProcessCollectives(std::shared_ptr<InProcessGroup> group, uint32_t rank)
    : group_(std::move(group)), rank_(rank) {}

void InProcessCollectives::allReduceSum(float *data, size_t n) {
  group_->publish(rank_, data);
  sum_.assign(group_->buffer(0), group_->buffer(0) + n);
  for (uint32_t r = 1; r < ranks(); ++r) {
    const float *part = group_->buffer(r);
    for (size_t i = 0; i < n; ++i)
      sum_[i] += part[i];
  }
  group_->arriveAndWait(); // every rank has read every buffer
  std::copy(sum_.begin(), sum_.end(), data);
}

void InProcessCollectives::allGather(const float *in, float *out, size_t rows, size_t width) {
  group_->publish(rank_, in);
  const size_t outWidth = width * ranks();
  for (uint32_t r = 0; r < ranks(); ++r)
    for (size_t t = 0; t < rows; ++t)
      std::copy_n(group_->buffer(r) + t * width, width, out + t * outWidth + r * width);
  group_->arriveAndWait();
}

} // namespace g4::rt
