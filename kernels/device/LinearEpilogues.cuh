// Epilogues of the Linear kernels (gemv, splitMma), as variant functors:
// Plain (Linear), Softcap (LmHead with a soft-cap), GeluTanhGate (GatedLinear:
// gelu_tanh(gate) * up, two matrices).
#pragma once

#include "Common.cuh"

namespace g4k {

struct PlainEpilogue {
  static constexpr int kMatrices = 1;
  __device__ float operator()(float a, float, float) const { return a; }
};
struct SoftcapEpilogue {
  static constexpr int kMatrices = 1;
  __device__ float operator()(float a, float, float cap) const { return tanhf(a / cap) * cap; }
};
struct GeluTanhGateEpilogue {
  static constexpr int kMatrices = 2;
  __device__ float operator()(float gate, float up, float) const { return geluTanh(gate) * up; }
};

} // namespace g4k
