// The engine on a tiny random Gemma-4-shaped plan: step kinds and batching do
// not change results, bad input is reported, generation follows the logits.
#include "TestPlan.h"
#include "TinyGemma.h"
#include "cpu/CpuModel.h"
#include "engine/Generator.h"
#include "engine/TeacherForcing.h"
#include "io/Error.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace g4::rt::test {
namespace {

const std::vector<int32_t> kPromptA = {2, 30, 7, 7, 18, 36, 0, 11, 25, 4, 9, 33, 15};
const std::vector<int32_t> kPromptB = {5, 1, 28, 14, 14, 3, 22, 19, 6, 35};

class TinyGemmaEngine : public ::testing::Test {
protected:
  cpu::CpuModel &model(uint32_t sequences = 2, uint32_t tokens = 32) {
    model_ = std::make_unique<cpu::CpuModel>(planPath_, cpu::CpuModelOptions{{}, sequences, tokens});
    return *model_;
  }

  static void expectClose(std::span<const float> actual, std::span<const float> expected, const std::string &what) {
    ASSERT_EQ(actual.size(), expected.size()) << what;
    for (size_t i = 0; i < actual.size(); ++i)
      ASSERT_NEAR(actual[i], expected[i], 1e-5) << what << ", row " << i / kTinyVocab << " column " << i % kTinyVocab;
  }

  TempDir dir_;
  std::filesystem::path planPath_ = writeTinyGemma(dir_.path());
  std::unique_ptr<cpu::CpuModel> model_;
};

TEST_F(TinyGemmaEngine, PrefillThenDecodeMatchesOneShotPrefill) {
  Engine &engine = model(1, 16).engine();
  const std::vector<float> oneShot = teacherForcedLogits(engine, kPromptA, kPromptA.size());
  ASSERT_EQ(oneShot.size(), kPromptA.size() * kTinyVocab);
  for (size_t prefill : {1, 4, 5, 9, 12})
    expectClose(teacherForcedLogits(engine, kPromptA, prefill), oneShot, "prefill " + std::to_string(prefill));
}

TEST_F(TinyGemmaEngine, TwoSequencesInOneBatchMatchEachAlone) {
  Engine &engine = model().engine();
  const std::vector<float> aloneA = teacherForcedLogits(engine, kPromptA, kPromptA.size());
  const std::vector<float> aloneB = teacherForcedLogits(engine, kPromptB, kPromptB.size());
  auto rows = [](const std::vector<float> &logits, size_t first, size_t count) {
    return std::span(logits).subspan(first * kTinyVocab, count * kTinyVocab);
  };

  const SeqId a = engine.createSequence(), b = engine.createSequence();
  // Both prompts' first parts together.
  const SequenceTokens step1[] = {{a, std::span(kPromptA).first(7)}, {b, std::span(kPromptB).first(4)}};
  StepResult result = engine.step(step1);
  ASSERT_EQ(result.status, KvStatus::Ok);
  expectClose(rows(result.logits, 0, 7), rows(aloneA, 0, 7), "A prefill");
  expectClose(rows(result.logits, 7, 4), rows(aloneB, 0, 4), "B prefill");
  // A decodes one token while B prefills a chunk.
  const SequenceTokens step2[] = {{b, std::span(kPromptB).subspan(4, 5)}, {a, std::span(kPromptA).subspan(7, 1)}};
  result = engine.step(step2);
  ASSERT_EQ(result.status, KvStatus::Ok);
  expectClose(rows(result.logits, 0, 5), rows(aloneB, 4, 5), "B chunk");
  expectClose(rows(result.logits, 5, 1), rows(aloneA, 7, 1), "A decode");
  // Both decode.
  std::vector<float> logits;
  const SeqId both[] = {a, b};
  const int32_t next[] = {kPromptA[8], kPromptB[9]};
  engine.decode(both, next, logits);
  expectClose(rows(logits, 0, 1), rows(aloneA, 8, 1), "A decode 2");
  expectClose(rows(logits, 1, 1), rows(aloneB, 9, 1), "B decode");
}

TEST_F(TinyGemmaEngine, RejectsTokenIdOutOfRange) {
  Engine &engine = model().engine();
  const std::vector<int32_t> tokens = {1, 2, 3, 9999};
  std::vector<float> logits;
  try {
    engine.prefill(tokens, logits);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()), "token id 9999 at index 3 is out of range [0, 37)");
  }
  try {
    teacherForcedLogits(engine, std::vector<int32_t>{4, 5, 6, 7, -1}, 2);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()), "token id -1 at index 4 is out of range [0, 37)");
  }
}

TEST_F(TinyGemmaEngine, RejectsPositionPastMaxPositionEmbeddings) {
  Engine &engine = model(1, kTinyMaxPositions + 4).engine();
  std::vector<int32_t> tokens(kTinyMaxPositions, 3);
  std::vector<float> logits;
  const SeqId seq = engine.prefill(tokens, logits);
  const int32_t next = 4;
  try {
    engine.decode({&seq, 1}, {&next, 1}, logits);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()), "sequence 0: position 64 is out of range [0, 64) (max_position_embeddings)");
  }
}

TEST_F(TinyGemmaEngine, ReportsFullKvCacheAsStatus) {
  Engine &engine = model(1, 8).engine();
  const SeqId seq = engine.createSequence();
  const SequenceTokens work{seq, std::span(kPromptA).first(9)};
  EXPECT_EQ(engine.step({&work, 1}).status, KvStatus::OutOfSlidingPages);
  EXPECT_EQ(engine.length(seq), 0);
  std::vector<float> logits;
  try {
    engine.prefill(std::span(kPromptA).first(9), logits);
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()), "prefill of 9 tokens: the sliding-window KV pool is out of pages");
  }
}

TEST_F(TinyGemmaEngine, GreedyGenerationFollowsArgmaxOfLogits) {
  Engine &engine = model(1, 32).engine();
  const GenerationRequest request{kPromptB, 6, {}, false};
  const GenerationResult result = generate(engine, {&request, 1});
  ASSERT_EQ(result.tokens[0].size(), 6u);
  EXPECT_EQ(result.stats.prefillTokens, kPromptB.size());
  EXPECT_EQ(result.stats.decodeTokens, 5u);

  std::vector<int32_t> all = kPromptB;
  all.insert(all.end(), result.tokens[0].begin(), result.tokens[0].end() - 1);
  const std::vector<float> logits = teacherForcedLogits(engine, all, kPromptB.size());
  for (size_t i = 0; i < result.tokens[0].size(); ++i) {
    auto row = std::span(logits).subspan((kPromptB.size() - 1 + i) * kTinyVocab, kTinyVocab);
    EXPECT_EQ(result.tokens[0][i], int32_t(std::max_element(row.begin(), row.end()) - row.begin())) << "token " << i;
  }
}

TEST_F(TinyGemmaEngine, RequestsGeneratedTogetherMatchEachAlone) {
  Engine &engine = model(2, 32).engine();
  const GenerationRequest requests[] = {{kPromptA, 7, {0.9f, 0, 1.0f, 11}, false},
                                        {kPromptB, 4, {1.3f, 5, 0.9f, 12}, false}};
  const GenerationResult together = generate(engine, requests);
  for (size_t i = 0; i < 2; ++i) {
    const GenerationResult alone = generate(engine, {&requests[i], 1});
    EXPECT_EQ(together.tokens[i], alone.tokens[0]) << "request " << i;
    EXPECT_EQ(alone.tokens[0].size(), requests[i].maxNewTokens);
  }
  EXPECT_EQ(together.stats.decodeSteps, 6u);
}

// The Generator samples penalty-free requests on the backend (stepSampled);
// a penalty keeps the request on the host path. Both follow the seeded chain
// over the teacher-forced logits.
TEST_F(TinyGemmaEngine, SampledGenerationFollowsTheSeededChainOnBothPaths) {
  Engine &engine = model(1, 32).engine();
  SamplingParams offloaded{0.9f, 4, 0.8f, 21, 0.02f};
  SamplingParams onHost = offloaded;
  onHost.repetitionPenalty = 1.5f;
  for (const SamplingParams &params : {offloaded, onHost}) {
    const GenerationRequest request{kPromptA, 8, params, false};
    const GenerationResult result = generate(engine, {&request, 1});
    ASSERT_EQ(result.tokens[0].size(), 8u);
    std::vector<int32_t> all = kPromptA;
    all.insert(all.end(), result.tokens[0].begin(), result.tokens[0].end() - 1);
    const std::vector<float> logits = teacherForcedLogits(engine, all, kPromptA.size());
    SamplerChain chain(params);
    for (size_t i = 0; i < result.tokens[0].size(); ++i)
      EXPECT_EQ(result.tokens[0][i],
                chain.sample(std::span(logits).subspan((kPromptA.size() - 1 + i) * kTinyVocab, kTinyVocab)))
          << "token " << i << (params.hasPenalties() ? " (host path)" : " (offloaded)");
  }
}

} // namespace
} // namespace g4::rt::test
