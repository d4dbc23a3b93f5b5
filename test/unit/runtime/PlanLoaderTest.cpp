// Plan loading: identifier, structure, schema version, then meaning; each
// failure's message names the file and what is wrong.
#include "TestPlan.h"
#include "TileChoices.h"
#include "io/Error.h"
#include "io/Safetensors.h"
#include "plan/PlanFile.h"
#include "weights/WeightStore.h"

#include <gtest/gtest.h>

#include <functional>

namespace g4::rt::test {
namespace {

using plan::AttentionKind;
using plan::DType;

std::string loadError(const std::filesystem::path &path) {
  try {
    PlanFile plan(path);
  } catch (const Error &e) {
    return e.what();
  }
  return "(loaded without error)";
}

// A valid plan: logits = embed(token_ids) with a [16, 16] table, plus `extra`
// instructions; one full-attention KV layer.
std::filesystem::path writePlan(const TempDir &dir, const std::function<void(PlanBuilder &)> &extra = {},
                                TestModelInfo info = {}) {
  PlanBuilder b(info);
  const uint32_t table = b.weight("embed", {16, 16}, randomValues(256, 1));
  const uint32_t logits = b.buffer("logits", 16);
  b.emit(plan::CreateEmbed(b.fbb(), 1.0f), {b.tokenIds()}, {logits}, {table});
  b.setLogits(logits);
  b.kvLayer(AttentionKind::Full, 4, 1, 0, 0);
  if (extra)
    extra(b);
  return b.write(dir.path());
}

TEST(PlanLoader, LoadsValidPlan) {
  TempDir dir;
  PlanFile plan(writePlan(dir));
  EXPECT_EQ(plan.plan().schema_version(), 1u);
  EXPECT_EQ(plan.model().vocab_size(), 16u);
  EXPECT_EQ(plan.program("forward").instructions()->size(), 1u);
  EXPECT_EQ(plan.checkpointDir(), (dir.path() / ".").lexically_normal());
  EXPECT_EQ(plan.checkpointDir("/elsewhere"), std::filesystem::path("/elsewhere"));
}

TEST(PlanLoader, RejectsFileWithoutIdentifier) {
  TempDir dir;
  const auto path = dir.path() / "notes.txt";
  writeBytes(path, {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
  EXPECT_EQ(loadError(path), path.string() + ": not a gemma4 plan (file identifier \"o wo\", expected \"G4PL\")");
}

TEST(PlanLoader, RejectsTooShortFile) {
  TempDir dir;
  const auto path = dir.path() / "short.g4plan";
  writeBytes(path, {1, 2, 3});
  EXPECT_EQ(loadError(path),
            path.string() + ": not a gemma4 plan (file identifier missing: the file has only 3 bytes)");
}

TEST(PlanLoader, RejectsCorruptedBytes) {
  TempDir dir;
  const auto path = writePlan(dir);
  std::vector<uint8_t> bytes = readBytes(path);
  bytes[0] = 0xff; // root table offset now points past the end
  bytes[1] = 0xff;
  writeBytes(path, bytes);
  EXPECT_EQ(loadError(path), path.string() + ": corrupted plan (FlatBuffers verification failed)");
}

TEST(PlanLoader, RejectsTruncatedPlan) {
  TempDir dir;
  const auto path = writePlan(dir);
  std::vector<uint8_t> bytes = readBytes(path);
  bytes.resize(bytes.size() / 2);
  writeBytes(path, bytes);
  EXPECT_EQ(loadError(path), path.string() + ": corrupted plan (FlatBuffers verification failed)");
}

TEST(PlanLoader, AnySingleCorruptedByteLoadsOrThrows) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t w = b.weight("proj", {16, 16}, randomValues(256, 2));
    const uint32_t y = b.buffer("y", 16);
    const uint32_t kv = b.buffer("kv", 4);
    b.emit(plan::CreateLinear(b.fbb()), {2}, {y}, {w});
    b.emit(plan::CreateSlice(b.fbb(), 3, 4), {y}, {kv});
    b.emit(plan::CreateAttention(b.fbb(), 0, 0, AttentionKind::Full, 4, 1, 4, 0, 1.0f, true),
           {y, b.positions(), kv, kv}, {2});
  });
  const std::vector<uint8_t> valid = readBytes(path);
  ASSERT_NO_THROW(PlanFile(path, valid));
  for (size_t i = 0; i < valid.size(); ++i) {
    std::vector<uint8_t> bytes = valid;
    bytes[i] ^= 0x5a;
    try {
      PlanFile plan(path, bytes);
    } catch (const Error &) {
      // a clear error is the expected outcome; a crash is not
    }
  }
}

TEST(PlanLoader, RejectsOtherSchemaVersion) {
  TempDir dir;
  TestModelInfo info;
  info.schemaVersion = 2;
  const auto path = writePlan(dir, {}, info);
  EXPECT_EQ(loadError(path), path.string() + ": plan schema version 2, this gemma4rt reads version 1; recompile the "
                                             "checkpoint with a matching gemma4c");
}

TEST(PlanLoader, RejectsBufferIndexOutOfRange) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t w = b.weight("w", {4, 16}, randomValues(64, 2));
    b.emit(plan::CreateLinear(b.fbb()), {99}, {2}, {w});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (Linear): inputs[0] = 99 is out of range (3 "
                                 "buffers)");
}

TEST(PlanLoader, RejectsWeightIndexOutOfRange) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t y = b.buffer("y", 4);
    b.emit(plan::CreateLinear(b.fbb()), {2}, {y}, {7});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (Linear): weights[0] = 7 is out of range (1 "
                                 "weights)");
}

// A CUDA plan's projection: y [T, 4] = logits [T, 16] @ proj^T, with `choices`.
std::filesystem::path writeCudaPlan(const TempDir &dir, const std::vector<TestKernelChoice> &choices) {
  return writePlan(dir, [&](PlanBuilder &b) {
    const uint32_t w = b.weight("proj", {4, 16}, randomValues(64, 2));
    const uint32_t y = b.buffer("y", 4);
    b.emit(plan::CreateLinear(b.fbb()), {2}, {y}, {w}, choices);
    b.kernelImage("sm_90a");
  });
}

constexpr uint32_t kUnbounded = 0xFFFFFFFFu;

TEST(PlanLoader, LoadsCudaPlanWithKernelChoices) {
  TempDir dir;
  PlanFile plan(writeCudaPlan(
      dir, {{1, 4, "gemv", "g4k::gemv<4, g4k::PlainEpilogue>", 4}, {5, kUnbounded, "cublaslt_split", "cublasLt"}}));
  EXPECT_EQ(plan.program("forward").instructions()->Get(1)->kernels()->size(), 2u);
}

TEST(PlanLoader, RejectsCudaInstructionWithoutKernelChoices) {
  TempDir dir;
  const auto path = writeCudaPlan(dir, {});
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (Linear): a CUDA plan needs kernel choices "
                                 "covering every row count, found none (recompile the plan with gemma4c compile "
                                 "--arch)");
}

TEST(PlanLoader, RejectsKernelChoicesNotCoveringEveryRowCount) {
  TempDir dir;
  const auto path = writeCudaPlan(
      dir, {{1, 4, "gemv", "g4k::gemv<4, g4k::PlainEpilogue>", 4}, {9, 64, "cublaslt_split_stacked", "cublasLt"}});
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (Linear): kernel choices leave rows 5 to 8 "
                                 "uncovered (recompile the plan with gemma4c compile --arch)");
  const auto bounded = writeCudaPlan(dir, {{1, 64, "cublaslt_split_stacked", "cublasLt"}});
  EXPECT_EQ(loadError(bounded), bounded.string() +
                                    ": program 'forward' instruction 1 (Linear): kernel choices leave rows 65 and "
                                    "above uncovered (recompile the plan with gemma4c compile --arch)");
}

TEST(PlanLoader, RejectsKernelChoicesOverlappingOrOfOtherFamilies) {
  TempDir dir;
  const auto overlap = writeCudaPlan(
      dir, {{1, 4, "gemv", "g4k::gemv<4, g4k::PlainEpilogue>", 4}, {3, kUnbounded, "cublaslt_split", "cublasLt"}});
  EXPECT_EQ(loadError(overlap), overlap.string() +
                                    ": program 'forward' instruction 1 (Linear): kernel choices cover rows 3 to 4 "
                                    "twice");
  const auto attention = writeCudaPlan(dir, {{1, kUnbounded, "attention", "g4k::attention<256, 2>", 8}});
  EXPECT_EQ(loadError(attention), attention.string() +
                                      ": program 'forward' instruction 1 (Linear): kernels[0]: family 'attention' "
                                      "cannot run Linear");
  const auto unknown = writeCudaPlan(dir, {{1, kUnbounded, "cutlass", "cutlass::gemm"}});
  EXPECT_EQ(loadError(unknown), unknown.string() +
                                    ": program 'forward' instruction 1 (Linear): kernels[0]: unknown kernel family "
                                    "'cutlass' (recompile the plan with gemma4c compile --arch)");
}

// A CUDA plan's attention of one head of 16 per KV head over the embeddings, with `choices`.
std::filesystem::path writeCudaAttentionPlan(const TempDir &dir, const std::vector<TestKernelChoice> &choices) {
  PlanBuilder b(TestModelInfo{});
  const uint32_t table = b.weight("embed", {16, 16}, randomValues(256, 1));
  const uint32_t x = b.buffer("x", 16), o = b.buffer("o", 16);
  b.emit(plan::CreateEmbed(b.fbb(), 1.0f), {b.tokenIds()}, {x}, {table});
  b.emit(plan::CreateAttention(b.fbb(), 0, 0, AttentionKind::Full, 1, 1, 16, 0, 1.0f, true), {x, b.positions(), x, x},
         {o}, {}, choices);
  b.setLogits(o);
  b.kvLayer(AttentionKind::Full, 16, 1, 0, 0);
  b.kernelImage("sm_90a");
  return b.write(dir.path());
}

// What g4-select-tiles chooses for sm_90a: the tensor-core decode blocks, and
// above 4 rows the prefill tiles where the step's tiles average more than 16 rows.
std::vector<TestKernelChoice> selectedAttentionChoices() {
  std::vector<TestKernelChoice> choices;
  for (const kernels::KernelChoiceSpec &c : kernels::attentionChoices(16, 1, 232448, {}))
    choices.push_back({c.minRows, c.maxRows, std::string(kernels::familyInfo(c.family).name), c.kernel, c.tileTokens,
                       c.tileRows, c.sharedBytes, c.rowsPerTileAbove});
  return choices;
}

TEST(PlanLoader, LoadsAttentionChoicesOfSelectTiles) {
  TempDir dir;
  const std::vector<TestKernelChoice> choices = selectedAttentionChoices();
  ASSERT_EQ(choices.size(), 5u);
  EXPECT_EQ(choices[1].family, "attention_mma");
  EXPECT_EQ(choices[1].rowsPerTileAbove, 16u);
  PlanFile plan(writeCudaAttentionPlan(dir, choices));
  EXPECT_EQ(plan.program("forward").instructions()->Get(1)->kernels()->size(), 5u);
}

TEST(PlanLoader, RejectsAttentionChoiceOfAnotherInstance) {
  TempDir dir;
  std::vector<TestKernelChoice> choices = selectedAttentionChoices();
  choices[0].kernel = "g4k::attentionMma<16, 1, 8>"; // the prefill tiles' kernel under the decode family
  const auto path = writeCudaAttentionPlan(dir, choices);
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 1 (Attention): kernels[0]: expects "
                                             "'g4k::attentionMma<16, 1, 1>' with tile_tokens 16, tile_rows 16 and "
                                             "shared_bytes 13952 for head_dim 16 and group 1, found "
                                             "'g4k::attentionMma<16, 1, 8>' with 16, 16 and 13952 (recompile the plan "
                                             "with gemma4c compile --arch)");
}

TEST(PlanLoader, RejectsConditionalAttentionChoiceWithoutAlternative) {
  TempDir dir;
  std::vector<TestKernelChoice> choices = selectedAttentionChoices();
  choices.pop_back(); // the decode blocks that serve rows 65 and above otherwise
  const auto last = writeCudaAttentionPlan(dir, choices);
  EXPECT_EQ(loadError(last), last.string() + ": program 'forward' instruction 1 (Attention): kernels[3]: has "
                                             "rows_per_tile_above, but no choice after it serves the other steps of "
                                             "rows 65 and above (recompile the plan with gemma4c compile --arch)");
  choices = selectedAttentionChoices();
  choices.erase(choices.begin() + 2); // rows 5 to 64 otherwise
  const auto other = writeCudaAttentionPlan(dir, choices);
  EXPECT_EQ(loadError(other), other.string() + ": program 'forward' instruction 1 (Attention): kernels[2]: serves "
                                               "rows 65 and above, but the choice before it, with "
                                               "rows_per_tile_above, serves rows 5 to 64: its other steps need a "
                                               "choice of the same rows (recompile the plan with gemma4c compile "
                                               "--arch)");
}

TEST(PlanLoader, RejectsConditionalProjectionChoice) {
  TempDir dir;
  const TestKernelChoice conditional{1, kUnbounded, "cublaslt_split", "cublasLt", 0, 0, 0, 16};
  const auto path = writeCudaPlan(dir, {conditional, {1, kUnbounded, "cublaslt_split", "cublasLt"}});
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 1 (Linear): kernels[0]: "
                                             "rows_per_tile_above is set, but only attention choices have tiles of one "
                                             "sequence's tokens");
}

TEST(PlanLoader, RejectsLinearWidthMismatch) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t w = b.weight("proj", {4, 12}, randomValues(48, 2));
    const uint32_t y = b.buffer("y", 4);
    b.emit(plan::CreateLinear(b.fbb()), {2}, {y}, {w});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (Linear): inputs[0] (buffer 2 'logits') has "
                                 "width 16, weights[0] 'proj' shape [4, 12] needs 12");
}

TEST(PlanLoader, RejectsLinearOutputWidthMismatch) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t w = b.weight("proj", {4, 16}, randomValues(64, 2));
    const uint32_t y = b.buffer("y", 5);
    b.emit(plan::CreateLinear(b.fbb()), {2}, {y}, {w});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (Linear): outputs[0] (buffer 3 'y') has width "
                                 "5, weights[0] 'proj' shape [4, 16] needs 4");
}

TEST(PlanLoader, RejectsAttentionWidthMismatch) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t o = b.buffer("o", 16);
    // 2 heads * head_dim 4 = 8, but q (the logits buffer) has width 16.
    b.emit(plan::CreateAttention(b.fbb(), 0, 0, AttentionKind::Full, 2, 1, 4, 0, 1.0f, true), {2, b.positions(), 2, 2},
           {o});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (Attention): inputs[0] (buffer 2 'logits') has "
                                 "width 16, num_heads * head_dim needs 8");
}

TEST(PlanLoader, RejectsAttentionDisagreeingWithKvSpec) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t kv = b.buffer("kv", 8);
    const uint32_t o = b.buffer("o", 16);
    b.emit(plan::CreateSlice(b.fbb(), 0, 8), {2}, {kv});
    // The KV spec says head_dim 4 with 1 KV head; this says 8 with 1.
    b.emit(plan::CreateAttention(b.fbb(), 0, 0, AttentionKind::Full, 2, 1, 8, 0, 1.0f, true),
           {2, b.positions(), kv, kv}, {o});
  });
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 2 (Attention): head_dim 8 differs from "
                                             "kv.layers[0].head_dim 4");
}

TEST(PlanLoader, RejectsKvOwnerOfOtherKind) {
  TempDir dir;
  TestModelInfo info;
  info.numLayers = 2;
  const auto path = writePlan(
      dir, [](PlanBuilder &b) { b.kvLayer(AttentionKind::Sliding, 4, 1, 8, 0); }, info);
  EXPECT_EQ(loadError(path), path.string() + ": kv.layers[1]: owner 0 is a Full layer, layer 1 is Sliding");
}

TEST(PlanLoader, RejectsKvSpecWithWrongLayerCount) {
  TempDir dir;
  TestModelInfo info;
  info.numLayers = 3;
  const auto path = writePlan(dir, {}, info);
  EXPECT_EQ(loadError(path),
            path.string() + ": kv.layers has 1 entries, model.num_layers is 3 (one entry per decoder layer)");
}

TEST(PlanLoader, RejectsLogitsWidthOtherThanVocab) {
  TempDir dir;
  PlanBuilder b({});
  const uint32_t table = b.weight("embed", {16, 12}, randomValues(192, 1));
  const uint32_t logits = b.buffer("logits", 12);
  b.emit(plan::CreateEmbed(b.fbb(), 1.0f), {b.tokenIds()}, {logits}, {table});
  b.setLogits(logits);
  b.kvLayer(AttentionKind::Full, 4, 1, 0, 0);
  const auto path = b.write(dir.path());
  EXPECT_EQ(loadError(path),
            path.string() + ": program 'forward'.logits buffer 2 is F32 width 12, must be F32 width 16");
}

// The fused instructions of `gemma4c --fuse`, each with operands that fit.
// An attention with a prologue (g4-fuse): 2 query heads and 1 KV head of 4,
// the raw q/k/v sliced from the logits buffer, weights [q_norm, k_norm]
// (k_norm left out when !withKNorm).
void emitPrologueAttention(PlanBuilder &b, int64_t normWidth, bool withKNorm = true) {
  std::vector<uint32_t> weights = {b.weight("q_norm", {normWidth}, nearOne(size_t(normWidth), 7))};
  if (withKNorm)
    weights.push_back(b.weight("k_norm", {normWidth}, nearOne(size_t(normWidth), 8)));
  const uint32_t q = b.buffer("q", 8), kv = b.buffer("kv", 4), o = b.buffer("o", 8);
  b.emit(plan::CreateSlice(b.fbb(), 0, 8), {2}, {q});
  b.emit(plan::CreateSlice(b.fbb(), 8, 4), {2}, {kv});
  b.emit(plan::CreateAttention(b.fbb(), 0, 0, AttentionKind::Full, 2, 1, 4, 0, 1.0f, true, true, 1e-6f, 1, 1e4f, 1.0f,
                               true),
         {q, b.positions(), kv, kv}, {o}, weights);
}

TEST(PlanLoader, LoadsAttentionWithPrologue) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) { emitPrologueAttention(b, 4); });
  EXPECT_EQ(PlanFile(path).program("forward").instructions()->size(), 4u);
}

TEST(PlanLoader, RejectsAttentionPrologueWithoutKNorm) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) { emitPrologueAttention(b, 4, false); });
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 3 (Attention): expects 4 inputs, 1 "
                                             "outputs and 2 weights, found 4, 1 and 1");
}

TEST(PlanLoader, RejectsAttentionPrologueNormOfOtherHeadDim) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) { emitPrologueAttention(b, 8); });
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 3 (Attention): weights[0] 'q_norm' "
                                             "shape [8] must be [4] (one scale per element of a head)");
}

TEST(PlanLoader, RejectsAttentionVNormWithoutPrologue) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t q = b.buffer("q", 8), kv = b.buffer("kv", 4), o = b.buffer("o", 8);
    b.emit(plan::CreateSlice(b.fbb(), 0, 8), {2}, {q});
    b.emit(plan::CreateSlice(b.fbb(), 8, 4), {2}, {kv});
    b.emit(plan::CreateAttention(b.fbb(), 0, 0, AttentionKind::Full, 2, 1, 4, 0, 1.0f, true, false, 0.0f, 0, 0.0f, 1.0f,
                                 true),
           {q, b.positions(), kv, kv}, {o});
  });
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 3 (Attention): v_norm is set without "
                                             "a prologue that writes the KV cache");
}

TEST(PlanLoader, LoadsFusedInstructions) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t norm = b.weight("norm", {16}, nearOne(16, 2));
    const uint32_t qNorm = b.weight("q_norm", {4}, nearOne(4, 3));
    const uint32_t gate = b.weight("gate", {6, 16}, randomValues(96, 4));
    const uint32_t up = b.weight("up", {6, 16}, randomValues(96, 5));
    const uint32_t head = b.weight("head", {16, 6}, randomValues(96, 6));
    const uint32_t sum = b.buffer("sum", 16), normed = b.buffer("normed", 16);
    const uint32_t q = b.buffer("q", 16), h = b.buffer("h", 6), logits = b.buffer("capped", 16);
    b.emit(plan::CreateAddRmsNorm(b.fbb(), 1e-6f), {2, 2}, {sum, normed}, {norm});
    b.emit(plan::CreateRmsNormRope(b.fbb(), 1e-6f, 4, 1, 1e6f, 1.0f), {normed, b.positions()}, {q}, {qNorm});
    b.emit(plan::CreateGatedLinear(b.fbb()), {q}, {h}, {gate, up});
    b.emit(plan::CreateLmHead(b.fbb(), 30.0f), {h}, {logits}, {head});
  });
  EXPECT_EQ(PlanFile(path).program("forward").instructions()->size(), 5u);
}

TEST(PlanLoader, RejectsAddRmsNormInputsOfDifferentWidths) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t norm = b.weight("norm", {16}, nearOne(16, 2));
    const uint32_t half = b.buffer("half", 8), sum = b.buffer("sum", 16), normed = b.buffer("normed", 16);
    b.emit(plan::CreateSlice(b.fbb(), 0, 8), {2}, {half});
    b.emit(plan::CreateAddRmsNorm(b.fbb(), 1e-6f), {2, half}, {sum, normed}, {norm});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 2 (AddRmsNorm): inputs[1] (buffer 3 'half') has "
                                 "width 8, inputs[0] needs 16");
}

TEST(PlanLoader, RejectsAddRmsNormWeightOfOtherWidth) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t norm = b.weight("norm", {8}, nearOne(8, 2));
    const uint32_t sum = b.buffer("sum", 16), normed = b.buffer("normed", 16);
    b.emit(plan::CreateAddRmsNorm(b.fbb(), 1e-6f), {2, 2}, {sum, normed}, {norm});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (AddRmsNorm): weights[0] 'norm' shape [8] must "
                                 "be [16] (one scale per element of a row)");
}

TEST(PlanLoader, LoadsRmsNormAdd) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t norm = b.weight("norm", {16}, nearOne(16, 2));
    const uint32_t down = b.weight("down", {16, 16}, randomValues(256, 3));
    const uint32_t x = b.buffer("x", 16), sum = b.buffer("sum", 16);
    b.emit(plan::CreateLinear(b.fbb()), {2}, {x}, {down});
    b.emit(plan::CreateRmsNormAdd(b.fbb(), 1e-6f), {2, x}, {sum}, {norm});
  });
  EXPECT_EQ(PlanFile(path).program("forward").instructions()->size(), 3u);
}

TEST(PlanLoader, RejectsRmsNormAddWeightOfOtherWidth) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t norm = b.weight("norm", {8}, nearOne(8, 2));
    const uint32_t sum = b.buffer("sum", 16);
    b.emit(plan::CreateRmsNormAdd(b.fbb(), 1e-6f), {2, 2}, {sum}, {norm});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (RmsNormAdd): weights[0] 'norm' shape [8] must "
                                 "be [16] (one scale per element of a row)");
}

TEST(PlanLoader, RejectsRmsNormAddWithANormedOutput) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t norm = b.weight("norm", {16}, nearOne(16, 2));
    const uint32_t sum = b.buffer("sum", 16), normed = b.buffer("normed", 16);
    b.emit(plan::CreateRmsNormAdd(b.fbb(), 1e-6f), {2, 2}, {sum, normed}, {norm});
  });
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 1 (RmsNormAdd): expects 2 inputs, 1 "
                                             "outputs and 1 weights, found 2, 2 and 1");
}

TEST(PlanLoader, RejectsRmsNormRopeOddHeadDim) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t qNorm = b.weight("q_norm", {3}, nearOne(3, 2));
    const uint32_t q = b.buffer("q", 16);
    b.emit(plan::CreateRmsNormRope(b.fbb(), 1e-6f, 3, 1, 1e4f, 1.0f), {2, b.positions()}, {q}, {qNorm});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (RmsNormRope): head_dim 3 must be even and "
                                 "positive");
}

TEST(PlanLoader, RejectsRmsNormRopeWeightOfOtherHeadDim) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t qNorm = b.weight("q_norm", {8}, nearOne(8, 2));
    const uint32_t q = b.buffer("q", 16);
    b.emit(plan::CreateRmsNormRope(b.fbb(), 1e-6f, 4, 2, 1e4f, 1.0f), {2, b.positions()}, {q}, {qNorm});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (RmsNormRope): weights[0] 'q_norm' shape [8] "
                                 "must be [4] (one scale per element of a head)");
}

TEST(PlanLoader, RejectsGatedLinearUpOfOtherShape) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t gate = b.weight("gate", {6, 16}, randomValues(96, 2));
    const uint32_t up = b.weight("up", {6, 8}, randomValues(48, 3));
    const uint32_t h = b.buffer("h", 6);
    b.emit(plan::CreateGatedLinear(b.fbb()), {2}, {h}, {gate, up});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (GatedLinear): weights[1] 'up' shape [6, 8] "
                                 "must be [6, 16] (the shape of the gate, weights[0])");
}

TEST(PlanLoader, LoadsMultiLinear) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t wq = b.weight("q_proj", {8, 16}, randomValues(128, 2));
    const uint32_t wk = b.weight("k_proj", {4, 16}, randomValues(64, 3));
    const uint32_t wv = b.weight("v_proj", {4, 16}, randomValues(64, 4));
    const uint32_t q = b.buffer("q", 8), k = b.buffer("k", 4), v = b.buffer("v", 4);
    b.emit(plan::CreateMultiLinear(b.fbb()), {2}, {q, k, v}, {wq, wk, wv});
    b.emit(plan::CreateMultiLinear(b.fbb()), {2}, {q, k}, {wq, wk});
  });
  EXPECT_EQ(PlanFile(path).program("forward").instructions()->size(), 3u);
}

TEST(PlanLoader, RejectsMultiLinearWeightOfOtherInputWidth) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t wq = b.weight("q_proj", {8, 16}, randomValues(128, 2));
    const uint32_t wk = b.weight("k_proj", {4, 12}, randomValues(48, 3));
    const uint32_t q = b.buffer("q", 8), k = b.buffer("k", 4);
    b.emit(plan::CreateMultiLinear(b.fbb()), {2}, {q, k}, {wq, wk});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (MultiLinear): weights[1] 'k_proj' shape [4, 12] "
                                 "must have 16 columns (those of weights[0])");
}

TEST(PlanLoader, RejectsMultiLinearWithoutOneOutputPerWeight) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t wq = b.weight("q_proj", {8, 16}, randomValues(128, 2));
    const uint32_t wk = b.weight("k_proj", {4, 16}, randomValues(64, 3));
    const uint32_t q = b.buffer("q", 8);
    b.emit(plan::CreateMultiLinear(b.fbb()), {2}, {q}, {wq, wk});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (MultiLinear): expects 1 inputs, 2 outputs and 2 "
                                 "weights, found 1, 1 and 2");
}

TEST(PlanLoader, RejectsMultiLinearOfOneWeight) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t wq = b.weight("q_proj", {8, 16}, randomValues(128, 2));
    const uint32_t q = b.buffer("q", 8);
    b.emit(plan::CreateMultiLinear(b.fbb()), {2}, {q}, {wq});
  });
  EXPECT_EQ(loadError(path),
            path.string() + ": program 'forward' instruction 1 (MultiLinear): expects 2 or 3 weights, found 1");
}

TEST(PlanLoader, LoadsSliceGatedLinear) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t gate = b.weight("gate", {4, 16}, randomValues(64, 2));
    const uint32_t project = b.weight("project", {12, 16}, randomValues(192, 3));
    const uint32_t ple = b.buffer("ple", 12), h = b.buffer("h", 4);
    b.emit(plan::CreateLinear(b.fbb()), {2}, {ple}, {project});
    b.emit(plan::CreateSliceGatedLinear(b.fbb(), 8), {2, ple}, {h}, {gate});
  });
  EXPECT_EQ(PlanFile(path).program("forward").instructions()->size(), 3u);
}

TEST(PlanLoader, RejectsSliceGatedLinearRangeOutsideSide) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t gate = b.weight("gate", {4, 16}, randomValues(64, 2));
    const uint32_t project = b.weight("project", {12, 16}, randomValues(192, 3));
    const uint32_t ple = b.buffer("ple", 12), h = b.buffer("h", 4);
    b.emit(plan::CreateLinear(b.fbb()), {2}, {ple}, {project});
    b.emit(plan::CreateSliceGatedLinear(b.fbb(), 9), {2, ple}, {h}, {gate});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 2 (SliceGatedLinear): offset 9 + 4 gate rows exceeds "
                                 "inputs[1] (buffer 3 'ple') width 12");
}

TEST(PlanLoader, RejectsLmHeadNegativeSoftcap) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t head = b.weight("head", {16, 16}, randomValues(256, 2));
    const uint32_t logits = b.buffer("capped", 16);
    b.emit(plan::CreateLmHead(b.fbb(), -30.0f), {2}, {logits}, {head});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (LmHead): softcap must be finite and >= 0 (0: "
                                 "none)");
}

TEST(PlanLoader, RejectsMissingOpParameters) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t y = b.buffer("y", 16);
    b.emitRaw(plan::Op::Scale, 0, {2}, {y}, {});
  });
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 1 (Scale): op parameter table missing");
}

TEST(PlanLoader, RejectsReadBeforeWrite) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t never = b.buffer("never_written", 16);
    const uint32_t y = b.buffer("y", 16);
    b.emit(plan::CreateAdd(b.fbb()), {2, never}, {y});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (Add): inputs[1] (buffer 3) is read before any "
                                 "instruction writes it");
}

TEST(PlanLoader, RejectsWrongDtype) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t y = b.buffer("y", 1);
    b.emit(plan::CreateScale(b.fbb(), 2.0f), {b.positions()}, {y});
  });
  EXPECT_EQ(loadError(path), path.string() +
                                 ": program 'forward' instruction 1 (Scale): inputs[0] (buffer 1 'positions') must "
                                 "be F32, found I32");
}

TEST(PlanLoader, RejectsUnknownProgram) {
  TempDir dir;
  PlanFile plan(writePlan(dir));
  try {
    plan.program("draft");
    FAIL() << "no error";
  } catch (const Error &e) {
    EXPECT_EQ(std::string(e.what()), plan.path().string() + ": the plan has no program named 'draft'");
  }
}

// A plan split over 2 ranks (gemma4c --tp 2): logits = all_reduce(embed(ids))
// with the [16, 16] table cut by vocabulary rows, and a [4, 8] projection cut
// along its input columns (strided slices).
std::filesystem::path writeSplitPlan(const TempDir &dir, const std::function<void(PlanBuilder &)> &extra = {}) {
  TestModelInfo info;
  info.tensorParallel = 2;
  PlanBuilder b(info);
  const uint32_t table = b.splitWeight("embed", {16, 16}, randomValues(256, 1), 0);
  b.splitWeight("proj", {4, 8}, randomValues(32, 2), 1);
  const uint32_t rows = b.buffer("rows", 16), logits = b.buffer("logits", 16);
  b.emit(plan::CreateEmbed(b.fbb(), 1.0f, /*vocab_sharded=*/true), {b.tokenIds()}, {rows}, {table});
  b.emit(plan::CreateAllReduce(b.fbb()), {rows}, {logits});
  b.setLogits(logits);
  b.kvLayer(AttentionKind::Full, 4, 1, 0, 0);
  if (extra)
    extra(b);
  return b.write(dir.path());
}

TEST(PlanLoader, SplitWeightsReadEachRanksSlice) {
  TempDir dir;
  PlanFile plan(writeSplitPlan(dir));
  EXPECT_EQ(plan.plan().tensor_parallel(), 2u);
  const std::vector<float> table = randomValues(256, 1), proj = randomValues(32, 2);
  for (uint32_t rank = 0; rank < 2; ++rank) {
    WeightStore store(plan, dir.path(), rank);
    EXPECT_EQ(store.toFloat32(0), std::vector<float>(table.begin() + rank * 128, table.begin() + (rank + 1) * 128));
    std::vector<float> columns; // rows of proj, this rank's 4 of 8 columns each
    for (size_t row = 0; row < 4; ++row)
      columns.insert(columns.end(), proj.begin() + row * 8 + rank * 4, proj.begin() + row * 8 + rank * 4 + 4);
    EXPECT_EQ(store.toFloat32(1), columns) << "rank " << rank;
  }
  EXPECT_THROW(WeightStore(plan, dir.path(), 2), Error);
}

TEST(PlanLoader, RejectsSplitWeightWithoutASliceForEveryRank) {
  TempDir dir;
  const auto path = writeSplitPlan(dir, [](PlanBuilder &b) { b.setSlices(0, {plan::WeightSlice(0, 512, 1024, 1)}); });
  EXPECT_EQ(loadError(path), path.string() + ": weights[0] 'embed': has 1 slices for 2 tensor-parallel ranks");
}

TEST(PlanLoader, RejectsSliceOutsideItsTensor) {
  TempDir dir;
  const auto path = writeSplitPlan(dir, [](PlanBuilder &b) {
    b.setSlices(1, {plan::WeightSlice(0, 16, 32, 4), plan::WeightSlice(32, 16, 32, 4)});
  });
  const uint64_t begin =
      io::readSafetensorsHeader((dir.path() / "model.safetensors").string()).tensors.at("proj").begin;
  auto at = [&](uint64_t offset) { return std::to_string(begin + offset); };
  EXPECT_EQ(loadError(path), path.string() + ": weights[1] 'proj': slice of rank 1: bytes [" + at(32) + ", " + at(144) +
                                 ") leave the tensor's [" + at(0) + ", " + at(128) + ")");
}

TEST(PlanLoader, RejectsSliceOfTheWrongSize) {
  TempDir dir;
  const auto path = writeSplitPlan(dir, [](PlanBuilder &b) {
    b.setSlices(1, {plan::WeightSlice(0, 8, 32, 4), plan::WeightSlice(16, 8, 32, 4)});
  });
  EXPECT_EQ(loadError(path), path.string() + ": weights[1] 'proj': slice of rank 0: 4 runs of 8 bytes do not make "
                                             "the 64 bytes of shape [4, 4]");
}

TEST(PlanLoader, RejectsRankLocalPartInAPlanOfOneRank) {
  TempDir dir;
  const auto path = writePlan(dir, [](PlanBuilder &b) {
    const uint32_t table = b.weight("part", {16, 16}, randomValues(256, 3));
    const uint32_t y = b.buffer("y", 16);
    b.emit(plan::CreateEmbed(b.fbb(), 1.0f, /*vocab_sharded=*/true), {b.tokenIds()}, {y}, {table});
  });
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 1 (Embed): vocab_sharded in a plan of "
                                             "one rank (tensor_parallel 1)");
}

TEST(PlanLoader, RejectsAllGatherNotWidenedByTheRanks) {
  TempDir dir;
  const auto path = writeSplitPlan(dir, [](PlanBuilder &b) {
    const uint32_t y = b.buffer("y", 16);
    b.emit(plan::CreateAllGather(b.fbb()), {2}, {y});
  });
  EXPECT_EQ(loadError(path), path.string() + ": program 'forward' instruction 2 (AllGather): outputs[0] (buffer 4 "
                                             "'y') has width 16, the input width times tensor_parallel 2 needs 32");
}

} // namespace
} // namespace g4::rt::test
