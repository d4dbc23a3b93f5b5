// gemma4rt logits: teacher-forced logits through prefill + decode steps.
#include "Command.h"

#include "ModelLoader.h"
#include "engine/TeacherForcing.h"
#include "io/Error.h"
#include "io/Safetensors.h"

#include <algorithm>
#include <memory>

namespace g4::tools {
namespace {

struct LogitsArgs {
  std::string plan;
  std::string weights;
  std::vector<int32_t> tokens;
  std::string output;
  size_t prefillLength = 0; // 0: T / 2, at least 1
  CLI::Option *prefillOption = nullptr;
  Device device = Device::Cpu;
};

int run(const LogitsArgs &args) {
  if (args.prefillOption->count() && args.prefillLength == 0)
    throw Error("--prefill-len must be at least 1");
  const size_t numTokens = args.tokens.size();
  const std::unique_ptr<LoadedModel> model =
      loadModel({args.plan, args.weights, 1, uint32_t(numTokens), args.device, {}});
  const size_t prefill = args.prefillLength ? args.prefillLength : std::max<size_t>(1, numTokens / 2);
  const std::vector<float> logits = rt::teacherForcedLogits(model->engine(), args.tokens, prefill);
  const int64_t vocab = model->plan().model().vocab_size();
  io::writeSafetensors(args.output, {{"logits", "F32", {int64_t(numTokens), vocab}, logits.data()}});
  return 0;
}

} // namespace

Command addLogitsCommand(CLI::App &parent) {
  auto args = std::make_shared<LogitsArgs>();
  CLI::App *cmd = parent.add_subcommand(
      "logits", "Write teacher-forced logits [T, vocab] of the token ids (a prefill of the first P tokens, then "
                "one decode step per token) as tensor 'logits' of a safetensors file");
  cmd->add_option("plan", args->plan, "Plan file (.g4plan)")->required();
  cmd->add_option("--tokens", args->tokens, "Token ids, comma-separated")->delimiter(',')->required();
  cmd->add_option("-o,--output", args->output, "Output safetensors file")->required();
  args->prefillOption =
      cmd->add_option("--prefill-len", args->prefillLength, "Tokens in the prefill step, P (default: T/2, at least 1)");
  addModelOptions(cmd, args->weights, args->device);
  return {cmd, [args] { return run(*args); }};
}

} // namespace g4::tools
