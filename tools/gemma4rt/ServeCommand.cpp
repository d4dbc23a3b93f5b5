// gemma4rt serve: an OpenAI-compatible HTTP server (a drop-in for
// `vllm serve` from a client's point of view) over the CPU backend.
#include "Command.h"
#include "LoadProgress.h"
#include "ModelLoader.h"
#include "TextAssets.h"

#include "io/Error.h"
#include "server/Server.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>
#include <mutex>
#include <pthread.h>
#include <thread>
#include <unistd.h>

namespace g4::tools {
namespace {

constexpr uint32_t kDefaultMaxModelLen = 4096;

struct ServeArgs {
  std::string plan;
  std::string weights;
  std::string host = "127.0.0.1";
  int port = 8000;
  uint32_t maxNumSeqs = 8;
  uint32_t maxNumBatchedTokens = 2048;
  uint32_t maxModelLen = 0;   // 0: min(max_position_embeddings, 4096)
  uint32_t kvCacheTokens = 0; // 0: max-num-seqs full-length sequences
  std::string servedModelName;
  std::string reasoningParser;
  Device device = Device::Cpu;
  CudaSettings cuda;
};

int serve(const ServeArgs &args) {
  // SIGINT and SIGTERM are taken by sigwait() below, never by a handler;
  // blocked before any thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN); // a client gone mid-write is an error return, not a signal

  LoadProgress progress(args.plan);
  const rt::PlanFile probe(args.plan);
  const uint32_t maxModelLen =
      std::min(args.maxModelLen ? args.maxModelLen : kDefaultMaxModelLen, probe.model().max_position_embeddings());
  const uint32_t kvSequences =
      args.kvCacheTokens ? std::max<uint32_t>(1, args.kvCacheTokens / maxModelLen) : args.maxNumSeqs;
  const std::unique_ptr<LoadedModel> model =
      loadModel({args.plan, args.weights, kvSequences, maxModelLen, args.device, args.cuda});
  TextAssets text = loadTextAssets(model->plan(), args.weights);
  progress.done();
  std::fprintf(stderr, "gemma4rt: %s\n", model->describe().c_str());

  rt::server::ChatRenderer renderChat;
  if (text.chatTemplate)
    renderChat = [&text, mutex = std::make_shared<std::mutex>()](const nlohmann::json &messages,
                                                                 const rt::ChatRenderOptions &options) {
      std::lock_guard lock(*mutex);
      return text.chatTemplate->render(messages, options);
    };
  const std::string name = args.servedModelName.empty() ? args.plan : args.servedModelName;
  rt::server::ServerConfig config;
  config.host = args.host;
  config.port = args.port;
  config.scheduler = {args.maxNumSeqs, args.maxNumBatchedTokens, rt::PolicyKind::Fcfs};
  config.separateReasoning = args.reasoningParser == "gemma4";
  rt::server::Server server(model->engine(), *text.tokenizer, renderChat,
                            rt::server::ServedModel::fromPlan(model->plan(), name, maxModelLen), config);
  std::printf("gemma4rt: serving '%s' at http://%s:%d/v1 (max-model-len %u, max-num-seqs %u, KV for %u sequences)\n",
              name.c_str(), args.host.c_str(), server.port(), maxModelLen, args.maxNumSeqs, kvSequences);
  std::fflush(stdout);

  std::thread http([&server] {
    server.run();
    kill(getpid(), SIGTERM); // wakes sigwait if the server stopped on its own
  });
  int signal = 0;
  sigwait(&signals, &signal);
  std::fprintf(stderr, "gemma4rt: %s received, shutting down\n", signal == SIGINT ? "SIGINT" : "SIGTERM");
  server.shutdown();
  http.join();
  return 0;
}

} // namespace

Command addServeCommand(CLI::App &parent) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App *cmd = parent.add_subcommand(
      "serve", "Serve the plan over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions, "
               "/v1/models, /health, /metrics) until SIGINT or SIGTERM");
  cmd->add_option("plan", args->plan, "Plan file (.g4plan)")->required();
  cmd->add_option("--host", args->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", args->port, "Port to listen on; 0 = any free port")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--max-num-seqs", args->maxNumSeqs, "Sequences running at once")
      ->capture_default_str()
      ->check(CLI::Range(1u, 4096u));
  cmd->add_option("--max-num-batched-tokens", args->maxNumBatchedTokens,
                  "Tokens computed per step (decode tokens and prefill chunks together)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1u << 20));
  cmd->add_option("--max-model-len", args->maxModelLen,
                  "Prompt plus generated tokens per sequence (default: max_position_embeddings, at most 4096)")
      ->check(CLI::Range(2u, 1u << 24));
  cmd->add_option("--kv-cache-tokens", args->kvCacheTokens,
                  "KV cache size in tokens, rounded down to whole max-model-len sequences (default: room for "
                  "max-num-seqs sequences; less makes running sequences preempt each other)")
      ->check(CLI::Range(1u, 1u << 30));
  cmd->add_option("--served-model-name", args->servedModelName,
                  "Model id clients send and /v1/models lists (default: the plan argument)");
  cmd->add_option("--reasoning-parser", args->reasoningParser,
                  "Chat completions: move Gemma 4 thinking into `reasoning_content` (as vLLM's parser of that name)")
      ->check(CLI::IsMember({"gemma4"}));
  addModelOptions(cmd, args->weights, args->device);
  addCudaOptions(cmd, args->cuda);
  return {cmd, [args] { return serve(*args); }};
}

} // namespace g4::tools
