#include "tp/TensorParallelBackend.h"

#include <algorithm>

namespace g4::rt {

TensorParallelBackend::TensorParallelBackend(std::vector<std::unique_ptr<Backend>> ranks,
                                             std::shared_ptr<RankGroup> group)
    : ranks_(std::move(ranks)), group_(std::move(group)), otherLogits_(ranks_.size()), otherTokens_(ranks_.size()),
      errors_(ranks_.size()) {
  for (size_t r = 1; r < ranks_.size(); ++r)
    threads_.emplace_back([this, r](std::stop_token stop) { serve(r, stop); });
}

void TensorParallelBackend::runRank(size_t r) {
  try {
    (*step_)(*ranks_[r], r);
  } catch (...) {
    errors_[r] = std::current_exception();
    int none = -1;
    firstFailed_.compare_exchange_strong(none, int(r));
    group_->abort();
  }
}

void TensorParallelBackend::serve(size_t r, std::stop_token stop) {
  uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (!posted_.wait(lock, stop, [&] { return steps_ != seen; }))
        return; // stopped
      seen = steps_;
    }
    runRank(r);
    {
      std::lock_guard lock(mutex_);
      ++finished_;
    }
    done_.notify_one();
  }
}

void TensorParallelBackend::runStep(const RankStep &step) {
  {
    std::lock_guard lock(mutex_);
    step_ = &step;
    finished_ = 0;
    std::fill(errors_.begin(), errors_.end(), nullptr);
    firstFailed_ = -1;
    ++steps_;
  }
  posted_.notify_all();
  runRank(0);
  {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return finished_ == ranks_.size() - 1; });
  }
  if (firstFailed_ >= 0) {
    group_->reset(); // every rank has left the step: the next one starts clean
    std::rethrow_exception(errors_[size_t(firstFailed_.load())]);
  }
}

void TensorParallelBackend::forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) {
  runStep([&](Backend &rank, size_t r) { rank.forward(batch, kv, r == 0 ? logits : otherLogits_[r]); });
}

void TensorParallelBackend::forwardGreedy(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                                          std::vector<int32_t> &tokens) {
  runStep([&](Backend &rank, size_t r) { rank.forwardGreedy(batch, kv, rows, r == 0 ? tokens : otherTokens_[r]); });
}

void TensorParallelBackend::forwardSampled(const StepBatch &batch, const KvCache &kv, std::span<const uint32_t> rows,
                                           std::span<const RowSampling> sampling, std::vector<int32_t> &tokens) {
  runStep([&](Backend &rank, size_t r) {
    rank.forwardSampled(batch, kv, rows, sampling, r == 0 ? tokens : otherTokens_[r]);
  });
}

} // namespace g4::rt
