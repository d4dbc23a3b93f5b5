#include "AttentionFixture.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace g4::gpu_test {

using kernels::AttentionVariant;

AttentionFixture::AttentionFixture(OpHarness &h, const AttentionCase &c, uint32_t sequences, uint32_t maxLength,
                                   uint32_t maxTokens)
    : h_(h), c_(c) {
  const plan::AttentionKind kind = c.window ? plan::AttentionKind::Sliding : plan::AttentionKind::Full;
  std::vector<flatbuffers::Offset<plan::KvLayer>> layers = {
      plan::CreateKvLayer(specBuilder_, 0, kind, c.headDim, c.kvHeads, c.window, 0)};
  specBuilder_.Finish(plan::CreateKvSpecDirect(specBuilder_, c.pageSize, &layers));
  const plan::KvSpec &spec = *flatbuffers::GetRoot<plan::KvSpec>(specBuilder_.GetBufferPointer());
  auto instruction = [&](flatbuffers::FlatBufferBuilder &fbb, bool writesKv) {
    const std::vector<uint32_t> ins = {0, 1, 2, 3}, outs = {4};
    fbb.Finish(plan::CreateInstructionDirect(
        fbb, plan::Op::Attention,
        plan::CreateAttention(fbb, 0, 0, kind, c.heads, c.kvHeads, c.headDim, c.window, 1.0f, writesKv).Union(), &ins,
        &outs));
    return flatbuffers::GetRoot<plan::Instruction>(fbb.GetBufferPointer());
  };
  writing_ = instruction(writingBuilder_, true);
  reading_ = instruction(readingBuilder_, false);

  const rt::KvLayout gpuLayout(spec, 2), cpuLayout(spec, 4);
  kv_ = std::make_unique<rt::KvCache>(gpuLayout, rt::KvCapacity::forTokens(gpuLayout, sequences, maxLength));
  cpuStorage_ =
      std::make_unique<rt::cpu::CpuKvStorage>(cpuLayout, rt::KvCapacity::forTokens(cpuLayout, sequences, maxLength));
  const uint32_t group = c.heads / c.kvHeads;
  std::vector<uint32_t> tileTokens;
  for (AttentionVariant variant : kernels::attentionVariants(c.headDim, group)) {
    const uint32_t tokens = kernels::attentionShape(variant, c.headDim, group).tileTokens;
    if (std::find(tileTokens.begin(), tileTokens.end(), tokens) == tileTokens.end())
      tileTokens.push_back(tokens);
  }
  inputs_ = std::make_unique<rt::cuda::StepInputs>(
      rt::cuda::StepLimits{maxTokens, sequences, (maxLength + c.pageSize - 1) / c.pageSize, tileTokens}, kv_->layout());
  gpuStorage_ = std::make_unique<rt::cuda::CudaKvStorage>(
      kv_->layout(),
      rt::KvCapacity{kv_->capacity(plan::AttentionKind::Sliding), kv_->capacity(plan::AttentionKind::Full)});
  h.env().inputs = inputs_.get();
  h.env().kv = gpuStorage_.get();
}

bool AttentionFixture::available(AttentionVariant variant) const {
  return h_.env().kernels->has(kernels::attentionShape(variant, c_.headDim, c_.heads / c_.kvHeads).name);
}

std::vector<float> AttentionFixture::begin(const Step &step, std::mt19937 &rng, bool reference) {
  batch_ = {};
  appends_.clear();
  for (const auto &[seq, count] : step) {
    const int32_t first = kv_->length(seq);
    appends_.push_back({seq, first, first + count});
    for (int32_t p = first; p < first + count; ++p) {
      batch_.tokenIds.push_back(3);
      batch_.positions.push_back(p);
      batch_.sequences.push_back(seq);
    }
  }
  rt::KvPlacement placement;
  EXPECT_EQ(kv_->plan(appends_, placement), rt::KvStatus::Ok);
  kv_->apply(placement);
  const uint32_t tokens = uint32_t(batch_.size());
  const std::vector<float> q = randomValues(size_t(tokens) * c_.heads * c_.headDim, rng, 0.25f);
  const std::vector<float> k = roundedToBf16(randomValues(size_t(tokens) * c_.kvHeads * c_.headDim, rng, 0.25f));
  const std::vector<float> v = roundedToBf16(randomValues(k.size(), rng));
  std::vector<float> ref;
  if (reference) {
    ref.resize(q.size());
    rt::cpu::writeKv(*kv_, *cpuStorage_, 0, batch_.sequences, batch_.positions.data(), k.data(), v.data());
    rt::cpu::attend(*kv_, *cpuStorage_, {0, c_.heads, c_.kvHeads, c_.headDim, c_.window, 1.0f}, batch_.sequences,
                    batch_.positions.data(), q.data(), ref.data());
  }
  inputs_->upload(batch_, *kv_, h_.device().stream());
  outputs_ = q.size();
  bound_.in = {h_.upload(q), inputs_->positions(), h_.upload(k), h_.upload(v)};
  bound_.out = {h_.poisoned(outputs_)};
  return ref;
}

std::vector<float> AttentionFixture::run(AttentionVariant variant) {
  bound_.out = {h_.poisoned(outputs_)};
  bound_.inst = writing_;
  rt::cuda::runAttention(h_.env(), bound_, tokens(), variant);
  return h_.download(bound_.out[0], outputs_);
}

void AttentionFixture::launch(AttentionVariant variant) {
  bound_.inst = reading_;
  rt::cuda::runAttention(h_.env(), bound_, tokens(), variant);
}

void AttentionFixture::end() {
  for (const rt::KvAppend &a : appends_)
    kv_->trimWindow(a.seq);
}

} // namespace g4::gpu_test
