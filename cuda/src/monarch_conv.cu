// The FFT convolution of sequences too long for one SM, as the Monarch factorisation
// N = outer * inner: an outer step over device memory, the inner transforms on chip, an outer
// step back. With n = m + inner * p and k = outer * f + q (p, q < outer; m, f < inner):
//   X[outer f + q] = FFT_inner(y_q)[f],  y_q[m] = W_N^(q m) sum_p x[m + inner p] W_outer^(q p),
// so the spectrum comes out in the permuted order (q, f) and is multiplied there, by the
// kernel's bins outer * f + q, without any transpose; the inverse runs the same steps backwards:
//   x[m + inner p] = sum_q W_outer^(-q p) W_N^(-q m) z_q[m],  z_q = IFFT_inner(Y_q K_q) (1/N in K).
// Past 16 times the on-chip size the factorisation recurses once: N = outer1 * outer2 * inner,
// each y_q1 split again by outer2 in place, the inner rows (q1, q2) then multiplying the bins
// outer1 outer2 f + outer1 q2 + q1.
// As in the on-chip kernel, rows b and b + 1 of a channel travel as one complex sequence; for an
// odd batch (the last row has no partner) each row travels alone as N/2 complex values
// u[2j] + i u[2j+1], and the inner step takes the two rows that hold bins k and N/2 - k together.
// Device memory: u read, z written; per second level z read and written; z read and written on
// chip; per second level z read and written; z read, y written (u read again only for D*u).
#include "complex.cuh"
#include "dft_registers.cuh"
#include "elements.cuh"
#include "onchip.cuh"

#include <utility>

namespace {

constexpr int kMaxOuter = 16;
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

// x <- the kOuter-point DFT of x (inverse: with conjugate roots), output q then times w^q
// (w = W_len^(+-m), the step's twiddle for column m).
template <int kOuter>
__device__ __forceinline__ void outer_dft(float2 (&x)[kOuter], bool inverse, float2 w) {
    fb::dft<kOuter>(x, inverse);  // bit-reversed order out
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
    outer_dft<kOuter>(x, false, root(m, kOuter * inner));
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
    outer_dft<kOuter>(v, true, make_float2(1.0f, 0.0f));
}

// Where a sequence's complex values come from and go to: rows b and b + 1 of a channel as
// u_b + i u_{b+1} (sequence = (b / 2, h)), or (kReal) one row as u[2j] + i u[2j+1]; zero past the
// length; y = value + d * u, cast.
template <typename T, bool kReal>
struct Sequence {
    const T *u0;
    const T *u1;
    T *y0;
    T *y1;
    int64_t length;
    bool two;
    const float *d;
    float skip;

    __device__ Sequence(int64_t sequence, const T *u, const float *d_, T *y, int64_t batch, int64_t channels,
                        int64_t length_)
        : length(length_), d(d_) {
        const int64_t h = sequence % channels;
        const int64_t first = kReal ? sequence : 2 * (sequence / channels) * channels + h;
        two = !kReal && first + channels < batch * channels;
        u0 = u + first * length;
        u1 = u0 + channels * length;
        y0 = y != nullptr ? y + first * length : nullptr;
        y1 = y != nullptr ? y0 + channels * length : nullptr;
        skip = d != nullptr ? d[h] : 0.0f;
    }

    // Complex values that hold data: past them the sequence is zero padding.
    __device__ int64_t extent() const { return kReal ? (length + 1) / 2 : length; }

    __device__ float2 load(int64_t j) const {
        if constexpr (kReal) {
            const int64_t t = 2 * j;
            return make_float2(t < length ? fb::to_float(u0[t]) : 0.0f, t + 1 < length ? fb::to_float(u0[t + 1]) : 0.0f);
        } else {
            const bool in = j < length;
            return make_float2(in ? fb::to_float(u0[j]) : 0.0f, in && two ? fb::to_float(u1[j]) : 0.0f);
        }
    }

    // Stores value j (j < extent()); u is read again only for the skip term.
    __device__ void store(int64_t j, float2 v) const {
        if constexpr (kReal) {
            const int64_t t = 2 * j;
            y0[t] = fb::from_float<T>(v.x + (d != nullptr ? skip * fb::to_float(u0[t]) : 0.0f));
            if (t + 1 < length) y0[t + 1] = fb::from_float<T>(v.y + (d != nullptr ? skip * fb::to_float(u0[t + 1]) : 0.0f));
        } else {
            y0[j] = fb::from_float<T>(v.x + (d != nullptr ? skip * fb::to_float(u0[j]) : 0.0f));
            if (two) y1[j] = fb::from_float<T>(v.y + (d != nullptr ? skip * fb::to_float(u1[j]) : 0.0f));
        }
    }
};

// First forward step: z[sequence][q][m] = y_q[m] as above, from the sequence zero-padded to
// kOuter * inner points.
template <typename T, int kOuter, bool kReal>
__global__ void __launch_bounds__(kThreads) outer_forward(const T *__restrict__ u, fb::SmemValue<T> *__restrict__ z,
                                                          int64_t batch, int64_t channels, int64_t length,
                                                          int64_t inner) {
    const OuterBlock block = outer_block(inner);
    const Sequence<T, kReal> sequence(block.row, u, nullptr, nullptr, batch, channels, length);
    fb::SmemValue<T> *zr = z + block.row * kOuter * inner;
    for_each_column(block, inner, [&](int64_t m) {
        float2 x[kOuter];
#pragma unroll
        for (int p = 0; p < kOuter; ++p) x[p] = sequence.load(m + inner * p);
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

// Last inverse step: value m + inner p of the sequence = the inverse step's value, stored (+ d * u,
// cast) where it holds data.
template <typename T, int kOuter, bool kReal>
__global__ void __launch_bounds__(kThreads) outer_inverse(const fb::SmemValue<T> *__restrict__ z,
                                                          const T *__restrict__ u, const float *__restrict__ d,
                                                          T *__restrict__ y, int64_t batch, int64_t channels,
                                                          int64_t length, int64_t inner) {
    const OuterBlock block = outer_block(inner);
    const Sequence<T, kReal> sequence(block.row, u, d, y, batch, channels, length);
    const int64_t extent = sequence.extent();
    const fb::SmemValue<T> *zr = z + block.row * kOuter * inner;
    for_each_column(block, inner < extent ? inner : extent, [&](int64_t m) {
        float2 v[kOuter];
        inverse_column<kOuter>(v, zr, m, inner);
#pragma unroll
        for (int p = 0; p < kOuter; ++p) {
            const int64_t j = m + inner * p;
            if (j >= extent) break;
            sequence.store(j, v[p]);
        }
    });
}

// Calls f(std::integral_constant<int, outer>) for outer in {2, 4, 8, 16}.
template <typename F> bool dispatch_outer(int outer, F &&f) {
    switch (outer) {
        case 2: f(std::integral_constant<int, 2>{}); return true;
        case 4: f(std::integral_constant<int, 4>{}); return true;
        case 8: f(std::integral_constant<int, 8>{}); return true;
        case 16: f(std::integral_constant<int, 16>{}); return true;
    }
    return false;
}

// Blocks of an outer step over rows of outer * inner values.
int64_t outer_blocks(int64_t rows, int64_t inner) {
    return rows * ((inner + kColumnsPerBlock - 1) / kColumnsPerBlock);
}

// The split N = outer1 * outer2 * inner with inner the on-chip size, outer2 = 1 up to 16 * inner.
struct Factors {
    int outer1, outer2, inner;
};

Factors factors(int64_t fft_size, int inner) {
    const int64_t outer = fft_size / inner;
    if (outer <= kMaxOuter) return {static_cast<int>(outer), 1, inner};
    return {kMaxOuter, static_cast<int>(outer / kMaxOuter), inner};
}

// The complex sequences of a call: two rows of a channel each for an even batch, one real row
// each (as N/2 complex values) for an odd one, whose last row has no partner.
struct Sequences {
    bool real;
    int64_t count;
    int64_t size;  // complex values each
};

Sequences sequences(int64_t batch, int64_t channels, int64_t fft_size) {
    if (batch % 2 == 1) return {true, batch * channels, fft_size / 2};
    return {false, batch / 2 * channels, fft_size};
}

}  // namespace

extern "C" FB_API int64_t fb_monarch_conv_workspace_bytes(fb_dtype dtype, int64_t batch, int64_t channels,
                                                          int64_t fft_size) {
    int64_t bytes = -1;
    const Sequences s = sequences(batch, channels, fft_size);
    fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        bytes = s.count * s.size * static_cast<int64_t>(sizeof(fb::SmemValue<T>));
    });
    return bytes;
}

extern "C" FB_API cudaError_t fb_monarch_conv(const void *u, const float *spectrum, const float *d, void *y,
                                              fb_dtype dtype, int64_t batch, int64_t channels, int64_t length,
                                              int64_t fft_size, void *workspace, cudaStream_t stream) {
    int device = 0;
    cudaError_t status = cudaGetDevice(&device);
    if (status != cudaSuccess) return status;
    const Sequences s = sequences(batch, channels, fft_size);
    // the fewest outer steps; a real sequence's inner step holds two rows
    const int inner = fb::onchip_max_sequence(dtype, device) / (s.real ? 2 : 1);
    if (batch < 1 || channels < 1 || length < 1 || fft_size < length || u == nullptr || spectrum == nullptr ||
        y == nullptr || workspace == nullptr || (fft_size & (fft_size - 1)) != 0 || inner < 2 ||
        s.size <= inner || s.size > static_cast<int64_t>(kMaxOuter) * kMaxOuter * inner) {
        return cudaErrorInvalidValue;
    }
    const Factors f = factors(s.size, inner);
    const int64_t inner_blocks = s.count * f.outer1 * f.outer2;
    const int64_t first_inner = s.size / f.outer1;  // the first step's column count
    const int64_t first_blocks = outer_blocks(s.count, first_inner);
    const int64_t second_blocks = outer_blocks(s.count * f.outer1, inner);
    if (inner_blocks > 0x7fffffffLL || first_blocks > 0x7fffffffLL || second_blocks > 0x7fffffffLL) {
        return cudaErrorInvalidValue;
    }
    const auto first_grid = static_cast<unsigned>(first_blocks);
    const auto second_grid = static_cast<unsigned>(second_blocks);
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        using V = fb::SmemValue<T>;
        auto *z = static_cast<V *>(workspace);
        dispatch_outer(f.outer1, [&](auto outer) {
            if (s.real) {
                outer_forward<T, decltype(outer)::value, true><<<first_grid, kThreads, 0, stream>>>(
                    static_cast<const T *>(u), z, batch, channels, length, first_inner);
            } else {
                outer_forward<T, decltype(outer)::value, false><<<first_grid, kThreads, 0, stream>>>(
                    static_cast<const T *>(u), z, batch, channels, length, first_inner);
            }
        });
        if (f.outer2 > 1) {
            dispatch_outer(f.outer2, [&](auto outer) {
                outer_forward_in_place<V, decltype(outer)::value><<<second_grid, kThreads, 0, stream>>>(
                    z, inner);
            });
        }
        status = cudaGetLastError();
        if (status != cudaSuccess) return;
        status = fb_monarch_inner(z, spectrum, dtype, s.count, channels, inner, f.outer1, f.outer2, s.real, stream);
        if (status != cudaSuccess) return;
        if (f.outer2 > 1) {
            dispatch_outer(f.outer2, [&](auto outer) {
                outer_inverse_in_place<V, decltype(outer)::value><<<second_grid, kThreads, 0, stream>>>(
                    z, inner);
            });
        }
        dispatch_outer(f.outer1, [&](auto outer) {
            if (s.real) {
                outer_inverse<T, decltype(outer)::value, true><<<first_grid, kThreads, 0, stream>>>(
                    z, static_cast<const T *>(u), d, static_cast<T *>(y), batch, channels, length, first_inner);
            } else {
                outer_inverse<T, decltype(outer)::value, false><<<first_grid, kThreads, 0, stream>>>(
                    z, static_cast<const T *>(u), d, static_cast<T *>(y), batch, channels, length, first_inner);
            }
        });
        status = cudaGetLastError();
    });
    return known ? status : cudaErrorInvalidValue;
}
