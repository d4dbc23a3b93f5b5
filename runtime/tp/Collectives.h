// What one rank of a tensor-parallel plan (gemma4c --tp) needs from the
// others: the AllReduce and AllGather instructions. Each rank owns one
// Collectives; every rank calls the same collectives in the same order.
#pragma once

#include <cstddef>
#include <cstdint>

namespace g4::rt {

class Collectives {
public:
  virtual ~Collectives() = default;

  virtual uint32_t rank() const = 0;
  virtual uint32_t ranks() const = 0;

  // data[i] = sum over ranks of their data[i], summed in rank order, so every
  // rank holds the same values.
  virtual void allReduceSum(float *data, size_t n) = 0;

  // out [rows, width * ranks]: row t is the ranks' in[t] ([rows, width]) side by side, in rank order.
  virtual void allGather(const float *in, float *out, size_t rows, size_t width) = 0;
};

} // namespace g4::rt
