#include "server/EngineLoop.h"

#include "sample/StopStrings.h"
#include "scheduler/StepRunner.h"
#include "server/Detokenizer.h"

#include <map>
#include <unordered_map>

namespace g4::rt::server {

namespace {

using Clock = std::chrono::steady_clock;

double secondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

struct ActiveTask;

// One of a task's n sequences.
struct Sequence {
  Sequence(ActiveTask &owner, uint32_t index, RequestId request, const GenerationTask &g, const Tokenizer &tokenizer)
      : owner(owner), index(index), request(request), sampler(seeded(g.sampling, index), g.prompt),
        detokenizer(tokenizer, g.skipSpecialTokens), stopStrings(g.stopStrings) {}

  static SamplingParams seeded(SamplingParams params, uint32_t index) {
    params.seed += index;
    return params;
  }

  ActiveTask &owner;
  uint32_t index;
  RequestId request;
  SamplerChain sampler;
  Detokenizer detokenizer;
  StopStringMatcher stopStrings;
  uint32_t generated = 0;
  bool finished = false;
  Clock::time_point lastToken;
};

struct ActiveTask {
  std::shared_ptr<Task> task;
  std::vector<std::unique_ptr<Sequence>> sequences;
  uint32_t unfinished = 0;
  TaskUsage usage;
};

} // namespace

struct EngineLoop::State {
  explicit State(Engine &engine, const SchedulerConfig &config) : scheduler(config), runner(engine, scheduler) {}

  Scheduler scheduler;
  StepRunner runner;
  std::map<uint64_t, ActiveTask> tasks; // by task id
  std::unordered_map<RequestId, Sequence *> sequences;
  RequestId nextRequest = 0;
};

EngineLoop::EngineLoop(Engine &engine, const Tokenizer &tokenizer, const SchedulerConfig &config, Metrics &metrics)
    : engine_(engine), tokenizer_(tokenizer), metrics_(metrics), state_(std::make_unique<State>(engine, config)),
      thread_([this] { run(); }) {}

EngineLoop::~EngineLoop() { shutdown(); }

bool EngineLoop::submit(std::shared_ptr<Task> task) { return queue_.submit(std::move(task)); }

void EngineLoop::shutdown() {
  stopping_ = true;
  queue_.close();
  if (thread_.joinable())
    thread_.join();
}

void EngineLoop::run() {
  State &s = *state_;
  const size_t vocab = engine_.vocabSize();

  // Starts a task's sequences; a task refused (sampler parameters out of
  // range, an empty prompt) is answered with the error instead.
  auto admit = [&](std::shared_ptr<Task> task) {
    const uint64_t id = task->id;
    const GenerationTask &g = task->generation;
    ActiveTask &active = s.tasks[id];
    active.task = task;
    try {
      for (uint32_t i = 0; i < g.n; ++i)
        active.sequences.push_back(std::make_unique<Sequence>(active, i, s.nextRequest++, g, tokenizer_));
      for (const auto &seq : active.sequences) {
        s.scheduler.add(seq->request, g.prompt);
        s.sequences[seq->request] = seq.get();
      }
    } catch (const std::exception &e) {
      for (const auto &seq : active.sequences) {
        s.scheduler.remove(seq->request);
        s.sequences.erase(seq->request);
      }
      s.tasks.erase(id);
      TaskUpdate update;
      update.done = true;
      update.error = e.what();
      task->channel->push(std::move(update));
      return;
    }
    active.usage.promptTokens = uint32_t(g.prompt.size());
    active.unfinished = g.n;
    metrics_.requestReceived();
    metrics_.promptTokens(g.prompt.size());
  };

  // Removes the task's unfinished sequences (freeing KV) and forgets it.
  auto drop = [&](uint64_t id, FinishReason reason) {
    ActiveTask &active = s.tasks.at(id);
    for (const auto &seq : active.sequences) {
      s.sequences.erase(seq->request);
      if (!seq->finished) {
        s.runner.remove(seq->request);
        metrics_.requestFinished(reason);
      }
    }
    s.tasks.erase(id);
  };
  // Ends the task with an update: `error`, or every unfinished sequence aborted.
  auto end = [&](uint64_t id, const std::string &error) {
    ActiveTask &active = s.tasks.at(id);
    TaskUpdate update;
    update.done = true;
    update.error = error;
    update.usage = active.usage;
    if (error.empty())
      for (const auto &seq : active.sequences)
        if (!seq->finished)
          update.choices.push_back({seq->index, {}, {}, {}, FinishReason::Abort});
    active.task->channel->push(std::move(update));
    drop(id, FinishReason::Abort);
  };
  auto failAll = [&](const std::string &error) {
    while (!s.tasks.empty())
      end(s.tasks.begin()->first, error);
  };

  while (true) {
    for (std::shared_ptr<Task> &task : queue_.take(s.tasks.empty() && !stopping_))
      admit(std::move(task));
    if (stopping_) {
      for (std::shared_ptr<Task> &task : queue_.take(false))
        admit(std::move(task));
      failAll({});
      break;
    }
    for (auto it = s.tasks.begin(); it != s.tasks.end();) {
      const uint64_t id = (it++)->first;
      if (s.tasks.at(id).task->channel->cancelled())
        drop(id, FinishReason::Abort);
    }

    if (s.scheduler.hasWork()) {
      try {
        // The backend samples unless a request needs the logits on the host.
        StepOutput step = s.runner.step([&](RequestId request) -> std::optional<RowSampling> {
          const Sequence &seq = *s.sequences.at(request);
          if (seq.owner.task->generation.logprobs || !seq.sampler.offloadable())
            return std::nullopt;
          return seq.sampler.offload();
        });
        for (RequestId failed : step.failed)
          if (s.sequences.count(failed) && s.tasks.count(s.sequences.at(failed)->owner.task->id))
            end(s.sequences.at(failed)->owner.task->id, "engine step failed: " + step.error);

        const Clock::time_point now = Clock::now();
        std::vector<SampledToken> sampled;
        std::map<uint64_t, TaskUpdate> updates;
        std::vector<Sequence *> finished;
        for (const SampleRow &row : step.samples) {
          Sequence &seq = *s.sequences.at(row.request);
          const GenerationTask &g = seq.owner.task->generation;
          ChoiceDelta delta{seq.index, {}, {}, {}, {}};
          int32_t token = row.token;
          if (token >= 0) {
            seq.sampler.acceptOffloaded(token);
          } else {
            const std::span<const float> logits(step.logits.data() + row.row * vocab, vocab);
            token = seq.sampler.sample(logits);
            if (g.logprobs)
              delta.logprobs.push_back(computeLogprobs(logits, token, *g.logprobs));
          }
          sampled.push_back({row.request, token});
          delta.tokens.push_back(token);

          ++seq.generated;
          ++seq.owner.usage.completionTokens;
          const uint32_t length = uint32_t(g.prompt.size()) + seq.generated;
          delta.finish = g.stop.check(token, seq.generated, length);
          // Stop ids add no text; a stop string ends the sequence at once;
          // any other end releases the text held back.
          auto addText = [&](const std::string &text) {
            StopStringMatcher::Output out = seq.stopStrings.push(text);
            delta.text += out.text;
            if (out.stopped)
              delta.finish = FinishReason::Stop;
            return out.stopped;
          };
          const bool stopString = !g.stop.isStopToken(token) && addText(seq.detokenizer.push(token));
          if (delta.finish && !stopString && !addText(seq.detokenizer.flush()))
            delta.text += seq.stopStrings.flush();

          if (seq.generated == 1)
            metrics_.timeToFirstToken(secondsBetween(seq.owner.task->arrival, now));
          else
            metrics_.timePerOutputToken(secondsBetween(seq.lastToken, now));
          seq.lastToken = now;
          if (delta.finish) {
            seq.finished = true;
            finished.push_back(&seq);
            metrics_.requestFinished(*delta.finish);
          }
          TaskUpdate &update = updates[seq.owner.task->id];
          update.choices.push_back(std::move(delta));
        }
        s.scheduler.updateFromOutput(step.scheduled, sampled);
        metrics_.generationTokens(sampled.size());
        for (Sequence *seq : finished) {
          s.runner.remove(seq->request);
          --seq->owner.unfinished;
        }
        for (auto &[id, update] : updates) {
          ActiveTask &active = s.tasks.at(id);
          const bool done = active.unfinished == 0;
          update.done = done;
          update.usage = active.usage;
          active.task->channel->push(std::move(update));
          if (done)
            drop(id, FinishReason::Stop);
        }
      } catch (const std::exception &e) {
        failAll(e.what());
      }
    }
    metrics_.queue(s.scheduler.numRunning(), s.scheduler.numWaiting());
    metrics_.preemptions(s.scheduler.numPreemptions());
    metrics_.kvPages(engine_.kv());
  }
}

} // namespace g4::rt::server
