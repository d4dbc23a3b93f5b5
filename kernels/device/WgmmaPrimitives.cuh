// Hopper-only (sm_90a) building blocks: warpgroup tensor-core products
// (wgmma) on operands in shared memory, and thread-block-cluster access to
// another block's shared memory. Instantiated only by kernels the plan chooses
// for sm_90a (TileChoices: GpuArch::wgmma), so other targets never assemble them.
#pragma once

#include "MmaPrimitives.cuh"

namespace g4k {

// A K-major bf16 tile of rows of 64 elements (128 bytes) in the 128-byte
// swizzle: 16-byte chunk j of row r lives at chunk j ^ (r % 8) of the row; the
// tile starts 1024-byte aligned (8 rows, the swizzle's period).
__device__ __forceinline__ unsigned swizzled128(int row, int chunk) { return row * 128 + ((chunk ^ (row & 7)) << 4); }

// The wgmma descriptor of such a tile starting at shared address `address`:
// 8-row groups 1024 bytes apart (stride), the leading offset unused by the
// swizzled K-major layout, swizzle mode 1 (128 bytes). A k16 step inside the
// 128-byte rows moves the start by 32 bytes.
__device__ __forceinline__ unsigned long long wgmmaDescriptor(unsigned address) {
  return (unsigned long long)((address & 0x3ffff) >> 4) | (1ull << 16) | ((unsigned long long)(1024 >> 4) << 32) |
         (1ull << 62);
}

__device__ __forceinline__ void wgmmaFence() { asm volatile("wgmma.fence.sync.aligned;" ::: "memory"); }
__device__ __forceinline__ void wgmmaCommit() { asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory"); }
__device__ __forceinline__ void wgmmaWaitAll() { asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory"); }

// Ordinary (and cp.async) shared-memory writes made visible to the tensor cores' reads.
__device__ __forceinline__ void fenceAsyncShared() { asm volatile("fence.proxy.async.shared::cta;" ::: "memory"); }

// d[64 x 128] += a[64 x 16] * b[16 x 128], both K-major in shared memory (descriptors),
// fp32 accumulators in the m64nNk16 layout: d[4j + e] is row 16 * warp + lane / 4
// (+ 8 for e >= 2), column 8j + 2 * (lane % 4) (+ 1 for odd e).
__device__ __forceinline__ void wgmmaBf16M64N128(float (&d)[64], unsigned long long a, unsigned long long b) {
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
               "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, "
               "%11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, "
               "%31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, "
               "%51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, %64, %65, p, 1, 1, 0, 0;\n}"
               : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),
                 "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]),
                 "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]),
                 "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
                 "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]),
                 "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]),
                 "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
                 "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
               : "l"(a), "l"(b)
               : "memory");
}

// Thread-block clusters: this block's rank, the cluster-wide barrier (with
// release / acquire of shared memory), and a float of a peer block's shared memory.
__device__ __forceinline__ unsigned clusterRank() {
  unsigned rank;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
  return rank;
}
__device__ __forceinline__ void clusterSync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;" ::: "memory");
}
__device__ __forceinline__ float loadPeerShared(const float *p, unsigned rank) {
  unsigned remote;
  float v;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(sharedAddress(p)), "r"(rank));
  asm volatile("ld.shared::cluster.f32 %0, [%1];" : "=f"(v) : "r"(remote) : "memory");
  return v;
}

} // namespace g4k
