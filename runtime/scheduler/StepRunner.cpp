#include "scheduler/StepRunner.h"

#include "io/Error.h"

namespace g4::rt {

StepRunner::StepRunner(Engine &engine, Scheduler &scheduler) : engine_(engine), scheduler_(scheduler) {}

StepRunner::~StepRunner() {
  for (const auto &[request, seq] : sequences_)
    engine_.release(seq);
}

void StepRunner::release(RequestId id) {
  auto it = sequences_.find(id);
  if (it == sequences_.end())
    return;
  engine_.release(it->second);
  sequences_.erase(it);
}

void StepRunner::remove(RequestId id) {
  release(id);
  scheduler_.remove(id);
}

std::optional<std::vector<std::optional<RowSampling>>> StepRunner::offloaded(const SchedulerOutput &scheduled,
                                                                             const OffloadFn &offload) const {
  if (!offload)
    return std::nullopt;
  std::vector<std::optional<RowSampling>> sampling;
  for (const ScheduledChunk &chunk : scheduled.chunks) {
    sampling.emplace_back();
    if (chunk.samples && !(sampling.back() = offload(chunk.request)))
      return std::nullopt;
  }
  return sampling;
}

StepOutput StepRunner::step(const OffloadFn &offload) {
  StepOutput out;
  out.scheduled = scheduler_.schedule();
  while (!out.scheduled.empty()) {
    std::vector<SequenceTokens> work;
    for (const ScheduledChunk &chunk : out.scheduled.chunks) {
      if (chunk.begin == 0 && !sequences_.count(chunk.request))
        sequences_[chunk.request] = engine_.createSequence();
      work.push_back(
          {sequences_.at(chunk.request), scheduler_.tokens(chunk.request).subspan(chunk.begin, chunk.count)});
    }
    const auto sampling = offloaded(out.scheduled, offload);
    StepResult result;
    try {
      result = sampling ? engine_.stepSampled(work, *sampling) : engine_.step(work);
    } catch (const std::exception &e) {
      out.error = e.what();
      for (const ScheduledChunk &chunk : out.scheduled.chunks) {
        out.failed.push_back(chunk.request);
        remove(chunk.request);
      }
      out.scheduled.chunks.clear();
      out.scheduled.numTokens = 0;
      return out;
    }
    if (result.status == KvStatus::Ok) {
      out.logits = std::move(result.logits);
      size_t row = 0;
      for (size_t i = 0; i < out.scheduled.chunks.size(); ++i) {
        const ScheduledChunk &chunk = out.scheduled.chunks[i];
        row += chunk.count;
        if (chunk.samples)
          out.samples.push_back({chunk.request, row - 1, sampling ? result.tokens[i] : -1});
      }
      break;
    }
    if (scheduler_.numRunning() <= 1)
      throw Error(std::string("KV cache too small for a single sequence: ") + kvStatusName(result.status) +
                  " (a step of " + std::to_string(out.scheduled.numTokens) + " tokens, no other request to preempt)");
    const size_t before = out.scheduled.preempted.size();
    scheduler_.preempt(out.scheduled);
    for (size_t i = before; i < out.scheduled.preempted.size(); ++i)
      release(out.scheduled.preempted[i]);
  }
  return out;
}

} // namespace g4::rt
