// One Attention layer on both backends, for the attention kernel tests and
// measurements: the instruction, a KV cache with its CPU and GPU storage, the
// step inputs (tiles for every attention variant), and steps of tokens
// appended to sequences, checked against (or timed without) the CPU reference.
#pragma once

#include "OpHarness.h"

#include "AttentionVariants.h"
#include "cpu/Attention.h"
#include "cuda/StepInputs.h"

#include <flatbuffers/flatbuffers.h>

#include <memory>
#include <utility>
#include <vector>

namespace g4::gpu_test {

struct AttentionCase {
  const char *plan; // whose kernel image holds the (head_dim, heads / kvHeads) instances
  uint32_t headDim, heads, kvHeads, window, pageSize;
  bool prologue = false; // q/k norm + partial RoPE and the value norm in the instruction
};

class AttentionFixture {
public:
  // Room for `sequences` sequences of up to `maxLength` positions, steps of up to `maxTokens` tokens.
  AttentionFixture(OpHarness &h, const AttentionCase &c, uint32_t sequences, uint32_t maxLength, uint32_t maxTokens);

  // (sequence, tokens appended) per entry, in order.
  using Step = std::vector<std::pair<rt::SeqId, int32_t>>;
  // Appends the step's positions, uploads random q/k/v (never zero) and the
  // step inputs; with `reference`, also returns the CPU attention output
  // (after the prologue, if any, with K/V rounded to the GPU cache's bf16).
  std::vector<float> begin(const Step &step, std::mt19937 &rng, bool reference);
  // Runs `variant` over the step (writing K/V first) into a NaN-filled output.
  std::vector<float> run(kernels::AttentionVariant variant);
  // After run() of a prologue: the query the attention read, and the CPU's.
  std::vector<float> gpuQuery() const;
  const std::vector<float> &cpuQuery() const { return cpuQuery_; }
  // After run() of a prologue: checks the step's K/V rows the GPU stored
  // against the CPU prologue's (each within one bf16 rounding of it: the two
  // compute in fp32 with different roundings, so a value near a rounding
  // boundary may go either way), puts them in the CPU cache, and returns the
  // CPU attention over that cache: the reference for the attention itself.
  std::vector<float> referenceFromGpuCache();
  // Launches `variant` alone over the step, its K/V already written by run() (timing).
  void launch(kernels::AttentionVariant variant);
  // Frees the pages the sliding window left behind, as the engine does.
  void end();

  bool available(kernels::AttentionVariant variant) const;
  uint32_t tokens() const { return uint32_t(batch_.size()); }

private:
  OpHarness &h_;
  AttentionCase c_;
  flatbuffers::FlatBufferBuilder specBuilder_, writingBuilder_, readingBuilder_;
  std::unique_ptr<rt::KvCache> kv_;
  std::unique_ptr<rt::cpu::CpuKvStorage> cpuStorage_;
  std::unique_ptr<rt::cuda::StepInputs> inputs_;
  std::unique_ptr<rt::cuda::CudaKvStorage> gpuStorage_;
  rt::StepBatch batch_;
  std::vector<rt::KvAppend> appends_;
  const plan::Instruction *writing_ = nullptr, *reading_ = nullptr; // writes_kv true / false
  rt::cuda::BoundInstruction bound_;
  size_t outputs_ = 0;
  std::vector<float> qNorm_, kNorm_;    // the prologue's weights (bf16 values)
  std::vector<float> query_, cpuQuery_;
  std::vector<float> cpuKeys_, cpuValues_; // the CPU prologue's K/V rows of the step, in bf16 // the step's raw query (the prologue rewrites it on the GPU) and its CPU prologue
  static constexpr float kNormEps = 1e-6f, kTheta = 1e4f;
};

} // namespace g4::gpu_test
