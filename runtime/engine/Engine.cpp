#include "engine/Engine.h"

#include "io/Error.h"

#include <string>

namespace g4::rt {

void checkTokenIds(std::span<const int32_t> tokens, uint32_t vocabSize) {
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || uint32_t(tokens[i]) >= vocabSize)
      throw Error("token id " + std::to_string(tokens[i]) + " at index " + std::to_string(i) + " is out of range [0, " +
                  std::to_string(vocabSize) + ")");
}

Engine::Engine(const PlanFile &plan, Backend &backend, KvCache &kv) : plan_(plan), backend_(backend), kv_(kv) {}

SeqId Engine::createSequence() {
  live_.insert(nextSeq_);
  return nextSeq_++;
}

StepResult Engine::step(std::span<const SequenceTokens> work) {
  return run(work, [&](const StepBatch &batch, std::span<const uint32_t>, StepResult &result) {
    backend_.forward(batch, kv_, result.logits);
  });
}

StepResult Engine::stepGreedy(std::span<const SequenceTokens> work) {
  return run(work, [&](const StepBatch &batch, std::span<const uint32_t> lastRows, StepResult &result) {
    backend_.forwardGreedy(batch, kv_, lastRows, result.tokens);
  });
}

StepResult Engine::stepSampled(std::span<const SequenceTokens> work,
                               std::span<const std::optional<RowSampling>> sampling) {
  if (sampling.size() != work.size())
    throw Error("stepSampled: " + std::to_string(work.size()) + " work items but " + std::to_string(sampling.size()) +
                " sampling entries");
  return run(work, [&](const StepBatch &batch, std::span<const uint32_t> lastRows, StepResult &result) {
    std::vector<uint32_t> rows;
    std::vector<RowSampling> params;
    for (size_t i = 0; i < work.size(); ++i)
      if (sampling[i]) {
        rows.push_back(lastRows[i]);
        params.push_back(*sampling[i]);
      }
    std::vector<int32_t> tokens;
    backend_.forwardSampled(batch, kv_, rows, params, tokens);
    result.tokens.assign(work.size(), -1);
    for (size_t i = 0, j = 0; i < work.size(); ++i)
      if (sampling[i])
        result.tokens[i] = tokens[j++];
  });
}

StepResult Engine::run(std::span<const SequenceTokens> work, const ForwardFn &forward) {
  const int64_t maxPositions = plan_.model().max_position_embeddings();
  std::vector<KvAppend> appends;
  StepBatch batch;
  for (const SequenceTokens &w : work) {
    const std::string seq = "sequence " + std::to_string(w.seq);
    if (!live_.count(w.seq))
      throw Error(seq + " does not exist (never created, or released)");
    if (w.tokens.empty())
      throw Error(seq + ": a step needs at least one token");
    checkTokenIds(w.tokens, vocabSize());
    const int32_t begin = kv_.length(w.seq);
    if (begin + int64_t(w.tokens.size()) > maxPositions)
      throw Error(seq + ": position " + std::to_string(begin + int64_t(w.tokens.size()) - 1) + " is out of range [0, " +
                  std::to_string(maxPositions) + ") (max_position_embeddings)");
    const int32_t end = begin + int32_t(w.tokens.size());
    appends.push_back({w.seq, begin, end});
    for (int32_t p = begin; p < end; ++p) {
      batch.tokenIds.push_back(w.tokens[size_t(p - begin)]);
      batch.positions.push_back(p);
      batch.sequences.push_back(w.seq);
    }
  }

  StepResult result;
  KvPlacement placement;
  result.status = kv_.plan(appends, placement);
  if (result.status != KvStatus::Ok)
    return result;
  kv_.apply(placement);
  std::vector<uint32_t> lastRows; // each work item's last token in the batch
  uint32_t row = 0;
  for (const KvAppend &append : appends) {
    row += uint32_t(append.end - append.begin);
    lastRows.push_back(row - 1);
  }
  forward(batch, lastRows, result);
  for (const KvAppend &append : appends)
    kv_.trimWindow(append.seq);
  return result;
}

SeqId Engine::prefill(std::span<const int32_t> prompt, std::vector<float> &logits) {
  const SeqId seq = createSequence();
  SequenceTokens work{seq, prompt};
  StepResult result = step({&work, 1});
  if (result.status != KvStatus::Ok) {
    release(seq);
    throw Error(std::string("prefill of ") + std::to_string(prompt.size()) + " tokens: " + kvStatusName(result.status));
  }
  logits = std::move(result.logits);
  return seq;
}

void Engine::decode(std::span<const SeqId> seqs, std::span<const int32_t> tokens, std::vector<float> &logits) {
  if (seqs.size() != tokens.size())
    throw Error("decode: " + std::to_string(seqs.size()) + " sequences but " + std::to_string(tokens.size()) +
                " tokens");
  std::vector<SequenceTokens> work;
  for (size_t i = 0; i < seqs.size(); ++i)
    work.push_back({seqs[i], tokens.subspan(i, 1)});
  StepResult result = step(work);
  if (result.status != KvStatus::Ok)
    throw Error(std::string("decode step: ") + kvStatusName(result.status));
  logits = std::move(result.logits);
}

void Engine::release(SeqId seq) {
  kv_.release(seq);
  live_.erase(seq);
}

} // namespace g4::rt
