// gemma4rt bench: throughput and latency of random prompts through the
// engine (bench/BenchLoop.h), and the decode step against its roofline: the
// bytes the step must read (bench/Roofline.h) over the copy bandwidth
// measured in the same run.
#include "Command.h"
#include "ModelLoader.h"

#include "bench/BenchLoop.h"
#include "bench/Roofline.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>

namespace g4::tools {
namespace {

struct BenchArgs {
  std::string plan;
  std::string weights;
  rt::bench::BenchConfig config;
  Device device = Device::Cpu;
  CudaSettings cuda;
  std::string json;
};

// The median decode step of the batch size most steps had.
struct TypicalStep {
  size_t batch = 0, count = 0;
  double seconds = 0;
  rt::bench::StepBytes bytes;
};

TypicalStep typicalDecodeStep(const rt::PlanFile &plan, const std::vector<rt::bench::DecodeStep> &steps) {
  std::map<size_t, std::vector<const rt::bench::DecodeStep *>> byBatch;
  for (const auto &s : steps)
    byBatch[s.contexts.size()].push_back(&s);
  TypicalStep typical;
  for (auto &[batch, list] : byBatch)
    if (list.size() > typical.count || (list.size() == typical.count && batch > typical.batch))
      typical.batch = batch, typical.count = list.size();
  if (typical.count == 0)
    return typical;
  auto &list = byBatch[typical.batch];
  std::sort(list.begin(), list.end(), [](auto *a, auto *b) { return a->seconds < b->seconds; });
  const rt::bench::DecodeStep &median = *list[list.size() / 2];
  typical.seconds = median.seconds;
  typical.bytes = rt::bench::decodeStepBytes(plan, median.contexts);
  return typical;
}

int run(const BenchArgs &args) {
  rt::bench::BenchConfig config = args.config;
  config.maxStepTokens = args.device == Device::Cuda ? args.cuda.maxStepTokens : config.maxStepTokens;
  const std::unique_ptr<LoadedModel> model = loadModel(
      {args.plan, args.weights, config.concurrency, config.inputLen + config.outputLen, args.device, args.cuda});
  std::printf("gemma4rt bench: %s\n  on %s\n", args.plan.c_str(), model->describe().c_str());
  const Ceilings ceilings = model->measureCeilings();
  const double bandwidth = ceilings.copyBandwidth;
  const rt::bench::BenchResult r = rt::bench::runBench(model->engine(), config);

  std::vector<double> ttft, tpot;
  for (const auto &t : r.requests) {
    ttft.push_back(t.ttft * 1e3);
    tpot.push_back(t.tpot * 1e3);
  }
  const TypicalStep step = typicalDecodeStep(model->plan(), r.decodeSteps);
  const rt::KvCache &kv = model->engine().kv();
  const uint32_t pageSize = kv.layout().pageSize();
  nlohmann::json out = {
      {"plan", args.plan},
      {"backend", model->describe()},
      {"num_prompts", config.numPrompts},
      {"input_len", config.inputLen},
      {"output_len", config.outputLen},
      {"concurrency", config.concurrency},
      {"seconds", r.seconds},
      {"steps", r.steps},
      {"output_tokens_per_s", double(r.outputTokens) / r.seconds},
      {"total_tokens_per_s", double(r.inputTokens + r.outputTokens) / r.seconds},
      {"ttft_ms_median", rt::bench::percentile(ttft, 50)},
      {"ttft_ms_p99", rt::bench::percentile(ttft, 99)},
      {"tpot_ms_median", rt::bench::percentile(tpot, 50)},
      {"tpot_ms_p99", rt::bench::percentile(tpot, 99)},
      {"kv_sliding_tokens", kv.capacity(plan::AttentionKind::Sliding) * pageSize},
      {"kv_full_tokens", kv.capacity(plan::AttentionKind::Full) * pageSize},
      {"decode_step_batch", step.batch},
      {"decode_step_ms", step.seconds * 1e3},
      {"decode_step_weight_bytes", step.bytes.weights},
      {"decode_step_kv_bytes", step.bytes.kv},
      {"copy_bandwidth_gb_per_s", bandwidth / 1e9},
      {"matmul_tflop_per_s", ceilings.matmulRate / 1e12},
  };
  std::printf("  requests            %u x (%u in, %u out), concurrency %u, %u steps in %.2f s\n", config.numPrompts,
              config.inputLen, config.outputLen, config.concurrency, r.steps, r.seconds);
  std::printf("  output throughput   %.1f tok/s\n", out["output_tokens_per_s"].get<double>());
  std::printf("  total throughput    %.1f tok/s\n", out["total_tokens_per_s"].get<double>());
  std::printf("  TTFT median / p99   %.2f / %.2f ms\n", out["ttft_ms_median"].get<double>(),
              out["ttft_ms_p99"].get<double>());
  std::printf("  TPOT median / p99   %.3f / %.3f ms\n", out["tpot_ms_median"].get<double>(),
              out["tpot_ms_p99"].get<double>());
  std::printf("  KV pools            sliding %u tokens, full %u tokens\n", out["kv_sliding_tokens"].get<uint32_t>(),
              out["kv_full_tokens"].get<uint32_t>());
  if (step.count > 0) {
    std::printf("  decode step         batch %zu (median of %zu): %.3f ms; reads %.3f GB weights + %.3f GB KV\n",
                step.batch, step.count, step.seconds * 1e3, double(step.bytes.weights) / 1e9,
                double(step.bytes.kv) / 1e9);
    if (bandwidth > 0) {
      const double roofline = double(step.bytes.total()) / bandwidth;
      out["decode_step_roofline_ms"] = roofline * 1e3;
      out["decode_step_fraction_of_roofline"] = roofline / step.seconds;
      std::printf("  roofline            %.3f ms at %.0f GB/s copy bandwidth: %.1f%% of roofline\n", roofline * 1e3,
                  bandwidth / 1e9, 100.0 * roofline / step.seconds);
    }
  }
  if (!r.prefillSteps.empty()) {
    std::vector<const rt::bench::PrefillStep *> steps;
    for (const auto &p : r.prefillSteps)
      steps.push_back(&p);
    std::sort(steps.begin(), steps.end(), [](auto *a, auto *b) { return a->seconds < b->seconds; });
    const rt::bench::PrefillStep &median = *steps[steps.size() / 2];
    const double flops = rt::bench::prefillFlops(model->plan(), median.prompts);
    int64_t tokens = 0;
    for (int32_t p : median.prompts)
      tokens += p;
    out["prefill_step_tokens"] = tokens;
    out["prefill_step_ms"] = median.seconds * 1e3;
    out["prefill_tflop_per_s"] = flops / median.seconds / 1e12;
    std::printf("  prefill step        %lld tokens (median of %zu): %.2f ms, %.1f TFLOP/s of matrix work",
                (long long)tokens, steps.size(), median.seconds * 1e3, flops / median.seconds / 1e12);
    if (ceilings.matmulRate > 0) {
      out["prefill_fraction_of_matmul_rate"] = flops / median.seconds / ceilings.matmulRate;
      std::printf(" = %.1f%% of cuBLASLt's bf16 %.0f TFLOP/s", 100.0 * flops / median.seconds / ceilings.matmulRate,
                  ceilings.matmulRate / 1e12);
    }
    std::printf("\n");
  }
  if (const std::string profile = model->profileReport(); !profile.empty())
    std::printf("GPU time per op (profiled run: eager launches, synchronized steps)\n%s", profile.c_str());
  if (!args.json.empty())
    std::ofstream(args.json) << out.dump(2) << "\n";
  return 0;
}

} // namespace

Command addBenchCommand(CLI::App &parent) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App *cmd = parent.add_subcommand(
      "bench",
      "Serve random prompts (all arriving at the start, --concurrency in flight, greedy unless --temperature, exactly "
      "--output-len tokens each) and report throughput, TTFT and TPOT (median, p99), the KV pool sizes, "
      "and the typical decode step against its memory roofline");
  cmd->add_option("plan", args->plan, "Plan file (.g4plan)")->required();
  cmd->add_option("--num-prompts", args->config.numPrompts, "Requests")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--input-len", args->config.inputLen, "Prompt tokens per request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--output-len", args->config.outputLen, "Generated tokens per request")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--concurrency", args->config.concurrency, "Requests in flight at most")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seed", args->config.seed, "Seed of the random prompts and draws")->capture_default_str();
  cmd->add_option("--temperature", args->config.sampling.temperature, "Sampling temperature; 0 = greedy")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--top-k", args->config.sampling.topK, "Keep the k most likely tokens; 0 = all")
      ->capture_default_str();
  cmd->add_option("--top-p", args->config.sampling.topP, "Nucleus sampling mass")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  cmd->add_option("--min-p", args->config.sampling.minP, "Keep tokens at least min_p times the most likely")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  cmd->add_option("--json", args->json, "Also write the results to this JSON file");
  addModelOptions(cmd, args->weights, args->device);
  addCudaOptions(cmd, args->cuda);
  return {cmd, [args] { return run(*args); }};
}

} // namespace g4::tools
