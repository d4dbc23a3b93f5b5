// Steps a plan's forward program over sequences: the foundation of continuous
// batching. A step appends tokens to any number of sequences at once (prompt
// chunks and decode tokens mixed), maps their KV pages, runs the backend and
// returns one logits row per token.
#pragma once

#include "engine/Backend.h"
#include "kv/KvCache.h"
#include "plan/PlanFile.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <unordered_set>
#include <vector>

namespace g4::rt {

// Throws g4::Error "token id 9999 at index 3 is out of range [0, 512)" for the
// first id outside [0, vocabSize).
void checkTokenIds(std::span<const int32_t> tokens, uint32_t vocabSize);

// Tokens a step appends to one sequence, at its current length.
struct SequenceTokens {
  SeqId seq = 0;
  std::span<const int32_t> tokens;
};

struct StepResult {
  KvStatus status = KvStatus::Ok;
  std::vector<float> logits;   // [T, vocab]: the work's tokens in order; empty unless status is Ok
  std::vector<int32_t> tokens; // stepGreedy, stepSampled: the token chosen after each work item's last token
};

class Engine {
public:
  // `plan`, `backend` and `kv` must outlive the engine.
  Engine(const PlanFile &plan, Backend &backend, KvCache &kv);

  // A new, empty sequence.
  SeqId createSequence();

  // One step over `work` (distinct live sequences, non-empty token lists).
  // Token ids and positions (< max_position_embeddings) are checked first
  // (g4::Error). When a KV pool cannot hold the step, returns its status and
  // changes nothing. If the backend throws, the step's sequences hold K/V
  // that were never written: release them.
  StepResult step(std::span<const SequenceTokens> work);
  // step() for greedy decoding: instead of logits, result.tokens[i] is the
  // argmax of the logits after work[i]'s last token, which the backend may
  // compute without materializing the other rows (Backend::forwardGreedy).
  StepResult stepGreedy(std::span<const SequenceTokens> work);
  // step() that samples on the backend (Backend::forwardSampled): for each
  // work item i with sampling[i] set, result.tokens[i] is sampleRow(the logits
  // after its last token, *sampling[i]); -1 for the others, whose logits are
  // never computed. No logits are returned.
  StepResult stepSampled(std::span<const SequenceTokens> work, std::span<const std::optional<RowSampling>> sampling);

  // step() for one new sequence holding `prompt`: `logits` gets one row per
  // prompt token. Throws g4::Error when the KV cache is full.
  SeqId prefill(std::span<const int32_t> prompt, std::vector<float> &logits);
  // step() appending tokens[i] to seqs[i]: `logits` gets row i for seqs[i].
  // Throws g4::Error when the KV cache is full.
  void decode(std::span<const SeqId> seqs, std::span<const int32_t> tokens, std::vector<float> &logits);

  // Frees the sequence's KV pages; its id is not reused.
  void release(SeqId seq);

  int32_t length(SeqId seq) const { return kv_.length(seq); }
  uint32_t vocabSize() const { return plan_.model().vocab_size(); }
  const PlanFile &plan() const { return plan_; }
  const KvCache &kv() const { return kv_; }

private:
  // Runs `forward` over the step's batch once its KV is placed; `lastRows`
  // holds each work item's last token's index in the batch.
  using ForwardFn = std::function<void(const StepBatch &batch, std::span<const uint32_t> lastRows, StepResult &result)>;
  StepResult run(std::span<const SequenceTokens> work, const ForwardFn &forward);

  const PlanFile &plan_;
  Backend &backend_;
  KvCache &kv_;
  SeqId nextSeq_ = 0;
  std::unordered_set<SeqId> live_;
};

} // namespace g4::rt
