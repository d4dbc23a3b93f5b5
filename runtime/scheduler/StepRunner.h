// Runs the scheduler's steps on an Engine: maps requests to engine
// sequences, preempts by recompute when a KV pool is full, and hands back,
// for each sampling request, its next token sampled by the backend (when the
// caller offloads every sampling request of the step) or else the logits row
// it draws from. Sampling parameters and RNGs stay with the caller (each
// request owns its sampler chain).
//
// Backend-agnostic: it only talks to Engine. Threading: not thread-safe; the
// thread that owns the scheduler owns the runner.
#pragma once

#include "engine/Engine.h"
#include "scheduler/Scheduler.h"

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace g4::rt {

struct SampleRow {
  RequestId request = 0;
  size_t row = 0;     // index of the logits row, [vocab] floats (when the step returned logits)
  int32_t token = -1; // the token the backend sampled (when the step sampled), else -1
};

// A request's sampling as the backend runs it (SamplerChain::offload), or
// nullopt when it needs the logits on the host (penalties, logprobs).
using OffloadFn = std::function<std::optional<RowSampling>(RequestId)>;

struct StepOutput {
  SchedulerOutput scheduled;      // what ran (chunks empty: nothing to run)
  std::vector<float> logits;      // [scheduled.numTokens, vocab]; empty when the backend sampled
  std::vector<SampleRow> samples; // one per chunk that samples, in chunk order
  // Non-empty when the engine threw: the step's requests were removed from
  // the scheduler and their KV freed; their owners must be told.
  std::string error;
  std::vector<RequestId> failed;
};

class StepRunner {
public:
  // `engine` and `scheduler` must outlive the runner.
  StepRunner(Engine &engine, Scheduler &scheduler);
  ~StepRunner();
  StepRunner(const StepRunner &) = delete;
  StepRunner &operator=(const StepRunner &) = delete;

  // Schedules one step and runs it. When a KV pool is full, preempts one
  // request at a time (freeing its sequence) and retries with the rest.
  // When `offload` gives every sampling request of the step its RowSampling,
  // the backend samples (Engine::stepSampled; `offload` may be asked again
  // after a retry), else the step returns logits. Throws g4::Error when a
  // single running request cannot fit alone (the KV cache is smaller than
  // one sequence of the model's context).
  StepOutput step(const OffloadFn &offload = {});
  // Forgets a finished or cancelled request and frees its KV.
  void remove(RequestId id);

private:
  void release(RequestId id);
  // Each chunk's RowSampling (nullopt for chunks that do not sample) when
  // `offload` gives one to every chunk that samples; else nullopt.
  std::optional<std::vector<std::optional<RowSampling>>> offloaded(const SchedulerOutput &scheduled,
                                                                   const OffloadFn &offload) const;

  Engine &engine_;
  Scheduler &scheduler_;
  std::unordered_map<RequestId, SeqId> sequences_;
};

} // namespace g4::rt
