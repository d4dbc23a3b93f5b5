#include "AttentionFixture.h"

#include "cpu/Ops.h"

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
  // The prologue (writing instruction only) rotates a quarter of each head, as Gemma 4's full layers do.
  auto instruction = [&](flatbuffers::FlatBufferBuilder &fbb, bool writesKv) {
    const bool prologue = writesKv && c.prologue;
    const std::vector<uint32_t> ins = {0, 1, 2, 3}, outs = {4}, weights = {0, 1};
    fbb.Finish(plan::CreateInstructionDirect(fbb, plan::Op::Attention,
                                             plan::CreateAttention(fbb, 0, 0, kind, c.heads, c.kvHeads, c.headDim,
                                                                   c.window, 1.0f, writesKv, prologue, kNormEps,
                                                                   c.headDim / 8, kTheta, 1.0f, prologue)
                                                 .Union(),
                                             &ins, &outs, prologue ? &weights : nullptr));
    return flatbuffers::GetRoot<plan::Instruction>(fbb.GetBufferPointer());
  };
  writing_ = instruction(writingBuilder_, true);
  reading_ = instruction(readingBuilder_, false);
  if (c.prologue) {
    std::mt19937 rng(c.headDim);
    auto weight = [&] {
      std::vector<float> w = randomValues(c.headDim, rng, 0.5f);
      for (float &x : w)
        x += 1.0f;
      return roundedToBf16(w);
    };
    qNorm_ = weight();
    kNorm_ = weight();
    bound_.weights = {h.uploadBf16(qNorm_), h.uploadBf16(kNorm_)};
  }

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
  query_ = randomValues(size_t(tokens) * c_.heads * c_.headDim, rng, 0.25f);
  std::vector<float> k = randomValues(size_t(tokens) * c_.kvHeads * c_.headDim, rng, 0.25f);
  std::vector<float> v = randomValues(k.size(), rng);
  std::vector<float> ref;
  if (reference) {
    cpuQuery_ = query_;
    std::vector<float> cachedK = k, cachedV = v; // what the GPU cache holds: the prologue's output in bf16
    if (c_.prologue) {
      const rt::cpu::RopeParams rope{c_.headDim, c_.headDim / 8, kTheta, 1.0f};
      const int32_t *positions = batch_.positions.data();
      rt::cpu::rmsNormRope(query_.data(), qNorm_.data(), positions, cpuQuery_.data(), tokens, query_.size() / tokens,
                           kNormEps, rope);
      rt::cpu::rmsNormRope(k.data(), kNorm_.data(), positions, cachedK.data(), tokens, k.size() / tokens, kNormEps,
                           rope);
      rt::cpu::rmsNorm(v.data(), nullptr, cachedV.data(), tokens, v.size() / tokens, c_.headDim, kNormEps);
    }
    cpuKeys_ = cachedK = roundedToBf16(cachedK);
    cpuValues_ = cachedV = roundedToBf16(cachedV);
    ref.resize(query_.size());
    rt::cpu::writeKv(*kv_, *cpuStorage_, 0, batch_.sequences, batch_.positions.data(), cachedK.data(), cachedV.data());
    rt::cpu::attend(*kv_, *cpuStorage_, {0, c_.heads, c_.kvHeads, c_.headDim, c_.window, 1.0f}, batch_.sequences,
                    batch_.positions.data(), cpuQuery_.data(), ref.data());
    if (!c_.prologue) {
      k = cachedK;
      v = cachedV;
    }
  }
  inputs_->upload(batch_, *kv_, h_.device().stream());
  outputs_ = query_.size();
  bound_.in = {h_.upload(query_), inputs_->positions(), h_.upload(k), h_.upload(v)};
  bound_.out = {h_.poisoned(outputs_)};
  return ref;
}

std::vector<float> AttentionFixture::run(AttentionVariant variant) {
  if (c_.prologue) // it normalized the query of the previous run in place
    bound_.in[0] = h_.upload(query_);
  bound_.out = {h_.poisoned(outputs_)};
  bound_.inst = writing_;
  rt::cuda::runAttention(h_.env(), bound_, tokens(), variant);
  return h_.download(bound_.out[0], outputs_);
}

std::vector<float> AttentionFixture::gpuQuery() const { return h_.download(bound_.in[0], query_.size()); }

std::vector<float> AttentionFixture::referenceFromGpuCache() {
  const uint32_t row = c_.kvHeads * c_.headDim, tokens = this->tokens();
  const g4k::KvPoolView pool = gpuStorage_->view(0, 0, 0);
  const plan::AttentionKind kind = c_.window ? plan::AttentionKind::Sliding : plan::AttentionKind::Full;
  std::vector<float> keys, values;
  for (uint32_t t = 0; t < tokens; ++t) {
    const int32_t position = batch_.positions[t];
    const int32_t page = kv_->pageTable(batch_.sequences[t], kind)[size_t(position / c_.pageSize)];
    const CUdeviceptr slot =
        CUdeviceptr(pool.pool) + 2 * (uint64_t(page) * pool.pageElements + uint64_t(position % c_.pageSize) * row);
    for (const auto &[offset, rows] : {std::pair{pool.keyOffset, &keys}, std::pair{pool.valueOffset, &values}}) {
      const std::vector<float> r = h_.downloadBf16(slot + 2 * uint64_t(offset), row);
      rows->insert(rows->end(), r.begin(), r.end());
    }
  }
  for (const auto &[gpu, cpu] : {std::pair{&keys, &cpuKeys_}, std::pair{&values, &cpuValues_}})
    for (size_t i = 0; i < gpu->size(); ++i)
      EXPECT_LE(std::abs((*gpu)[i] - (*cpu)[i]), std::abs((*cpu)[i]) * 0x1p-7f) << "K/V element " << i;
  std::vector<float> ref(query_.size());
  rt::cpu::writeKv(*kv_, *cpuStorage_, 0, batch_.sequences, batch_.positions.data(), keys.data(), values.data());
  rt::cpu::attend(*kv_, *cpuStorage_, {0, c_.heads, c_.kvHeads, c_.headDim, c_.window, 1.0f}, batch_.sequences,
                  batch_.positions.data(), cpuQuery_.data(), ref.data());
  return ref;
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
