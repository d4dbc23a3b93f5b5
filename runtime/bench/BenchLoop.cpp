#include "bench/BenchLoop.h"

#include "io/Error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <random>

namespace g4::rt::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Request {
  std::vector<int32_t> prompt;
  SeqId seq = 0;
  int32_t last = 0;
  uint32_t generated = 0;
  double firstToken = 0;
};

// One step, every work item sampling with the config's parameters and a fresh uniform.
StepResult sampledStep(Engine &engine, const BenchConfig &config, std::mt19937_64 &rng,
                       std::span<const SequenceTokens> work) {
  std::vector<std::optional<RowSampling>> sampling(work.size(), config.sampling);
  for (std::optional<RowSampling> &s : sampling)
    s->uniform = rng() >> 11;
  return engine.stepSampled(work, sampling);
}

void warmUp(Engine &engine, const BenchConfig &config, std::mt19937_64 &rng,
            std::uniform_int_distribution<int32_t> &id) {
  const uint32_t sequences = std::min(config.concurrency, config.numPrompts);
  // The prompt and the decode steps stay within a request's inputLen + outputLen positions.
  std::vector<int32_t> prompt(
      std::clamp<int64_t>(int64_t(config.inputLen) + config.outputLen - sequences - 1, 1, config.inputLen));
  for (int32_t &t : prompt)
    t = id(rng);
  std::vector<SeqId> seqs;
  std::vector<int32_t> last(sequences, prompt.front());
  std::vector<SequenceTokens> work;
  for (uint32_t i = 0; i < sequences; ++i) {
    seqs.push_back(engine.createSequence());
    work.push_back({seqs[i], i == 0 ? std::span<const int32_t>(prompt) : std::span<const int32_t>(&last[i], 1)});
  }
  if (sampledStep(engine, config, rng, work).status != KvStatus::Ok)
    throw Error("the KV cache cannot hold the warm-up's " + std::to_string(sequences) + " requests");
  for (uint32_t batch = sequences; batch > 0; --batch) {
    work.resize(batch);
    for (uint32_t i = 0; i < batch; ++i)
      work[i] = {seqs[i], {&last[i], 1}};
    if (sampledStep(engine, config, rng, work).status != KvStatus::Ok)
      throw Error("the KV cache cannot hold the warm-up's decode steps");
  }
  for (SeqId seq : seqs)
    engine.release(seq);
}

} // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = size_t(std::ceil(p / 100.0 * double(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

BenchResult runBench(Engine &engine, const BenchConfig &config) {
  if (config.inputLen > config.maxStepTokens)
    throw Error("--input-len " + std::to_string(config.inputLen) + " is above the step's token limit " +
                std::to_string(config.maxStepTokens) + " (prompts are not chunked here)");
  checkRowSampling(config.sampling);
  std::mt19937_64 rng(config.seed);
  std::uniform_int_distribution<int32_t> id(3, int32_t(engine.vocabSize()) - 1); // past pad, eos, bos
  std::vector<Request> requests(config.numPrompts);
  for (Request &r : requests) {
    r.prompt.resize(config.inputLen);
    for (int32_t &t : r.prompt)
      t = id(rng);
  }

  warmUp(engine, config, rng, id);

  BenchResult result;
  result.requests.resize(config.numPrompts);
  std::deque<size_t> pending;
  for (size_t i = 0; i < requests.size(); ++i)
    pending.push_back(i);
  std::vector<size_t> running;
  bool kvFull = false; // no joining until a request finishes
  const Clock::time_point start = Clock::now();
  auto now = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };

  while (!pending.empty() || !running.empty()) {
    std::vector<SequenceTokens> work;
    for (size_t i : running)
      work.push_back({requests[i].seq, {&requests[i].last, 1}});
    std::vector<size_t> joining;
    uint32_t stepTokens = uint32_t(work.size());
    while (!kvFull && !pending.empty() && running.size() + joining.size() < config.concurrency &&
           stepTokens + config.inputLen <= config.maxStepTokens) {
      const size_t i = pending.front();
      pending.pop_front();
      requests[i].seq = engine.createSequence();
      work.push_back({requests[i].seq, requests[i].prompt});
      joining.push_back(i);
      stepTokens += config.inputLen;
    }
    if (work.empty())
      throw Error("the KV cache cannot hold one request of " + std::to_string(config.inputLen + config.outputLen) +
                  " tokens");

    const double begin = now();
    StepResult step = sampledStep(engine, config, rng, work);
    if (step.status != KvStatus::Ok) {
      if (joining.empty())
        throw Error(std::string("decode step of ") + std::to_string(running.size()) + " requests: " +
                    kvStatusName(step.status) + " (the benchmark does not preempt; lower --concurrency)");
      for (auto it = joining.rbegin(); it != joining.rend(); ++it) {
        engine.release(requests[*it].seq);
        pending.push_front(*it);
      }
      kvFull = true;
      continue;
    }
    const double end = now();
    ++result.steps;
    if (joining.empty()) {
      DecodeStep sample{end - begin, {}};
      for (size_t i : running)
        sample.contexts.push_back(engine.length(requests[i].seq));
      result.decodeSteps.push_back(std::move(sample));
    } else if (running.empty()) {
      result.prefillSteps.push_back({end - begin, std::vector<int32_t>(joining.size(), int32_t(config.inputLen))});
    }

    std::vector<size_t> still;
    for (size_t k = 0; k < work.size(); ++k) {
      const size_t i = k < running.size() ? running[k] : joining[k - running.size()];
      Request &r = requests[i];
      r.last = step.tokens[k];
      if (r.generated++ == 0) {
        r.firstToken = end;
        result.inputTokens += config.inputLen;
      }
      ++result.outputTokens;
      if (r.generated < config.outputLen) {
        still.push_back(i);
        continue;
      }
      engine.release(r.seq);
      kvFull = false;
      RequestTiming &t = result.requests[i];
      t.ttft = r.firstToken;
      t.latency = end;
      t.tpot = config.outputLen > 1 ? (end - r.firstToken) / double(config.outputLen - 1) : 0;
    }
    running = std::move(still);
  }
  result.seconds = now();
  return result;
}

} // namespace g4::rt::bench
