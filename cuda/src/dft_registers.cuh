// DFTs of 2, 4, 8, 16 or 32 complex values held in registers (radix-2 decimation in frequency),
// for the fp32 Stockham passes of the on-chip kernel and the Monarch outer steps.
#pragma once

#include "complex.cuh"

namespace fb {

// cos(2 pi k / 32) for 0 <= k <= 8, as a compile-time constant where k is one (unrolled loops):
// roots the compiler sees can fold into the arithmetic, and trivial ones vanish.
constexpr float kC1 = 0.980785280403230f, kS1 = 0.195090322016128f;  // cos, sin(2 pi / 32)
constexpr float kC2 = 0.923879532511287f, kS2 = 0.382683432365090f;
constexpr float kC3 = 0.831469612302545f, kS3 = 0.555570233019602f;
constexpr float kC4 = 0.707106781186548f;
__host__ __device__ constexpr float cos32(int k) {
    switch (k) {
        case 0: return 1.0f;
        case 1: return kC1;
        case 2: return kC2;
        case 3: return kC3;
        case 4: return kC4;
        case 5: return kS3;
        case 6: return kS2;
        case 7: return kS1;
        default: return 0.0f;  // k = 8
    }
}

// exp(-+2 pi i k / 32) for 0 <= k < 16 (kInverse: the + sign).
template <bool kInverse> __device__ __forceinline__ float2 root32(int k) {
    const float c = k <= 8 ? cos32(k) : -cos32(16 - k);
    const float s = k <= 8 ? cos32(8 - k) : cos32(k - 8);  // sin(2 pi k / 32)
    return make_float2(c, kInverse ? s : -s);
}

__host__ __device__ constexpr int reverse_bits(int i, int bits) {
    int r = 0;
    for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
    return r;
}

template <int R>
__host__ __device__ constexpr int log2_radix() { return R == 2 ? 1 : R == 4 ? 2 : R == 8 ? 3 : R == 16 ? 4 : 5; }

// One decimation-in-frequency stage on the R values of v: butterflies (e, e + LEN/2) within
// blocks of LEN, the difference twiddled by exp(-+2 pi i k / LEN): by 1 and -+i without a multiply.
template <bool kInverse, int LEN, int R>
__device__ __forceinline__ void dif_stage(float2 (&v)[R]) {
#pragma unroll
    for (int b = 0; b < R / 2; ++b) {
        const int k = b % (LEN / 2);
        const int e = (b / (LEN / 2)) * LEN + k;
        const float2 a = v[e];
        const float2 c = v[e + LEN / 2];
        const float2 d = csub(a, c);
        v[e] = cadd(a, c);
        if (k == 0) {
            v[e + LEN / 2] = d;
        } else if (4 * k == LEN) {
            v[e + LEN / 2] = kInverse ? make_float2(-d.y, d.x) : make_float2(d.y, -d.x);
        } else {
            v[e + LEN / 2] = cmul(d, root32<kInverse>(k * (32 / LEN)));
        }
    }
}

// The in-register DFT of the R values of v (R = 2, 4, 8, 16 or 32) as LEN-point DFTs on its blocks
// (LEN = R at the top), by decimation in frequency: natural order in, bit-reversed out (v[p]
// holds X[reverse(p)]); kInverse: with conjugate roots. Registers are only ever indexed by
// constants; the reordering happens in the addresses of the write.
template <bool kInverse, int LEN, int R>
__device__ __forceinline__ void dft(float2 (&v)[R]) {
    dif_stage<kInverse, LEN>(v);
    if constexpr (LEN > 2) dft<kInverse, LEN / 2>(v);
}

}  // namespace fb
