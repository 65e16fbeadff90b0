// DFTs of 2, 4, 8 or 16 complex values held in registers (radix-2 decimation in frequency),
// for the fp32 Stockham passes of the on-chip kernel and the Monarch outer steps.
#pragma once

#include "complex.cuh"

namespace fb {

// exp(-2 pi i k / 16) for k < 8: the roots the in-register DFTs need.
constexpr float kC1 = 0.923879532511287f, kS1 = 0.382683432365090f, kC2 = 0.707106781186548f;
static __constant__ float2 kRoots16[8] = {{1.0f, 0.0f}, {kC1, -kS1}, {kC2, -kC2}, {kS1, -kC1},
                                          {0.0f, -1.0f}, {-kS1, -kC1}, {-kC2, -kC2}, {-kC1, -kS1}};

__device__ __forceinline__ float2 root16(int k, bool inverse) {
    const float2 w = kRoots16[k];
    return make_float2(w.x, inverse ? -w.y : w.y);
}

__host__ __device__ constexpr int reverse_bits(int i, int bits) {
    int r = 0;
    for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
    return r;
}

template <int R>
__host__ __device__ constexpr int log2_radix() { return R == 2 ? 1 : R == 4 ? 2 : R == 8 ? 3 : 4; }

// One decimation-in-frequency stage on the R values of v: butterflies (e, e + LEN/2) within
// blocks of LEN, the difference twiddled by exp(-+2 pi i k / LEN).
template <int LEN, int R>
__device__ __forceinline__ void dif_stage(float2 (&v)[R], bool inverse) {
#pragma unroll
    for (int b = 0; b < R / 2; ++b) {
        const int k = b % (LEN / 2);
        const int e = (b / (LEN / 2)) * LEN + k;
        const float2 a = v[e];
        const float2 c = v[e + LEN / 2];
        v[e] = cadd(a, c);
        v[e + LEN / 2] = cmul(csub(a, c), root16(k * (16 / LEN), inverse));
    }
}

// The in-register DFT of the R values of v (R = 2, 4, 8 or 16) as LEN-point DFTs on its blocks
// (LEN = R at the top), by decimation in frequency: natural order in, bit-reversed out (v[p]
// holds X[reverse(p)]). Registers are only ever indexed by constants; the reordering happens in
// the addresses of the write.
template <int LEN, int R>
__device__ __forceinline__ void dft(float2 (&v)[R], bool inverse) {
    dif_stage<LEN>(v, inverse);
    if constexpr (LEN > 2) dft<LEN / 2>(v, inverse);
}

}  // namespace fb
