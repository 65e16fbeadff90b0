// What the direct (Toeplitz) kernels share: rows of a sequence staged in shared memory 16 bytes at a
// time, and ldmatrix's loads of mma.m16n8k16 fragments from them (layouts: dft16_mma.cuh).
#pragma once

#include <cstdint>

#include "elements.cuh"

namespace fb {

template <typename T> using Group8 = Elements<T, 8>;

// Copies 16 bytes from global to shared memory without holding them in registers (zeros where
// !valid; src is then not read). Completes at cp.async.wait_all.
__device__ __forceinline__ void copy_16_async(void *dst, const void *src, bool valid) {
    const uint32_t address = static_cast<uint32_t>(__cvta_generic_to_shared(dst));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(address), "l"(src), "r"(valid ? 16 : 0)
                 : "memory");
}

// Ends the batch of copies issued so far; wait_async_copies waits for every batch of this thread's.
__device__ __forceinline__ void commit_async_copies() { asm volatile("cp.async.commit_group;\n"); }
__device__ __forceinline__ void wait_async_copies() { asm volatile("cp.async.wait_all;\n" ::: "memory"); }

// The 8 elements from offset at, at sample n of a row (n < length), one at a time and none past
// the row: for lengths that are not a multiple of 8, whose rows are not 16-byte aligned.
template <typename T>
__device__ __forceinline__ Group8<T> load_group(const T *x, int64_t at, int n, int length) {
    Group8<T> group{};
#pragma unroll
    for (int e = 0; e < 8; e++) {
        if (n + e < length) group.v[e] = x[at + e];
    }
    return group;
}

// Four 8 x 8 matrices of 16-bit elements from shared memory, lane l giving the address of row l % 8
// of matrix l / 8: lane (g, t) gets elements 2t, 2t + 1 of row g of each (transposed: of column g).
template <bool kTransposed>
__device__ __forceinline__ void load_matrices(uint32_t (&m)[4], uint32_t address) {
    if constexpr (kTransposed) {
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                     : "=r"(m[0]), "=r"(m[1]), "=r"(m[2]), "=r"(m[3])
                     : "r"(address));
    } else {
        asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                     : "=r"(m[0]), "=r"(m[1]), "=r"(m[2]), "=r"(m[3])
                     : "r"(address));
    }
}

}  // namespace fb
