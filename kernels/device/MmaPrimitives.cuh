// Warp-level tensor-core building blocks (sm_80+): cp.async copies into
// shared memory, ldmatrix fragment loads (16-bit elements of either type) and
// the bf16 and f16 m16n8k16 mmas with fp32 accumulation. Fragment layouts
// are PTX's (mma.m16n8k16, "row.col"): lane l holds rows l/4 and l/4 + 8,
// columns 2 * (l % 4) and the next one.
#pragma once

#include "Common.cuh"

namespace g4k {

__device__ __forceinline__ unsigned sharedAddress(const void *p) {
  unsigned address;
  asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(address) : "l"(p));
  return address;
}

// 16 bytes global -> shared, bypassing L1; zeros instead when !live (src is then not read).
__device__ __forceinline__ void cpAsync16(void *dst, const void *src, bool live) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(sharedAddress(dst)), "l"(src), "r"(live ? 16 : 0));
}
__device__ __forceinline__ void cpAsyncCommit() { asm volatile("cp.async.commit_group;" ::: "memory"); }
__device__ __forceinline__ void cpAsyncWaitAll() { asm volatile("cp.async.wait_group 0;" ::: "memory"); }
// Until at most `kPending` of this thread's latest commit groups are in flight.
template <int kPending> __device__ __forceinline__ void cpAsyncWait() {
  asm volatile("cp.async.wait_group %0;" ::"n"(kPending) : "memory");
}

// Two 8x8 bf16 matrices; lanes 0-15 give the row addresses (16 bytes each).
__device__ __forceinline__ void ldmatrixX2(unsigned (&r)[2], const void *rowAddress) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(sharedAddress(rowAddress))
               : "memory");
}
// Four 8x8 bf16 matrices; lanes 8i..8i+7 give matrix i's row addresses.
__device__ __forceinline__ void ldmatrixX4(unsigned (&r)[4], const void *rowAddress) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(sharedAddress(rowAddress))
               : "memory");
}
__device__ __forceinline__ void ldmatrixX4Trans(unsigned (&r)[4], const void *rowAddress) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(sharedAddress(rowAddress))
               : "memory");
}

// d += a (16x16, row-major fragment) * b (16x8, column fragment).
__device__ __forceinline__ void mmaBf16(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// The same with f16 operands: 3 more mantissa bits than bf16, a narrower range.
__device__ __forceinline__ void mmaF16(float (&d)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
  asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
      "{%0, %1, %2, %3};"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats rounded to an f16 pair, `low` in the low half.
__device__ __forceinline__ unsigned packF16(float low, float high) {
  unsigned r;
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(high), "f"(low));
  return r;
}

// A bf16 pair as an f16 pair: exact for magnitudes in [2^-14, 65504].
__device__ __forceinline__ unsigned bf16PairToF16(unsigned pair) {
  return packF16(__uint_as_float(pair << 16), __uint_as_float(pair & 0xffff0000u));
}

// Two floats rounded to a bf16 pair, `low` in the low half (the lower column).
__device__ __forceinline__ unsigned packBf16(float low, float high) {
  unsigned r;
  asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(high), "f"(low));
  return r;
}

// Four floats split as splitToBf16 does: hi = bf16(x), lo = bf16(x - hi), as bf16 pairs.
__device__ __forceinline__ void splitBf16(float a, float b, float c, float d, uint2 &hi, uint2 &lo) {
  hi = uint2{packBf16(a, b), packBf16(c, d)};
  lo = uint2{packBf16(a - lowBf16(hi.x), b - highBf16(hi.x)), packBf16(c - lowBf16(hi.y), d - highBf16(hi.y))};
}

} // namespace g4k
