// The load a benchmark puts on an engine: random prompts, all arriving at
// the start, kept `concurrency` at a time in flight (a request joins with its
// whole prompt as one chunk, alongside the running requests' decode tokens),
// decoding of exactly outputLen tokens each, sampled on the backend
// (Engine::stepSampled; greedy by default, which is Engine::stepGreedy).
// When a KV pool cannot take a joining request, it waits for one to finish.
// An untimed warm-up first runs one prompt and a decode step at every batch
// size up to the concurrency, so that one-time work (cuBLASLt's algorithm
// choice, CUDA graph capture) stays out of the numbers.
#pragma once

#include "engine/Engine.h"
#include "sample/RowSampling.h"

#include <cstdint>
#include <vector>

namespace g4::rt::bench {

struct BenchConfig {
  uint32_t numPrompts = 1;
  uint32_t inputLen = 1;
  uint32_t outputLen = 1;
  uint32_t concurrency = 1;
  uint32_t maxStepTokens = 4096; // prompt and decode tokens of one step
  uint64_t seed = 0;
  RowSampling sampling; // every request's; the uniforms come from the seed's RNG
};

struct RequestTiming {
  double ttft = 0;    // seconds from the start to the first output token
  double tpot = 0;    // seconds per output token after the first
  double latency = 0; // seconds from the start to the last output token
};

// One step that only decoded: its batch and the positions each sequence attended over.
struct DecodeStep {
  double seconds = 0;
  std::vector<int32_t> contexts;
};

// One step that only prefilled: the prompts' lengths.
struct PrefillStep {
  double seconds = 0;
  std::vector<int32_t> prompts;
};

struct BenchResult {
  double seconds = 0;
  uint64_t inputTokens = 0, outputTokens = 0;
  uint32_t steps = 0;
  std::vector<RequestTiming> requests;
  std::vector<DecodeStep> decodeSteps;
  std::vector<PrefillStep> prefillSteps;
};

// Throws g4::Error for a configuration the loop cannot serve (a prompt above
// maxStepTokens, a KV cache too small for one request, sampling parameters
// out of range).
BenchResult runBench(Engine &engine, const BenchConfig &config);

// Nearest-rank percentile (p in [0, 100]) of `values`; 0 when empty.
double percentile(std::vector<double> values, double p);

} // namespace g4::rt::bench
