// The FFT convolution of sequences too long for one SM, as the Monarch factorisation
// n = outer * inner: an outer step over device memory, the inner transforms on chip, an outer
// step back. With j = m + inner * p and k = outer * f + q (p, q < outer; m, f < inner):
//   X[outer f + q] = FFT_inner(y_q)[f],  y_q[m] = W_n^(q m) sum_p x[m + inner p] W_outer^(q p),
// so the spectrum comes out in the permuted order (q, f) and is used there, at the kernel's bins
// outer * f + q, without any transpose; the inverse runs the same steps backwards:
//   x[m + inner p] = sum_q W_outer^(-q p) W_n^(-q m) z_q[m],  z_q = IFFT_inner(Y_q) (1/N in K).
// Past 16 inner rows the factorisation recurses once: n = outer1 * outer2 * inner (outer2 up to
// 32), each y_q1 split again by outer2 in place, row (q1, q2) then holding the bins
// outer1 outer2 f + outer1 q2 + q1.
// Each row of u travels as n = N/2 complex values x[j] = u[2j] + i u[2j+1]; the inner step
// (monarch_inner in onchip_conv.cu) takes the two inner rows that hold bins k and n - k together and forms the
// real row's product from them. Measured on an H100 (bf16, L = 65536), a row took no longer this
// way than as half of a two-row complex sequence.
// Device memory: u read, z written; per second level z read and written; z read and written on
// chip; per second level z read and written; z read, y written (u read again only for D*u).
#include "complex.cuh"
#include "dft_registers.cuh"
#include "elements.cuh"
#include "gates.cuh"
#include "onchip.cuh"

#include <utility>

namespace {

constexpr int kMaxOuter1 = 16;  // the first step's factor (one outer step up to it)
constexpr int kMaxOuter2 = 32;  // the second step's
constexpr int kThreads = 256;
constexpr int kColumnsPerThread = 4;  // columns m per thread: a block covers kThreads * 4 of a row
constexpr int kColumnsPerBlock = kThreads * kColumnsPerThread;

using fb::cmul;
using fb::conj;

// exp(-2 pi i num / den) for 0 <= num < den <= 2^24, den a power of two: the scaling is exact.
__device__ __forceinline__ float2 root(int64_t num, int64_t den) {
    float s, c;
    sincospif(-2.0f * static_cast<float>(num) * (1.0f / static_cast<float>(den)), &s, &c);
    return make_float2(c, s);
}

// out[q] = x[reverse(q)]: register indices fixed at compile time (a runtime index would move x
// to local memory).
template <int kOuter, int... q>
__device__ __forceinline__ void unreverse(float2 (&out)[kOuter], const float2 (&x)[kOuter],
                                          std::integer_sequence<int, q...>) {
    ((out[q] = x[fb::reverse_bits(q, fb::log2_radix<kOuter>())]), ...);
}

// x <- the kOuter-point DFT of x (kInverse: with conjugate roots), output q then times w^q
// (w = W_len^(+-m), the step's twiddle for column m).
template <int kOuter, bool kInverse>
__device__ __forceinline__ void outer_dft(float2 (&x)[kOuter], float2 w) {
    fb::dft<kInverse, kOuter>(x);  // bit-reversed order out
    float2 out[kOuter];
    unreverse(out, x, std::make_integer_sequence<int, kOuter>{});
    float2 wq = make_float2(1.0f, 0.0f);
#pragma unroll
    for (int q = 0; q < kOuter; ++q) {
        x[q] = cmul(out[q], wq);
        wq = cmul(wq, w);
    }
}

// The block's row and its first column: blocks run over (row, chunk of kColumnsPerBlock columns).
struct OuterBlock {
    int64_t row;
    int64_t first;
};

__device__ __forceinline__ OuterBlock outer_block(int64_t inner) {
    const int64_t chunks = (inner + kColumnsPerBlock - 1) / kColumnsPerBlock;
    return {blockIdx.x / chunks, (blockIdx.x % chunks) * kColumnsPerBlock};
}

// Calls f(m) for this thread's columns m < limit in the block's chunk.
template <typename F>
__device__ __forceinline__ void for_each_column(const OuterBlock &block, int64_t limit, F &&f) {
#pragma unroll
    for (int c = 0; c < kColumnsPerThread; ++c) {
        const int64_t m = block.first + threadIdx.x + c * kThreads;
        if (m >= limit) break;
        f(m);
    }
}

// A forward step on column m of a row zr of kOuter * inner values, given x[p] = x[m + inner p]:
// zr[q * inner + m] = y_q[m].
template <int kOuter, typename V>
__device__ __forceinline__ void forward_column(float2 (&x)[kOuter], V *zr, int64_t m, int64_t inner) {
    outer_dft<kOuter, false>(x, root(m, kOuter * inner));
#pragma unroll
    for (int q = 0; q < kOuter; ++q) fb::store_value(zr + q * inner, m, x[q]);
}

// An inverse step on column m: v[p] = sum_q W_outer^(-q p) W_len^(-q m) zr[q * inner + m], the
// value for m + inner p (without 1/kOuter: the spectrum carries 1/N).
template <int kOuter, typename V>
__device__ __forceinline__ void inverse_column(float2 (&v)[kOuter], const V *zr, int64_t m, int64_t inner) {
    float2 wq = make_float2(1.0f, 0.0f);
    const float2 w = conj(root(m, kOuter * inner));
#pragma unroll
    for (int q = 0; q < kOuter; ++q) {
        v[q] = cmul(fb::load_value(zr + q * inner, m), wq);
        wq = cmul(wq, w);
    }
    outer_dft<kOuter, true>(v, make_float2(1.0f, 0.0f));
}

// One row of u as complex values x[j] = v[2j] + i v[2j+1], v = pre * u (u without a pre gate),
// zero past the length, and the way back: y[2j] + i y[2j+1] = post * (the value + d * v), cast.
// For an even length each pair of elements moves as one access (every row then starts 2-element
// aligned): with scalar accesses, 2-byte ones for bf16, the first and last steps moved half the
// bytes per instruction of the others. Gates (gates.cuh) may be null: no gate.
template <typename T>
struct RealRow {
    using Pair = fb::Elements<T, 2>;
    const T *u;
    const T *pre;
    const T *post;
    T *y;
    int64_t length;
    bool pairs;
    const float *d;
    float skip;

    __device__ RealRow(int64_t row, const T *u_, const T *pre_, const T *post_, const float *d_, T *y_,
                       int64_t channels, int64_t length_)
        : u(u_ + row * length_), pre(pre_ != nullptr ? pre_ + row * length_ : nullptr),
          post(post_ != nullptr ? post_ + row * length_ : nullptr), y(y_ != nullptr ? y_ + row * length_ : nullptr),
          length(length_), pairs(length_ % 2 == 0), d(d_), skip(d_ != nullptr ? d_[row % channels] : 0.0f) {}

    // Complex values that hold data: past them the row is zero padding.
    __device__ int64_t extent() const { return (length + 1) / 2; }

    // v[t], v[t + 1] (zero past the length), t even.
    __device__ float2 input(int64_t t) const {
        if (pairs) {
            if (t >= length) return make_float2(0.0f, 0.0f);
            const Pair p = *reinterpret_cast<const Pair *>(u + t);
            const fb::GateGroup<T, 2> g(pre, t);
            return make_float2(fb::to_float(p.v[0]) * g[0], fb::to_float(p.v[1]) * g[1]);
        }
        return make_float2(t < length ? fb::to_float(u[t]) * fb::gate_factor(pre, t) : 0.0f,
                           t + 1 < length ? fb::to_float(u[t + 1]) * fb::gate_factor(pre, t + 1) : 0.0f);
    }

    __device__ float2 load(int64_t j) const { return input(2 * j); }

    // Stores value j (j < extent()); u is read again only for the skip term.
    __device__ void store(int64_t j, float2 v) const {
        const int64_t t = 2 * j;
        if (d != nullptr) {
            const float2 x = input(t);
            v = make_float2(v.x + skip * x.x, v.y + skip * x.y);
        }
        if (pairs) {
            const fb::GateGroup<T, 2> g(post, t);
            Pair out;
            out.v[0] = fb::from_float<T>(v.x * g[0]);
            out.v[1] = fb::from_float<T>(v.y * g[1]);
            *reinterpret_cast<Pair *>(y + t) = out;
        } else {
            y[t] = fb::from_float<T>(v.x * fb::gate_factor(post, t));
            if (t + 1 < length) y[t + 1] = fb::from_float<T>(v.y * fb::gate_factor(post, t + 1));
        }
    }
};

// First forward step: z[row][q][m] = y_q[m] as above, from the row zero-padded to kOuter * inner
// complex values.
template <typename T, int kOuter>
__global__ void __launch_bounds__(kThreads) outer_forward(const T *__restrict__ u, const T *__restrict__ pre,
                                                          fb::SmemValue<T> *__restrict__ z,
                                                          int64_t channels, int64_t length, int64_t inner) {
    const OuterBlock block = outer_block(inner);
    const RealRow<T> row(block.row, u, pre, nullptr, nullptr, nullptr, channels, length);
    fb::SmemValue<T> *zr = z + block.row * kOuter * inner;
    for_each_column(block, inner, [&](int64_t m) {
        float2 x[kOuter];
#pragma unroll
        for (int p = 0; p < kOuter; ++p) x[p] = row.load(m + inner * p);
        forward_column<kOuter>(x, zr, m, inner);
    });
}

// A second forward step, in place on rows of kOuter * inner values: the same split of each row.
template <typename V, int kOuter>
__global__ void __launch_bounds__(kThreads) outer_forward_in_place(V *__restrict__ z, int64_t inner) {
    const OuterBlock block = outer_block(inner);
    V *zr = z + block.row * kOuter * inner;
    for_each_column(block, inner, [&](int64_t m) {
        float2 x[kOuter];
#pragma unroll
        for (int p = 0; p < kOuter; ++p) x[p] = fb::load_value(zr + p * inner, m);
        forward_column<kOuter>(x, zr, m, inner);
    });
}

// The inverse of outer_forward_in_place.
template <typename V, int kOuter>
__global__ void __launch_bounds__(kThreads) outer_inverse_in_place(V *__restrict__ z, int64_t inner) {
    const OuterBlock block = outer_block(inner);
    V *zr = z + block.row * kOuter * inner;
    for_each_column(block, inner, [&](int64_t m) {
        float2 v[kOuter];
        inverse_column<kOuter>(v, zr, m, inner);
#pragma unroll
        for (int p = 0; p < kOuter; ++p) fb::store_value(zr + p * inner, m, v[p]);
    });
}

// Last inverse step: value m + inner p of the row = the inverse step's value, stored (+ d * u,
// cast) where it holds data.
template <typename T, int kOuter>
__global__ void __launch_bounds__(kThreads) outer_inverse(const fb::SmemValue<T> *__restrict__ z,
                                                          const T *__restrict__ u, const T *__restrict__ pre,
                                                          const T *__restrict__ post, const float *__restrict__ d,
                                                          T *__restrict__ y, int64_t channels, int64_t length,
                                                          int64_t inner) {
    const OuterBlock block = outer_block(inner);
    const RealRow<T> row(block.row, u, pre, post, d, y, channels, length);
    const int64_t extent = row.extent();
    const fb::SmemValue<T> *zr = z + block.row * kOuter * inner;
    for_each_column(block, inner < extent ? inner : extent, [&](int64_t m) {
        float2 v[kOuter];
        inverse_column<kOuter>(v, zr, m, inner);
#pragma unroll
        for (int p = 0; p < kOuter; ++p) {
            const int64_t j = m + inner * p;
            if (j >= extent) break;
            row.store(j, v[p]);
        }
    });
}

// Calls f(std::integral_constant<int, outer>) for outer in {2, 4, ..., kMax}.
template <int kMax, typename F> bool dispatch_outer(int outer, F &&f) {
    switch (outer) {
        case 2: f(std::integral_constant<int, 2>{}); return true;
        case 4: f(std::integral_constant<int, 4>{}); return true;
        case 8: f(std::integral_constant<int, 8>{}); return true;
        case 16: f(std::integral_constant<int, 16>{}); return true;
        case 32:
            if constexpr (kMax >= 32) {
                f(std::integral_constant<int, 32>{});
                return true;
            }
    }
    return false;
}

// Blocks of an outer step over rows of outer * inner values.
int64_t outer_blocks(int64_t rows, int64_t inner) {
    return rows * ((inner + kColumnsPerBlock - 1) / kColumnsPerBlock);
}

// The split size = outer1 * outer2 * inner, outer2 = 1 up to kMaxOuter1 inner rows.
struct Factors {
    int outer1, outer2;
};

Factors factors(int64_t size, int inner) {
    const int64_t outer = size / inner;
    if (outer <= kMaxOuter1) return {static_cast<int>(outer), 1};
    return {kMaxOuter1, static_cast<int>(outer / kMaxOuter1)};
}

// Complex values per row: N/2.
int64_t row_size(int64_t fft_size) { return fft_size / 2; }

}  // namespace

extern "C" FB_API int64_t fb_monarch_conv_workspace_bytes(fb_dtype dtype, int64_t batch, int64_t channels,
                                                          int64_t fft_size) {
    int64_t bytes = -1;
    fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        bytes = batch * channels * row_size(fft_size) * static_cast<int64_t>(sizeof(fb::SmemValue<T>));
    });
    return bytes;
}

extern "C" FB_API cudaError_t fb_monarch_conv(const void *u, const float *spectrum, const float *d,
                                              const void *pre, const void *post, void *y, fb_dtype dtype,
                                              int64_t batch, int64_t channels, int64_t length, int64_t fft_size,
                                              int transpose, void *workspace, cudaStream_t stream) {
    int device = 0;
    cudaError_t status = cudaGetDevice(&device);
    if (status != cudaSuccess) return status;
    // the fewest outer steps: the inner step holds two rows of half a block's longest sequence
    const int inner = fb::onchip_max_sequence(dtype, device) / 2;
    const int64_t size = row_size(fft_size);
    if (batch < 1 || channels < 1 || length < 1 || fft_size < length || u == nullptr || spectrum == nullptr ||
        y == nullptr || workspace == nullptr || (fft_size & (fft_size - 1)) != 0 || inner < 2 ||
        size <= inner || size > static_cast<int64_t>(kMaxOuter1) * kMaxOuter2 * inner) {
        return cudaErrorInvalidValue;
    }
    const Factors f = factors(size, inner);
    const int64_t rows = batch * channels;
    const int64_t first_inner = size / f.outer1;  // the first step's column count
    const int64_t first_blocks = outer_blocks(rows, first_inner);
    const int64_t second_blocks = outer_blocks(rows * f.outer1, inner);
    if (rows * (f.outer1 * f.outer2 / 2 + 1) > 0x7fffffffLL || first_blocks > 0x7fffffffLL ||
        second_blocks > 0x7fffffffLL) {
        return cudaErrorInvalidValue;
    }
    const auto first_grid = static_cast<unsigned>(first_blocks);
    const auto second_grid = static_cast<unsigned>(second_blocks);
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        using V = fb::SmemValue<T>;
        auto *z = static_cast<V *>(workspace);
        dispatch_outer<kMaxOuter1>(f.outer1, [&](auto outer) {
            outer_forward<T, decltype(outer)::value><<<first_grid, kThreads, 0, stream>>>(
                static_cast<const T *>(u), static_cast<const T *>(pre), z, channels, length, first_inner);
        });
        if (f.outer2 > 1) {
            dispatch_outer<kMaxOuter2>(f.outer2, [&](auto outer) {
                outer_forward_in_place<V, decltype(outer)::value><<<second_grid, kThreads, 0, stream>>>(
                    z, inner);
            });
        }
        status = cudaGetLastError();
        if (status != cudaSuccess) return;
        status = fb_monarch_inner(z, spectrum, dtype, rows, channels, inner, f.outer1, f.outer2, transpose != 0, stream);
        if (status != cudaSuccess) return;
        if (f.outer2 > 1) {
            dispatch_outer<kMaxOuter2>(f.outer2, [&](auto outer) {
                outer_inverse_in_place<V, decltype(outer)::value><<<second_grid, kThreads, 0, stream>>>(
                    z, inner);
            });
        }
        dispatch_outer<kMaxOuter1>(f.outer1, [&](auto outer) {
            outer_inverse<T, decltype(outer)::value><<<first_grid, kThreads, 0, stream>>>(
                z, static_cast<const T *>(u), static_cast<const T *>(pre), static_cast<const T *>(post), d,
                static_cast<T *>(y), channels, length, first_inner);
        });
        status = cudaGetLastError();
    });
    return known ? status : cudaErrorInvalidValue;
}
