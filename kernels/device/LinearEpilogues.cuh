// Epilogues of the Linear kernels (gemv, splitMma), as variant functors:
// Plain (Linear), Softcap (LmHead with a soft-cap), GeluTanhGate (GatedLinear:
// gelu_tanh(gate) * up, two matrices), GeluTanhSlice (SliceGatedLinear, gemv
// only: gelu_tanh(gate) * the output's element of the side input, kSide).
#pragma once

#include "Common.cuh"

namespace g4k {

struct PlainEpilogue {
  static constexpr int kMatrices = 1;
  static constexpr bool kSide = false;
  __device__ float operator()(float a, float, float) const { return a; }
};
struct SoftcapEpilogue {
  static constexpr int kMatrices = 1;
  static constexpr bool kSide = false;
  __device__ float operator()(float a, float, float cap) const { return tanhf(a / cap) * cap; }
};
struct GeluTanhGateEpilogue {
  static constexpr int kMatrices = 2;
  static constexpr bool kSide = false;
  __device__ float operator()(float gate, float up, float) const { return geluTanh(gate) * up; }
};
struct GeluTanhSliceEpilogue {
  static constexpr int kMatrices = 1;
  static constexpr bool kSide = true;
  __device__ float operator()(float gate, float side, float) const { return geluTanh(gate) * side; }
};

} // namespace g4k
