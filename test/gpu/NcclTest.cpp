// NCCL collectives of the CUDA backend (NcclCollectives, and the plan's
// AllReduce and AllGather instructions through runInstruction). With one rank
// over device 0 both copy their input (all-reduce of one rank, gather of one
// part), eagerly and replayed from a CUDA graph; with every visible GPU, when
// there are two or more, the ranks' sums and side-by-side rows.
#include "OpHarness.h"

#include "cuda/CudaCheck.h"
#include "cuda/CudaGraphs.h"
#include "cuda/NcclCollectives.h"

#include <gtest/gtest.h>

#include <barrier>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <thread>

namespace g4::gpu_test {
namespace {

using rt::cuda::DeviceBuffer;
using rt::cuda::NcclCollectives;

CUdeviceptr upload(DeviceBuffer &buffer, const std::vector<float> &values) {
  G4_CUDA_CALL(rt::cuda::driver(), cuMemcpyHtoD, buffer.get(), values.data(), values.size() * sizeof(float));
  return buffer.get();
}

std::vector<float> download(const DeviceBuffer &buffer, size_t n) {
  std::vector<float> values(n);
  G4_CUDA_CALL(rt::cuda::driver(), cuMemcpyDtoH, values.data(), buffer.get(), n * sizeof(float));
  return values;
}

// A buffer of n floats filled with NaN, so unwritten outputs show.
DeviceBuffer poisoned(size_t n) {
  DeviceBuffer buffer(n * sizeof(float), "test output");
  upload(buffer, std::vector<float>(n, std::nanf("")));
  return buffer;
}

std::vector<std::unique_ptr<NcclCollectives>> oneRank() {
  int version = 0;
  G4_CUDA_CALL(rt::cuda::nccl(), ncclGetVersion, &version);
  std::cout << "NCCL " << version << "\n";
  return NcclCollectives::createGroup({0});
}

TEST(NcclOneRank, AllReduceLeavesDataUnchanged) {
  const rt::cuda::Device device(0);
  const auto group = oneRank();
  ASSERT_EQ(group.size(), 1u);
  EXPECT_EQ(group[0]->rank(), 0u);
  EXPECT_EQ(group[0]->ranks(), 1u);
  std::mt19937 rng(7);
  const size_t n = 1037;
  const std::vector<float> x = randomValues(n, rng);
  DeviceBuffer data(n * sizeof(float), "test input"), out = poisoned(n);
  group[0]->allReduceSum(upload(data, x), out.get(), n, device.stream());
  group[0]->allReduceSum(data.get(), data.get(), n, device.stream()); // in place
  device.synchronize();
  EXPECT_EQ(download(out, n), x);
  EXPECT_EQ(download(data, n), x);
}

TEST(NcclOneRank, AllGatherCopiesRows) {
  const rt::cuda::Device device(0);
  const auto group = oneRank();
  std::mt19937 rng(11);
  const size_t rows = 37, width = 19;
  EXPECT_EQ(group[0]->stagingFloats(rows, width), 0u); // one rank's parts are already side by side
  const std::vector<float> x = randomValues(rows * width, rng);
  DeviceBuffer in(x.size() * sizeof(float), "test input"), out = poisoned(x.size());
  group[0]->allGather(upload(in, x), out.get(), rows, width, 0, device.stream());
  device.synchronize();
  EXPECT_EQ(download(out, x.size()), x);
}

// An instruction of `op` from buffer 0 to buffer 1, bound to in and out.
struct CollectiveInstruction {
  CollectiveInstruction(plan::Op op, CUdeviceptr in, CUdeviceptr out, uint32_t width) {
    const std::vector<uint32_t> ins = {0}, outs = {1};
    const flatbuffers::Offset<void> table =
        op == plan::Op::AllReduce ? plan::CreateAllReduce(fbb).Union() : plan::CreateAllGather(fbb).Union();
    fbb.Finish(plan::CreateInstructionDirect(fbb, op, table, &ins, &outs));
    bound.inst = flatbuffers::GetRoot<plan::Instruction>(fbb.GetBufferPointer());
    bound.in = {in};
    bound.out = {out};
    bound.inWidth = {width};
    bound.outWidth = {width}; // times the rank count, one
  }
  flatbuffers::FlatBufferBuilder fbb;
  rt::cuda::BoundInstruction bound;
};

// AllReduce x -> y, then AllGather y -> z, as the backend runs them: eagerly,
// then captured into a CUDA graph (the decode path) and replayed on new data.
TEST(NcclOneRank, InstructionsReplayFromGraph) {
  const rt::cuda::Device device(0);
  const auto group = oneRank();
  const uint32_t rows = 13, width = 29;
  const size_t n = size_t(rows) * width;
  DeviceBuffer x(n * sizeof(float), "test input"), y = poisoned(n), z = poisoned(n);
  const CollectiveInstruction reduce(plan::Op::AllReduce, x.get(), y.get(), width),
      gather(plan::Op::AllGather, y.get(), z.get(), width);
  rt::cuda::OpEnv env;
  env.stream = device.stream();
  env.collectives = group[0].get();
  const auto record = [&] {
    rt::cuda::runInstruction(env, reduce.bound, rows);
    rt::cuda::runInstruction(env, gather.bound, rows);
  };
  std::mt19937 rng(13);
  const std::vector<float> eager = randomValues(n, rng);
  upload(x, eager);
  record();
  device.synchronize();
  EXPECT_EQ(download(z, n), eager);

  rt::cuda::GraphCache graphs;
  for (int replay = 0; replay < 3; ++replay) {
    const std::vector<float> values = randomValues(n, rng);
    upload(x, values);
    upload(y, std::vector<float>(n, std::nanf("")));
    upload(z, std::vector<float>(n, std::nanf("")));
    env.hostSync = false;
    graphs.launch(rows, device.stream(), record);
    device.synchronize();
    EXPECT_EQ(download(y, n), values) << "graph launch " << replay;
    EXPECT_EQ(download(z, n), values) << "graph launch " << replay;
  }
  EXPECT_EQ(graphs.size(), 1u);
}

// Every visible GPU a rank with NCCL's communicators over them, each rank run
// on its own thread with its GPU's context current (the runtime's design).
struct EveryGpu {
  std::vector<std::unique_ptr<rt::cuda::Device>> devices;
  std::vector<std::unique_ptr<NcclCollectives>> group;

  EveryGpu() {
    std::vector<int> ordinals;
    for (int r = 0; r < rt::cuda::Device::count(); ++r) {
      devices.push_back(std::make_unique<rt::cuda::Device>(r));
      ordinals.push_back(r);
    }
    group = NcclCollectives::createGroup(ordinals);
  }
  uint32_t ranks() const { return uint32_t(devices.size()); }

  // rank(r, device r) on a thread per rank; each rank's error, "" where none.
  std::vector<std::string> run(const std::function<void(uint32_t, const rt::cuda::Device &)> &rank) const {
    std::vector<std::string> errors(ranks());
    std::vector<std::thread> threads;
    for (uint32_t r = 0; r < ranks(); ++r)
      threads.emplace_back([&, r] {
        try {
          devices[r]->makeCurrent();
          rank(r, *devices[r]);
        } catch (const std::exception &e) {
          errors[r] = e.what();
        }
      });
    for (std::thread &thread : threads)
      thread.join();
    return errors;
  }
};

#define SKIP_BELOW_TWO_GPUS()                                                                                          \
  if (rt::cuda::Device::count() < 2)                                                                                   \
  GTEST_SKIP() << "collectives across ranks need 2 or more GPUs; this machine has " << rt::cuda::Device::count()

// Every visible GPU a rank, each on its own thread (the runtime's design):
// rank r's x_r [rows, width]; every rank gets sum_r x_r, the same bits on each,
// and the gather [rows, width * ranks] with x_r in columns [r * width, (r + 1) * width).
TEST(NcclAllGpus, SumAndGatherAcrossRanks) {
  SKIP_BELOW_TWO_GPUS();
  const EveryGpu gpus;
  const uint32_t ranks = gpus.ranks(), rows = 5, width = 7;
  const size_t n = size_t(rows) * width;
  std::vector<std::vector<float>> x;
  for (uint32_t r = 0; r < ranks; ++r) {
    std::mt19937 rng(100 + r);
    x.push_back(randomValues(n, rng));
  }
  ASSERT_EQ(gpus.group.size(), size_t(ranks));
  ASSERT_EQ(gpus.group[1]->stagingFloats(rows, width), size_t(ranks) * n);

  std::vector<std::vector<float>> sums(ranks), gathers(ranks);
  const std::vector<std::string> errors = gpus.run([&](uint32_t r, const rt::cuda::Device &device) {
    const NcclCollectives &rank = *gpus.group[r];
    DeviceBuffer in(n * sizeof(float), "test input"),
        sum = poisoned(n), gathered = poisoned(ranks * n),
        staging(rank.stagingFloats(rows, width) * sizeof(float), "gather staging");
    rank.allReduceSum(upload(in, x[r]), sum.get(), n, device.stream());
    rank.allGather(in.get(), gathered.get(), rows, width, staging.get(), device.stream());
    device.synchronize();
    sums[r] = download(sum, n);
    gathers[r] = download(gathered, ranks * n);
  });
  for (uint32_t r = 0; r < ranks; ++r)
    ASSERT_EQ(errors[r], "") << "rank " << r;

  for (size_t i = 0; i < n; ++i) {
    float expected = 0;
    for (uint32_t r = 0; r < ranks; ++r)
      expected += x[r][i];
    EXPECT_NEAR(sums[0][i], expected, 1e-6f * float(ranks)) << "element " << i; // NCCL's order, not rank order
  }
  for (uint32_t r = 0; r < ranks; ++r) {
    EXPECT_EQ(sums[r], sums[0]) << "rank " << r;
    for (size_t t = 0; t < rows; ++t)
      for (uint32_t part = 0; part < ranks; ++part)
        for (size_t c = 0; c < width; ++c)
          ASSERT_EQ(gathers[r][(t * ranks + part) * width + c], x[part][t * width + c])
              << "rank " << r << " row " << t << " part " << part << " column " << c;
  }
}

// NCCL's all-reduce on this machine, as nccl-tests' all_reduce_perf reports
// it (in place, fp32 sums, every visible GPU a rank on its own thread):
// microseconds per call (mean of 50 after 5 untimed), algorithm bandwidth
// bytes / time and bus bandwidth algbw x 2 (ranks - 1) / ranks. The sizes
// include a 31B-it decode step's (5376 floats a row: 1, 32 and 64 rows).
// The tensor-parallel step's AllReduce time (gemma4rt bench --profile) is
// compared with these. Run with --gtest_also_run_disabled_tests.
TEST(NcclPerf, DISABLED_AllReduceBandwidth) {
  SKIP_BELOW_TWO_GPUS();
  const EveryGpu gpus;
  const uint32_t ranks = gpus.ranks();
  const std::vector<size_t> sizes = {5376,     32 * 5376, 64 * 5376, 1u << 18,
                                     1u << 20, 1u << 22,  1u << 24,  1u << 26}; // floats
  constexpr int kWarmup = 5, kCalls = 50;
  std::vector<double> seconds(sizes.size());
  std::barrier start{std::ptrdiff_t(ranks)};
  const std::vector<std::string> errors = gpus.run([&](uint32_t r, const rt::cuda::Device &device) {
    DeviceBuffer data(sizes.back() * sizeof(float), "all-reduce data");
    G4_CUDA_CALL(rt::cuda::driver(), cuMemsetD32Async, data.get(), 0u, sizes.back(), device.stream());
    for (size_t s = 0; s < sizes.size(); ++s) {
      for (int i = 0; i < kWarmup; ++i)
        gpus.group[r]->allReduceSum(data.get(), data.get(), sizes[s], device.stream());
      device.synchronize();
      start.arrive_and_wait();
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < kCalls; ++i)
        gpus.group[r]->allReduceSum(data.get(), data.get(), sizes[s], device.stream());
      device.synchronize();
      if (r == 0)
        seconds[s] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / kCalls;
      start.arrive_and_wait();
    }
  });
  for (uint32_t r = 0; r < ranks; ++r)
    ASSERT_EQ(errors[r], "") << "rank " << r;
  std::printf("NCCL all-reduce, %u ranks, fp32 sum in place\n%12s %10s %12s %12s\n", ranks, "bytes", "us", "algbw GB/s",
              "busbw GB/s");
  for (size_t s = 0; s < sizes.size(); ++s) {
    const double bytes = double(sizes[s]) * sizeof(float), algbw = bytes / seconds[s] / 1e9;
    std::printf("%12.0f %10.1f %12.1f %12.1f\n", bytes, seconds[s] * 1e6, algbw, algbw * 2.0 * (ranks - 1) / ranks);
  }
}

} // namespace
} // namespace g4::gpu_test
