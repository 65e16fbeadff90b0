// DFTs of 2, 4, 8, 16 or 32 complex values held in registers (radix-2 decimation in frequency),
// for the fp32 Stockham passes of the on-chip kernel and the Monarch outer steps.
#pragma once

#include "complex.cuh"

namespace fb {

// exp(-2 pi i k / 32) for k < 16: the roots the in-register DFTs need.
constexpr float kC1 = 0.980785280403230f, kS1 = 0.195090322016128f;  // cos, sin(2 pi / 32)
constexpr float kC2 = 0.923879532511287f, kS2 = 0.382683432365090f;
constexpr float kC3 = 0.831469612302545f, kS3 = 0.555570233019602f;
constexpr float kC4 = 0.707106781186548f;
static __constant__ float2 kRoots32[16] = {
    {1.0f, 0.0f}, {kC1, -kS1}, {kC2, -kS2}, {kC3, -kS3}, {kC4, -kC4}, {kS3, -kC3}, {kS2, -kC2}, {kS1, -kC1},
    {0.0f, -1.0f}, {-kS1, -kC1}, {-kS2, -kC2}, {-kS3, -kC3}, {-kC4, -kC4}, {-kC3, -kS3}, {-kC2, -kS2}, {-kC1, -kS1}};

__device__ __forceinline__ float2 root32(int k, bool inverse) {
    const float2 w = kRoots32[k];
    return make_float2(w.x, inverse ? -w.y : w.y);
}

__host__ __device__ constexpr int reverse_bits(int i, int bits) {
    int r = 0;
    for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
    return r;
}

template <int R>
__host__ __device__ constexpr int log2_radix() { return R == 2 ? 1 : R == 4 ? 2 : R == 8 ? 3 : R == 16 ? 4 : 5; }

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
        v[e + LEN / 2] = cmul(csub(a, c), root32(k * (32 / LEN), inverse));
    }
}

// The in-register DFT of the R values of v (R = 2, 4, 8, 16 or 32) as LEN-point DFTs on its blocks
// (LEN = R at the top), by decimation in frequency: natural order in, bit-reversed out (v[p]
// holds X[reverse(p)]). Registers are only ever indexed by constants; the reordering happens in
// the addresses of the write.
template <int LEN, int R>
__device__ __forceinline__ void dft(float2 (&v)[R], bool inverse) {
    dif_stage<LEN>(v, inverse);
    if constexpr (LEN > 2) dft<LEN / 2>(v, inverse);
}

}  // namespace fb
