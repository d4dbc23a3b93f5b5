#include "engine/Generator.h"

#include "io/Error.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

namespace g4::rt {

namespace {

// A request being generated; its sequence is released however generation ends.
struct ActiveRequest {
  Engine &engine;
  size_t index;
  SeqId seq;
  SamplerChain sampler;
  bool done = false;

  ActiveRequest(Engine &engine, size_t index, const SamplingParams &params)
      : engine(engine), index(index), seq(engine.createSequence()), sampler(params) {}
  ActiveRequest(const ActiveRequest &) = delete;
  ActiveRequest &operator=(const ActiveRequest &) = delete;
  ~ActiveRequest() { engine.release(seq); }
};

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

GenerationResult generate(Engine &engine, std::span<const GenerationRequest> requests) {
  const plan::ModelInfo &model = engine.plan().model();
  const size_t vocab = engine.vocabSize();
  std::vector<int32_t> eos;
  if (model.eos_token_ids())
    eos.assign(model.eos_token_ids()->begin(), model.eos_token_ids()->end());

  GenerationResult result;
  result.tokens.resize(requests.size());
  std::vector<std::unique_ptr<ActiveRequest>> active;
  for (size_t i = 0; i < requests.size(); ++i) {
    if (requests[i].prompt.empty())
      throw Error("request " + std::to_string(i) + " has an empty prompt");
    if (requests[i].maxNewTokens > 0)
      active.push_back(std::make_unique<ActiveRequest>(engine, i, requests[i].sampling));
  }

  auto throwIfFull = [](KvStatus status, const char *what) {
    if (status != KvStatus::Ok)
      throw Error(std::string(what) + ": " + kvStatusName(status));
  };
  // Runs one step over `work` (work[j] belongs to active[owners[j]]) and gives
  // each owner its next token: sampled by the backend when every chain can be
  // offloaded (no logits leave it), else by the chain from its logits row.
  // Marks finished requests.
  auto stepAndSample = [&](std::span<const SequenceTokens> work, std::span<const size_t> owners, const char *what) {
    std::vector<int32_t> tokens(work.size());
    const bool offload =
        std::all_of(owners.begin(), owners.end(), [&](size_t a) { return active[a]->sampler.offloadable(); });
    if (offload) {
      std::vector<std::optional<RowSampling>> sampling;
      for (size_t a : owners)
        sampling.push_back(active[a]->sampler.offload());
      const StepResult step = engine.stepSampled(work, sampling);
      throwIfFull(step.status, what);
      for (size_t j = 0; j < work.size(); ++j) {
        tokens[j] = step.tokens[j];
        active[owners[j]]->sampler.acceptOffloaded(tokens[j]);
      }
    } else {
      const StepResult step = engine.step(work);
      throwIfFull(step.status, what);
      size_t row = 0;
      for (size_t j = 0; j < work.size(); ++j) {
        row += work[j].tokens.size();
        tokens[j] = active[owners[j]]->sampler.sample({step.logits.data() + (row - 1) * vocab, vocab});
      }
    }
    for (size_t j = 0; j < work.size(); ++j) {
      ActiveRequest &r = *active[owners[j]];
      const GenerationRequest &request = requests[r.index];
      std::vector<int32_t> &out = result.tokens[r.index];
      out.push_back(tokens[j]);
      const bool isEos = std::find(eos.begin(), eos.end(), tokens[j]) != eos.end();
      r.done = out.size() >= request.maxNewTokens || (request.stopAtEos && isEos);
      if (r.done)
        engine.release(r.seq); // its pages serve the requests still running
    }
  };

  if (active.empty())
    return result;

  // Prefill: every prompt in one step; each request samples after its last token.
  std::vector<SequenceTokens> work;
  std::vector<size_t> owners;
  for (size_t a = 0; a < active.size(); ++a) {
    const std::vector<int32_t> &prompt = requests[active[a]->index].prompt;
    work.push_back({active[a]->seq, prompt});
    owners.push_back(a);
    result.stats.prefillTokens += prompt.size();
  }
  auto start = std::chrono::steady_clock::now();
  stepAndSample(work, owners, "prefill");
  result.stats.prefillSeconds = secondsSince(start);

  // Decode: one token for every request still generating, in one step.
  start = std::chrono::steady_clock::now();
  while (true) {
    work.clear();
    owners.clear();
    for (size_t a = 0; a < active.size(); ++a) {
      if (active[a]->done)
        continue;
      const std::vector<int32_t> &out = result.tokens[active[a]->index];
      work.push_back({active[a]->seq, {&out.back(), 1}});
      owners.push_back(a);
    }
    if (work.empty())
      break;
    stepAndSample(work, owners, "decode step");
    ++result.stats.decodeSteps;
    result.stats.decodeTokens += work.size();
  }
  result.stats.decodeSeconds = secondsSince(start);
  return result;
}

} // namespace g4::rt
