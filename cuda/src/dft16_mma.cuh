// Radix-16 Stockham passes (and 16-point levels fused with the next radix-8/16, or with a last
// radix-2 step) of a complex FFT in shared memory as tensor-core matrix products
// (the Monarch form of the FFT: a 16-point DFT applied to 16 x (n/16) values is F16 times a
// 16 x (n/16) matrix). Values sit in shared memory (fp32 or bf16); each pass rounds its operands (the
// twiddled inputs and the DFT matrix) to bf16 and accumulates in fp32 (mma.m16n8k16, sm_80+).
// Enough for bf16/fp16 sequences; fp32 ones take the exact fp32 passes instead.
//
// Pass with span ns over n values (count = n / 16 columns): column j, k = j mod ns, reads
// v_r = x[j + r * count] * W^(r k) with W = exp(-+2 pi i / (16 ns)) for r < 16, and writes
// X_p = sum_r F16[p][r] v_r to x[(j - k) * 16 + k + p * ns]: the order stays sorted.
//
// Values are addressed through slot(i), which must be additive over indices with no bit in
// common: slot(a + b) = slot(a) + slot(b) where a & b = 0 (the on-chip kernels' padded indices are).
// Every index above is a column's part plus a part with the other bits (j < count and r * count;
// k < ns and p * ns), so each value's address is a per-column base plus an offset that is a
// constant (or per lane) where the sizes are: no index arithmetic per value.
#pragma once

#include <cstdint>
#include <type_traits>

#include <cuda_bf16.h>

#include "complex.cuh"
#include "mma.cuh"

namespace fb {

// Fragment layouts of mma.m16n8k16 (PTX ISA), with g = lane / 4 and t = lane % 4:
//   A (16 x 16, row-major): reg 0 = rows g, cols 2t, 2t+1; reg 1 = row g+8; reg 2 = row g,
//     cols 2t+8, 2t+9; reg 3 = row g+8, cols 2t+8, 2t+9 (two bf16 per register, low half first)
//   B (16 x 8): reg 0 = rows 2t, 2t+1 of column g; reg 1 = rows 2t+8, 2t+9
//   C (16 x 8, fp32): c0, c1 = row g, cols 2t, 2t+1; c2, c3 = row g+8, same columns
struct Dft16Fragments {
    uint32_t re[4], im[4], neg_im[4];  // F16 (forward or inverse) as the A operand
};

// The A fragments of one 16 x 16 matrix for the 32 lanes of a warp, stored by register group
// (every lane's re, then im, then neg_im): a warp's load of one group is 512 contiguous bytes,
// where lane-major structs would spread it over three times as many cache lines.
struct Dft16Lanes {
    uint4 re[32], im[32], neg_im[32];
};

__device__ __forceinline__ Dft16Fragments lane_fragments(const Dft16Lanes *m, int lane) {
    const uint4 re = m->re[lane], im = m->im[lane], neg_im = m->neg_im[lane];
    return {{re.x, re.y, re.z, re.w}, {im.x, im.y, im.z, im.w}, {neg_im.x, neg_im.y, neg_im.z, neg_im.w}};
}

__host__ __device__ constexpr void set_lane_fragments(Dft16Lanes *m, int lane, const Dft16Fragments &f) {
    m->re[lane] = {f.re[0], f.re[1], f.re[2], f.re[3]};
    m->im[lane] = {f.im[0], f.im[1], f.im[2], f.im[3]};
    m->neg_im[lane] = {f.neg_im[0], f.neg_im[1], f.neg_im[2], f.neg_im[3]};
}

// Where column j's outputs start in a pass of radix R at span ns over count columns: (j - k) R + k,
// k = j mod ns. In the last pass (count <= ns) every column is its own k, so j: a constant test in
// the kernels compiled for their size, one multiply and mask fewer per column there.
__device__ __forceinline__ int span_offset(int j, int count, int ns, int radix) {
    if (count <= ns) return j;
    const int k = j & (ns - 1);
    return (j - k) * radix + k;
}

// exp(i a) by the fast sine, for |a| <= 2 pi: every root here lies within one turn, where its
// absolute error is about 1e-6 (below what bf16 values keep), so no range reduction.
__device__ __forceinline__ float2 fast_expi(float a) {
    float s, c;
    __sincosf(a, &s, &c);
    return make_float2(c, s);
}

constexpr float kTwoPi = 6.283185307179586f;

// The angle of exp(-+2 pi i / period), period a power of two (a constant where period is one).
__device__ __forceinline__ float root_angle(int period, bool inverse) {
    return (inverse ? kTwoPi : -kTwoPi) * power_of_two_reciprocal(period);
}

// exp(-+2 pi i m / period), period a power of two, |m| <= period.
__device__ __forceinline__ float2 unit_root(int m, int period, bool inverse) {
    return fast_expi(static_cast<float>(m) * root_angle(period, inverse));
}

// v * exp(-+2 pi i m / period), period a power of two.
__device__ __forceinline__ float2 twiddle(float2 v, int m, int period, bool inverse) {
    return cmul(v, unit_root(m, period, inverse));
}

// v * exp(-+2 pi i (a + b) k / period), period a power of two, |(a + b) k| <= period, for a row
// index split into a lane's part a and a part b that is a constant where the loops unroll: the
// angle of k (and of a k) is shared by all values of a column, so each value takes one fused
// multiply-add for its angle instead of an integer product and a conversion.
__device__ __forceinline__ float2 twiddle_split(float2 v, int a, int b, int k, int period, bool inverse) {
    const float step = static_cast<float>(k) * root_angle(period, inverse);
    return cmul(v, fast_expi(fmaf(static_cast<float>(b), step, static_cast<float>(a) * step)));
}

// bf16 bits of x rounded to nearest (never a tie for the roots below: they are 0, +-1 or irrational).
constexpr uint32_t bf16_bits(double x) {
    if (x == 0) return 0;
    const uint32_t sign = x < 0 ? 0x8000u : 0u;
    double m = x < 0 ? -x : x;
    int e = 0;
    while (m >= 2) { m /= 2; ++e; }
    while (m < 1) { m *= 2; --e; }
    int q = static_cast<int>(m * 128 + 0.5);  // 8 significant bits
    if (q == 256) { q = 128; ++e; }
    return sign | static_cast<uint32_t>(e + 127) << 7 | static_cast<uint32_t>(q - 128);
}

// cos(pi m / 8), from the first quadrant's values.
constexpr double cos_pi_eighths(int m) {
    constexpr double kQuadrant[5] = {1.0, 0.92387953251128674, 0.70710678118654752, 0.38268343236508977, 0.0};
    m &= 15;
    return m <= 4 ? kQuadrant[m] : m <= 8 ? -kQuadrant[8 - m] : m <= 12 ? -kQuadrant[m - 8] : kQuadrant[16 - m];
}

// Two bf16 in one register, low half first: the real parts, the imaginary parts and their
// negations of W16^m0 and W16^m1, W16 = exp(-+2 pi i / 16), each rounded once from the exact value.
// 16-byte aligned: a lane loads its F_8 fragment (below) in one access.
struct alignas(16) RootPairBits {
    uint32_t re, im, neg_im;
};

constexpr RootPairBits root_pair_bits(int m0, int m1, bool inverse) {
    const double sign = inverse ? 1.0 : -1.0;
    const double s0 = sign * cos_pi_eighths(m0 - 4), s1 = sign * cos_pi_eighths(m1 - 4);  // sin = cos(x - pi/2)
    return {bf16_bits(cos_pi_eighths(m0)) | bf16_bits(cos_pi_eighths(m1)) << 16, bf16_bits(s0) | bf16_bits(s1) << 16,
            bf16_bits(-s0) | bf16_bits(-s1) << 16};
}

// Lane's share of F16[p][r] = exp(-+2 pi i p r / 16) (lane = g * 4 + t, the layout above).
constexpr Dft16Fragments dft16_lane(int lane, bool inverse) {
    const int g = lane >> 2, t = lane & 3;
    Dft16Fragments f{};
    for (int reg = 0; reg < 4; ++reg) {
        const int p = g + (reg & 1) * 8;
        const int r = 2 * t + (reg >> 1) * 8;
        const RootPairBits w = root_pair_bits(p * r, p * (r + 1), inverse);
        f.re[reg] = w.re;
        f.im[reg] = w.im;
        f.neg_im[reg] = w.neg_im;
    }
    return f;
}

// Every lane's F16 fragments, forward then inverse: built when compiled and read through the
// read-only cache, so no block spends instructions or shared memory on them.
struct Dft16Table {
    Dft16Lanes directions[2];
};

constexpr Dft16Table make_dft16_table() {
    Dft16Table table{};
    for (int direction = 0; direction < 2; ++direction) {
        for (int lane = 0; lane < 32; ++lane) set_lane_fragments(&table.directions[direction], lane, dft16_lane(lane, direction == 1));
    }
    return table;
}

__device__ const Dft16Table kDft16Table = make_dft16_table();

// This lane's share of a 16 x 16 complex matrix P[p][r] as the A operand, from fp32 (re, im)
// pairs, row-major: a learned level's matrix in place of F16 (dft16_lane's layout); adjoint:
// of P's conjugate transpose instead.
__device__ __forceinline__ Dft16Fragments matrix_fragments(const float *__restrict__ matrix, int lane,
                                                           bool adjoint = false) {
    const int g = lane >> 2, t = lane & 3;
    const auto *m = reinterpret_cast<const float2 *>(matrix);
    Dft16Fragments f;
#pragma unroll
    for (int reg = 0; reg < 4; ++reg) {
        const int p = g + (reg & 1) * 8;
        const int r = 2 * t + (reg >> 1) * 8;
        const float2 a = adjoint ? conj(m[r * 16 + p]) : m[p * 16 + r];
        const float2 b = adjoint ? conj(m[(r + 1) * 16 + p]) : m[p * 16 + r + 1];
        f.re[reg] = pack2<__nv_bfloat16>(a.x, b.x);
        f.im[reg] = pack2<__nv_bfloat16>(a.y, b.y);
        f.neg_im[reg] = pack2<__nv_bfloat16>(-a.y, -b.y);
    }
    return f;
}

// Lanes i < count of learned levels' fragments, by the block's threads: lane i % 32 of level
// (i / 32) % levels into out[i / 32], from first for i < 32 levels, else from second (of its
// matrices' conjugate transposes where second_adjoint). Each matrices holds levels 16 x 16
// complex fp32 matrices ((re, im) pairs, row-major).
__device__ __forceinline__ void set_learned_lanes(Dft16Lanes *out, int count, int levels, const float *first,
                                                  const float *second, bool second_adjoint) {
    for (int i = threadIdx.x; i < count; i += blockDim.x) {
        const bool later = i >= 32 * levels;
        set_lane_fragments(out + i / 32, i % 32,
                           matrix_fragments((later ? second : first) + 512 * ((i / 32) % levels), i % 32,
                                            later && second_adjoint));
    }
}

// The bits of a B fragment's row r that come from the lane (2t, t = lane % 4; matrix_tiles).
constexpr int kLaneRowBits = 6;

// out = A x for columns 16-vectors on tensor cores, by all threads of the block (A's fragments
// in matrix): x_r of column c from load(c, r), r = 2t plus bits 0 and 3 of the register (the
// lane's part r & kLaneRowBits), each tile's results to finish(tile, re, im),
// the lane's share of the C layout (rows g, g + 8; columns 8 tile + 2t, + 1). Every load
// precedes the first finish (a barrier between), so the outputs may overwrite the inputs; ends
// with a barrier. Each warp takes tiles of 8 columns, at most kMaxTiles (columns <= 8 kMaxTiles
// warps). threads: the block's (blockDim.x, or that number as a constant where the caller knows it).
template <int kMaxTiles, typename Load, typename Finish>
__device__ __forceinline__ void matrix_tiles(int columns, const Dft16Lanes *matrix, int threads, Load load,
                                             Finish finish) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = threads >> 5;
    const int g = lane >> 2, t = lane & 3;
    const int tiles = (columns + 7) >> 3;
    uint32_t b[kMaxTiles][4];  // per tile: re rows (2t, 2t+1), re rows (2t+8, 2t+9), im likewise
#pragma unroll
    for (int i = 0; i < kMaxTiles; ++i) {
        const int tile = warp + i * warps;
        const int c = tile * 8 + g;
        float2 v[4] = {};
        if (tile < tiles && c < columns) {
#pragma unroll
            for (int q = 0; q < 4; ++q) v[q] = load(c, 2 * t + (q & 1) + (q >> 1) * 8);
        }
        b[i][0] = pack2<__nv_bfloat16>(v[0].x, v[1].x);
        b[i][1] = pack2<__nv_bfloat16>(v[2].x, v[3].x);
        b[i][2] = pack2<__nv_bfloat16>(v[0].y, v[1].y);
        b[i][3] = pack2<__nv_bfloat16>(v[2].y, v[3].y);
    }
    __syncthreads();
#pragma unroll
    for (int i = 0; i < kMaxTiles; ++i) {
        const int tile = warp + i * warps;
        if (tile >= tiles) continue;  // warp-uniform: mma needs the whole warp
        const Dft16Fragments f = lane_fragments(matrix, lane);  // per tile: 12 registers fewer held across tiles
        float re[4] = {}, im[4] = {};
        mma_16x8x16<__nv_bfloat16>(re, f.re, b[i][0], b[i][1]);
        mma_16x8x16<__nv_bfloat16>(re, f.neg_im, b[i][2], b[i][3]);
        mma_16x8x16<__nv_bfloat16>(im, f.re, b[i][2], b[i][3]);
        mma_16x8x16<__nv_bfloat16>(im, f.im, b[i][0], b[i][1]);
        finish(tile, re, im);
    }
    __syncthreads();
}

// matrix_tiles with each result to store(c, p, value).
template <int kMaxTiles, typename Load, typename Store>
__device__ __forceinline__ void matrix_step(int columns, const Dft16Lanes *matrix, int threads, Load load,
                                            Store store) {
    const int g = (threadIdx.x & 31) >> 2, t = threadIdx.x & 3;
    matrix_tiles<kMaxTiles>(columns, matrix, threads, load, [&](int tile, const float (&re)[4], const float (&im)[4]) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
            const int c = tile * 8 + 2 * t + (e & 1);
            if (c < columns) store(c, g + (e >> 1) * 8, make_float2(re[e], im[e]));
        }
    });
}

// One radix-16 pass as above over x (addressed through slot()), by all threads of the block, with
// matrix = the direction's kDft16Table.directions: matrix_step on the pass's n / 16 columns. At
// most kMaxTiles tiles of 8 columns per warp (n <= 128 * kMaxTiles * warps).
template <int kMaxTiles, typename Value, typename Slot>
__device__ __forceinline__ void stockham_pass16_mma(Value *x, int n, int ns, bool inverse,
                                                    const Dft16Lanes *matrix, Slot slot, int threads) {
    const int count = n >> 4;
    matrix_step<kMaxTiles>(
        count, matrix, threads,
        [&](int j, int r) {
            const float2 v = load_value(x, slot(j) + slot(r * count));
            return ns > 1 ? twiddle_split(v, r & kLaneRowBits, r & ~kLaneRowBits, j & (ns - 1), 16 * ns, inverse) : v;
        },
        [&](int j, int p, float2 v) {
            store_value(x, slot(span_offset(j, count, ns, 16)) + slot(p * ns), v);
        });
}

// A Stockham pass of radix 32: the radix-16 pass at span ns and the radix-2 pass at span 16 ns
// after it, fused (the same map, one trip through shared memory instead of two). Column j of
// n / 32 takes V[a][b] = v[2 a + b] (v as the radix-16 pass reads, with 32 for 16), and
//   X[c + 16 d] = U[c][0] + (-1)^d W_32^c U[c][1],  U = P V,
// P = matrix (F16, or a learned level's). The products' columns are (j, b) pairs,
// so a lane's C fragment holds both b of its j and the radix-2 step stays in its registers.
template <int kMaxTiles, typename Value, typename Slot>
__device__ __forceinline__ void stockham_pass32_mma(Value *x, int n, int ns, bool inverse,
                                                    const Dft16Lanes *matrix, Slot slot, int threads) {
    const int count = n >> 5;
    const int g = (threadIdx.x & 31) >> 2, t = threadIdx.x & 3;
    const float2 roots32[2] = {unit_root(g, 32, inverse), unit_root(g + 8, 32, inverse)};  // the lane's, once per pass
    matrix_tiles<kMaxTiles>(
        2 * count, matrix, threads,
        [&](int column, int a) {
            const int j = column >> 1, s = 2 * a + (column & 1);
            const float2 v = load_value(x, slot(j) + slot(s * count));
            // the lane's part of s: 2 (a & kLaneRowBits) + (column & 1), column = 8 tile + g
            return ns > 1 ? twiddle_split(v, 2 * (a & kLaneRowBits) + (column & 1), 2 * (a & ~kLaneRowBits), j & (ns - 1),
                                          32 * ns, inverse)
                          : v;
        },
        [&](int tile, const float (&re)[4], const float (&im)[4]) {
            const int j = 4 * tile + t;  // columns 8 tile + 2t (b = 0) and + 1 (b = 1)
            if (j >= count) return;
            const int base = slot(span_offset(j, count, ns, 32));
#pragma unroll
            for (int half = 0; half < 2; ++half) {
                const int c = g + 8 * half;
                const float2 u0 = make_float2(re[2 * half], im[2 * half]);
                const float2 u1 = cmul(make_float2(re[2 * half + 1], im[2 * half + 1]), roots32[half]);  // W_32^c
                store_value(x, base + slot(c * ns), cadd(u0, u1));
                store_value(x, base + slot(c * ns) + slot(16 * ns), csub(u0, u1));
            }
        });
}

// F_8 as the B operand of a 16 x 8 tile (rows b, columns d, rows b >= 8 zero): this lane's share
// of exp(-+2 pi i b d / 8) = W16^(2 b d) (the register of rows 2t + 8, 2t + 9 is zero). Built
// when compiled, like F16's: forward lanes 0-31, inverse 32-63.
struct Dft8Table {
    RootPairBits lanes[64];
};

constexpr Dft8Table make_dft8_table() {
    Dft8Table table{};
    for (int i = 0; i < 64; ++i) {
        const int g = (i % 32) >> 2, t = i & 3;
        table.lanes[i] = root_pair_bits(2 * (2 * t) * g, 2 * (2 * t + 1) * g, i >= 32);
    }
    return table;
}

__device__ const Dft8Table kDft8Table = make_dft8_table();

// A Stockham pass of radix R = 16 m (m = 8 or 16) held in registers: each warp takes whole
// columns of R values as 16 x m matrices V[a][b] = v[m a + b], and
//   X[c + 16 d] = sum_b W_m^(b d) W_R^(b c) sum_a W_16^(a c) V[a][b],
// the F16 product's accumulators turned into the next product's A operand in place (the
// C and A fragment layouts match): two radix-16 levels for one pass through shared memory.
// Reads and writes as the radix-16 pass above, with R for 16, matrix likewise;
// kMaxColumns columns per warp. kSecond (m = 16): the second level's matrix P2 from
// second, X[c + 16 d] = sum_b P2[d][b] (...)[c][b], instead of F16 again.
template <int kM, int kMaxColumns, bool kSecond = false, typename Value, typename Slot>
__device__ __forceinline__ void stockham_pass16m_mma(Value *x, int n, int ns, bool inverse,
                                                     const Dft16Lanes *matrix, const Dft16Lanes *second,
                                                     Slot slot, int threads) {
    constexpr int kTiles = kM / 8;
    constexpr int kRadix = 16 * kM;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = threads >> 5;
    const int g = lane >> 2, t = lane & 3;
    const int count = n / kRadix;
    uint32_t b[kMaxColumns][kTiles][4];  // per column and tile: re rows (2t, 2t+1), (2t+8, 2t+9), im likewise
#pragma unroll
    for (int i = 0; i < kMaxColumns; ++i) {
        const int column = warp + i * warps;
        const int k = column & (ns - 1);
        const int in_base = slot(column);
#pragma unroll
        for (int tile = 0; tile < kTiles; ++tile) {
            // s = kM (2t + (q & 1) + 8 (q >> 1)) + g + 8 tile as the lane's bits (g, t) plus constant ones (q, tile)
            const int lane_s = 2 * kM * t + g;
            auto constant_s = [&](int q) { return kM * (q & 1) + 8 * kM * (q >> 1) + 8 * tile; };
            auto at = [&](int q) { return in_base + slot(lane_s * count) + slot(constant_s(q) * count); };
            if constexpr (std::is_same_v<Value, __nv_bfloat162>) {
                if (ns == 1) {  // no twiddle: bf16 values go to the B registers as they are stored
                    uint32_t w[4] = {};
                    if (column < count) {
#pragma unroll
                        for (int q = 0; q < 4; ++q) w[q] = reinterpret_cast<const uint32_t &>(x[at(q)]);
                    }
                    b[i][tile][0] = __byte_perm(w[0], w[1], 0x5410);  // the low (real) halves
                    b[i][tile][1] = __byte_perm(w[2], w[3], 0x5410);
                    b[i][tile][2] = __byte_perm(w[0], w[1], 0x7632);  // the high (imaginary) halves
                    b[i][tile][3] = __byte_perm(w[2], w[3], 0x7632);
                    continue;
                }
            }
            float2 v[4] = {};
            if (column < count) {
#pragma unroll
                for (int q = 0; q < 4; ++q) {
                    v[q] = load_value(x, at(q));
                    if (ns > 1) v[q] = twiddle_split(v[q], lane_s, constant_s(q), k, kRadix * ns, inverse);
                }
            }
            b[i][tile][0] = pack2<__nv_bfloat16>(v[0].x, v[1].x);
            b[i][tile][1] = pack2<__nv_bfloat16>(v[2].x, v[3].x);
            b[i][tile][2] = pack2<__nv_bfloat16>(v[0].y, v[1].y);
            b[i][tile][3] = pack2<__nv_bfloat16>(v[2].y, v[3].y);
        }
    }
    __syncthreads();
    const RootPairBits f8 = kDft8Table.lanes[(inverse ? 32 : 0) + lane];  // F_8's, used where kM = 8
    float2 inner_roots[kTiles][4];  // W_R^(b c) of the lane's C fragment: the same for every column
#pragma unroll
    for (int tile = 0; tile < kTiles; ++tile) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
            inner_roots[tile][e] = unit_root((8 * tile + 2 * t + (e & 1)) * (g + (e >> 1) * 8), kRadix, inverse);
        }
    }
#pragma unroll
    for (int i = 0; i < kMaxColumns; ++i) {
        const int column = warp + i * warps;
        if (column >= count) continue;  // warp-uniform: mma needs the whole warp
        const Dft16Fragments f = lane_fragments(matrix, lane);
        const Dft16Fragments f2 = kSecond ? lane_fragments(second, lane) : f;
        uint32_t a_re[4] = {}, a_im[4] = {};  // W_R^(b c) (F16 V)[c][b] as the A operand (rows c, columns b)
#pragma unroll
        for (int tile = 0; tile < kTiles; ++tile) {
            float re[4] = {}, im[4] = {};
            mma_16x8x16<__nv_bfloat16>(re, f.re, b[i][tile][0], b[i][tile][1]);
            mma_16x8x16<__nv_bfloat16>(re, f.neg_im, b[i][tile][2], b[i][tile][3]);
            mma_16x8x16<__nv_bfloat16>(im, f.re, b[i][tile][2], b[i][tile][3]);
            mma_16x8x16<__nv_bfloat16>(im, f.im, b[i][tile][0], b[i][tile][1]);
            float2 w[4];
#pragma unroll
            for (int e = 0; e < 4; ++e) w[e] = cmul(make_float2(re[e], im[e]), inner_roots[tile][e]);
            a_re[2 * tile] = pack2<__nv_bfloat16>(w[0].x, w[1].x);
            a_re[2 * tile + 1] = pack2<__nv_bfloat16>(w[2].x, w[3].x);
            a_im[2 * tile] = pack2<__nv_bfloat16>(w[0].y, w[1].y);
            a_im[2 * tile + 1] = pack2<__nv_bfloat16>(w[2].y, w[3].y);
        }
#pragma unroll
        for (int tile = 0; tile < kTiles; ++tile) {
            // P2^T as B (P2[d][b] at row b, column d): tile d's B registers are P2's A fragment's
            // rows d (registers tile and tile + 2); P2 = F16 (symmetric) unless kSecond; for
            // m = 8 the one F_8 tile.
            const uint32_t b_re[2] = {kM == 16 ? f2.re[tile] : f8.re, kM == 16 ? f2.re[tile + 2] : 0u};
            const uint32_t b_im[2] = {kM == 16 ? f2.im[tile] : f8.im, kM == 16 ? f2.im[tile + 2] : 0u};
            const uint32_t b_neg_im[2] = {kM == 16 ? f2.neg_im[tile] : f8.neg_im, kM == 16 ? f2.neg_im[tile + 2] : 0u};
            float re[4] = {}, im[4] = {};
            mma_16x8x16<__nv_bfloat16>(re, a_re, b_re[0], b_re[1]);
            mma_16x8x16<__nv_bfloat16>(re, a_im, b_neg_im[0], b_neg_im[1]);
            mma_16x8x16<__nv_bfloat16>(im, a_re, b_im[0], b_im[1]);
            mma_16x8x16<__nv_bfloat16>(im, a_im, b_re[0], b_re[1]);
#pragma unroll
            for (int e = 0; e < 4; ++e) {
                // c + 16 d as the lane's bits (g, t) plus constant ones (e, tile)
                const int lane_cd = g + 32 * t, constant_cd = 8 * (e >> 1) + 16 * (8 * tile + (e & 1));
                store_value(x, slot(span_offset(column, count, ns, kRadix)) + slot(lane_cd * ns) +
                                   slot(constant_cd * ns),
                            make_float2(re[e], im[e]));
            }
        }
    }
    __syncthreads();
}

}  // namespace fb
