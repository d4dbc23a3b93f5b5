#include "tp/TensorParallelBackend.h"

#include <atomic>
#include <exception>
#include <thread>

namespace g4::rt {

TensorParallelBackend::TensorParallelBackend(std::vector<std::unique_ptr<Backend>> ranks,
                                             std::shared_ptr<InProcessGroup> group)
    : ranks_(std::move(ranks)), group_(std::move(group)), otherLogits_(ranks_.size()) {}

void TensorParallelBackend::forward(const StepBatch &batch, const KvCache &kv, std::vector<float> &logits) {
  std::vector<std::exception_ptr> errors(ranks_.size());
  std::atomic<int> firstFailed{-1}; // the others then fail only because it aborted the group
  auto run = [&](size_t r, std::vector<float> &out) {
    try {
      ranks_[r]->forward(batch, kv, out);
    } catch (...) {
      errors[r] = std::current_exception();
      int none = -1;
      firstFailed.compare_exchange_strong(none, int(r));
      group_->abort();
    }
  };
  {
    std::vector<std::jthread> threads;
    for (size_t r = 1; r < ranks_.size(); ++r)
      threads.emplace_back(run, r, std::ref(otherLogits_[r]));
    run(0, logits);
  }
  if (firstFailed >= 0) {
    group_->reset(); // every rank has left the step: the next one starts clean
    std::rethrow_exception(errors[size_t(firstFailed.load())]);
  }
}

} // namespace g4::rt
