// gemma4rt run: generate after a prompt of token ids (--tokens), of text
// (--prompt, tokenized with the plan's tokenizer), or chat in the terminal
// (--chat: the plan's chat template, replies streamed as they are generated).
#include "Command.h"
#include "ModelLoader.h"
#include "TextAssets.h"

#include "engine/Generator.h"
#include "io/Error.h"
#include "server/TerminalChat.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace g4::tools {
namespace {

struct RunArgs {
  std::string plan;
  std::string weights;
  std::vector<int32_t> tokens;
  std::string prompt;
  bool chat = false;
  uint32_t maxNewTokens = 0;
  rt::SamplingParams sampling;
  bool ignoreEos = false;
  Device device = Device::Cpu;
};

void printStats(const rt::GenerationStats &s) {
  std::fprintf(stderr, "gemma4rt: prefill %zu tokens in %.1f ms, decode %zu tokens in %.1f ms (%.1f tokens/s)\n",
               s.prefillTokens, s.prefillSeconds * 1e3, s.decodeTokens, s.decodeSeconds * 1e3,
               s.decodeSeconds > 0 ? double(s.decodeTokens) / s.decodeSeconds : 0.0);
}

int runTokens(const RunArgs &args) {
  const uint64_t tokens = args.tokens.size() + uint64_t(args.maxNewTokens);
  const std::unique_ptr<LoadedModel> model =
      loadModel({args.plan, args.weights, 1, uint32_t(std::min<uint64_t>(tokens, UINT32_MAX)), args.device, {}});
  const rt::GenerationRequest request{args.tokens, args.maxNewTokens, args.sampling, !args.ignoreEos};
  const rt::GenerationResult result = rt::generate(model->engine(), {&request, 1});
  std::string line;
  for (int32_t token : result.tokens[0]) {
    if (!line.empty())
      line += ',';
    line += std::to_string(token);
  }
  std::cout << line << "\n";
  printStats(result.stats);
  return 0;
}

// A plain completion of the text: BOS, then the text's tokens.
int runPrompt(const RunArgs &args) {
  const rt::PlanFile plan(args.plan);
  const TextAssets text = loadTextAssets(plan, args.weights);
  std::vector<int32_t> prompt = {plan.model().bos_token_id()};
  const std::vector<int32_t> ids = text.tokenizer->encode(args.prompt);
  prompt.insert(prompt.end(), ids.begin(), ids.end());

  const uint64_t tokens = prompt.size() + uint64_t(args.maxNewTokens);
  const std::unique_ptr<LoadedModel> model =
      loadModel({args.plan, args.weights, 1, uint32_t(std::min<uint64_t>(tokens, UINT32_MAX)), args.device, {}});
  const rt::GenerationRequest request{prompt, args.maxNewTokens, args.sampling, !args.ignoreEos};
  const rt::GenerationResult result = rt::generate(model->engine(), {&request, 1});
  std::cout << text.tokenizer->decode(result.tokens[0], true) << "\n";
  printStats(result.stats);
  return 0;
}

int runChat(const RunArgs &args) {
  constexpr uint32_t kChatContext = 4096;
  const std::unique_ptr<LoadedModel> model = loadModel({args.plan, args.weights, 1, kChatContext, args.device, {}});
  const TextAssets text = loadTextAssets(model->plan(), args.weights);
  if (!text.chatTemplate)
    throw Error(args.plan + ": the plan has no chat template, so --chat cannot render a conversation; use --prompt");
  const rt::server::ServedModel served = rt::server::ServedModel::fromPlan(model->plan(), args.plan, kChatContext);

  rt::server::TerminalChatOptions options;
  rt::server::SamplingFields &s = options.request.sampling;
  s.temperature = args.sampling.temperature;
  s.topK = int32_t(args.sampling.topK);
  s.topP = args.sampling.topP;
  s.seed = int64_t(args.sampling.seed);
  options.request.maxTokens = args.maxNewTokens;
  options.request.ignoreEos = args.ignoreEos;
  options.prompt = isatty(STDIN_FILENO) ? &std::cerr : nullptr;

  rt::server::Metrics metrics;
  rt::server::EngineLoop loop(model->engine(), *text.tokenizer, {1, kChatContext, rt::PolicyKind::Fcfs}, metrics);
  const auto render = [&](const nlohmann::json &messages, const rt::ChatRenderOptions &renderOptions) {
    return text.chatTemplate->render(messages, renderOptions);
  };
  rt::server::runTerminalChat(loop, *text.tokenizer, render, served, options, std::cin, std::cout);
  return 0;
}

int run(const RunArgs &args) {
  if (args.chat)
    return runChat(args);
  return args.prompt.empty() ? runTokens(args) : runPrompt(args);
}

} // namespace

Command addRunCommand(CLI::App &parent) {
  auto args = std::make_shared<RunArgs>();
  CLI::App *cmd = parent.add_subcommand(
      "run", "Generate after a prompt, stopping at an eos id of the plan unless --ignore-eos. With --tokens, prints "
             "the generated ids, comma-separated; with --prompt, the generated text; each with a timing line on "
             "stderr. With --chat, reads user messages line by line from stdin (EOF ends) and streams the replies");
  cmd->add_option("plan", args->plan, "Plan file (.g4plan)")->required();
  CLI::Option_group *input = cmd->add_option_group("prompt", "What to generate from (one of)");
  input->add_option("--tokens", args->tokens, "Prompt token ids, comma-separated")->delimiter(',');
  input->add_option("--prompt", args->prompt, "Prompt text (BOS is added; no chat template)");
  input->add_flag("--chat", args->chat, "Chat in the terminal with the plan's chat template");
  input->require_option(1);
  cmd->add_option("--max-new-tokens", args->maxNewTokens, "Number of tokens to generate at most (per reply)")
      ->required();
  cmd->add_option("--temperature", args->sampling.temperature, "Sampling temperature; 0 = greedy")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-k", args->sampling.topK, "Keep the k most likely tokens; 0 = all")->capture_default_str();
  cmd->add_option("--top-p", args->sampling.topP, "Keep the most likely tokens up to this probability mass")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seed", args->sampling.seed, "Seed of the sampling RNG")->capture_default_str();
  cmd->add_flag("--ignore-eos", args->ignoreEos, "Keep generating after an end-of-sequence token");
  addModelOptions(cmd, args->weights, args->device);
  return {cmd, [args] { return run(*args); }};
}

} // namespace g4::tools
