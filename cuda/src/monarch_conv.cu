// The FFT convolution of sequences too long for one SM, as the Monarch factorisation
// n = outer * inner: an outer step over device memory, the inner transforms on chip, an outer
// step back. With j = m + inner * p and k = outer * f + q (p, q < outer; m, f < inner):
//   X[outer f + q] = FFT_inner(y_q)[f],  y_q[m] = W_n^(q m) sum_p x[m + inner p] W_outer^(q p),
// so the spectrum comes out in the permuted order (q, f) and is used there, at the kernel's bins
// outer * f + q, without any transpose; the inverse runs the same steps backwards:
//   x[m + inner p] = sum_q W_outer^(-q p) W_n^(-q m) z_q[m],  z_q = IFFT_inner(Y_q) (1/N in K).
// Past 16 inner rows the factorisation recurses once: n = outer1 * outer2 * inner (outer2 up to
// 32), each y_q1 split again by outer2, row (q1, q2) then holding the bins
// outer1 outer2 f + outer1 q2 + q1; both levels run in the same pass, their exchange staged in
// shared memory.
// Each row of u travels as n = N/2 complex values x[j] = u[2j] + i u[2j+1]; the inner step
// (monarch_inner in onchip_kernels.cuh) takes the two inner rows that hold bins k and n - k together and forms the
// real row's product from them. Measured on an H100 (bf16, L = 65536), a row took no longer this
// way than as half of a two-row complex sequence.
// Device memory: u read, z written; z read and written by the inner step (D*u is part of its
// spectrum products); z read, y written: three passes over z at any length, u read once.
#include "complex.cuh"
#include "dft_registers.cuh"
#include "elements.cuh"
#include "gates.cuh"
#include "launch.cuh"
#include "onchip.cuh"

#include <utility>

namespace {

constexpr int kMaxOuter1 = 16;  // the first level's factor (one level up to it)
constexpr int kMaxOuter2 = 32;  // the second level's
constexpr int kThreads = 256;

using fb::cmul;
using fb::conj;

// out[q] = x[reverse(q)]: register indices fixed at compile time (a runtime index would move x
// to local memory).
template <int kOuter, int... q>
__device__ __forceinline__ void unreverse(float2 (&out)[kOuter], const float2 (&x)[kOuter],
                                          std::integer_sequence<int, q...>) {
    ((out[q] = x[fb::reverse_bits(q, fb::log2_radix<kOuter>())]), ...);
}

// x <- the kOuter-point DFT of x (kInverse: with conjugate roots), output q then times w^q.
template <int kOuter, bool kInverse>
__device__ __forceinline__ void outer_dft(float2 (&x)[kOuter], float2 w) {
    if constexpr (kOuter > 1) fb::dft<kInverse, kOuter>(x);  // bit-reversed order out
    float2 out[kOuter];
    unreverse(out, x, std::make_integer_sequence<int, kOuter>{});
    float2 wq = make_float2(1.0f, 0.0f);
#pragma unroll
    for (int q = 0; q < kOuter; ++q) {
        x[q] = cmul(out[q], wq);
        wq = cmul(wq, w);
    }
}

// v <- sum_q W_outer^(-q p) w^q v[q] for every p: a forward step's inverse given its twiddle w
// (without 1/kOuter: the spectrum carries 1/N).
template <int kOuter>
__device__ __forceinline__ void outer_inverse_dft(float2 (&v)[kOuter], float2 w) {
    float2 wq = make_float2(1.0f, 0.0f);
#pragma unroll
    for (int q = 0; q < kOuter; ++q) {
        v[q] = cmul(v[q], wq);
        wq = cmul(wq, conj(w));
    }
    outer_dft<kOuter, true>(v, make_float2(1.0f, 0.0f));
}

// One row of u as complex values x[j] = v[2j] + i v[2j+1], v = pre * u (u without a pre gate),
// zero past the length, and the way back: y[2j] + i y[2j+1] = post * the value, cast (the skip
// d * v is in the inner step's spectrum products).
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

    // u and pre for load, post and y for store; the others may be null.
    __device__ RealRow(int64_t row, const T *u_, const T *pre_, const T *post_, T *y_, int64_t length_)
        : u(u_ != nullptr ? u_ + row * length_ : nullptr), pre(pre_ != nullptr ? pre_ + row * length_ : nullptr),
          post(post_ != nullptr ? post_ + row * length_ : nullptr), y(y_ != nullptr ? y_ + row * length_ : nullptr),
          length(length_), pairs(length_ % 2 == 0) {}

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

    // Stores value j (j < extent()).
    __device__ void store(int64_t j, float2 v) const {
        const int64_t t = 2 * j;
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

// Both outer levels in one pass over device memory. A block takes kTile columns m of a row of
// size = outer1 * outer2 * inner values, all of them its j = m + inner p2 + inner outer2 p1
// (p1 < outer1, p2 < outer2), and stages the levels' exchange in shared memory:
//   level 1, column m' = m + inner p2 of the row as outer1 rows of outer2 * inner values:
//     t[q1][p2][m] = W_size^(q1 m') sum_p1 x[m' + inner outer2 p1] W_outer1^(q1 p1);
//   level 2, column m of sub-row q1 as outer2 rows of inner values:
//     z[row][q1][q2][m] = W_(outer2 inner)^(q2 m) sum_p2 t[q1][p2][m] W_outer2^(q2 p2).
// One level (kOuter2 = 1) goes straight to device memory. kTile: 16 columns (128 bytes of an
// fp32 row) with two levels, enough that every level has a value per thread.
template <int kOuter1, int kOuter2> struct TwoLevels {
    static constexpr int kTile = kOuter2 == 1 ? kThreads : kOuter2 < 16 ? kThreads / kOuter2 : 16;
    static constexpr int kSharedValues = kOuter2 == 1 ? 0 : kOuter1 * kOuter2 * kTile;

    int64_t row, first, inner, size;

    __device__ TwoLevels(int64_t inner_) : inner(inner_), size(static_cast<int64_t>(kOuter1) * kOuter2 * inner_) {
        const int64_t tiles = (inner + kTile - 1) / kTile;
        row = blockIdx.x / tiles;
        first = (blockIdx.x % tiles) * kTile;
    }

    // Calls f(m, p) for the block's columns m < limit and p < count (one (m, p) per thread a round).
    template <int kCount, typename F> __device__ void for_each(int64_t limit, F &&f) const {
        for (int item = threadIdx.x; item < kTile * kCount; item += kThreads) {
            const int64_t m = first + item % kTile;
            if (m < limit) f(m, item / kTile);
        }
    }

    __device__ static int64_t tile_index(int q1, int p2, int64_t m_in_tile) {
        return (static_cast<int64_t>(q1) * kOuter2 + p2) * kTile + m_in_tile;
    }

    // Level 1 forward on column m' = m + inner p2: load(j) gives value j; result q1 to keep(q1, value).
    template <typename Load, typename Keep>
    __device__ static void level1(int64_t m, int p2, int64_t inner, int64_t size, Load &&load, Keep &&keep) {
        const int64_t mp = m + inner * p2;
        float2 x[kOuter1];
#pragma unroll
        for (int p1 = 0; p1 < kOuter1; ++p1) x[p1] = load(mp + inner * kOuter2 * p1);
        outer_dft<kOuter1, false>(x, fb::exact_root(mp, size));
#pragma unroll
        for (int q1 = 0; q1 < kOuter1; ++q1) keep(q1, x[q1]);
    }
};

// The forward outer step: z[row][q1][q2][m] as above, from the row of u zero-padded to size
// complex values. Without kGated pre is taken as null (an ungated call pays for no gate checks).
template <typename T, int kOuter1, int kOuter2, bool kGated>
__global__ void __launch_bounds__(kThreads) outer_forward(const T *__restrict__ u, const T *__restrict__ pre,
                                                          fb::SmemValue<T> *__restrict__ z, int64_t length,
                                                          int64_t inner) {
    if constexpr (!kGated) pre = nullptr;
    using Levels = TwoLevels<kOuter1, kOuter2>;
    extern __shared__ float2 t[];  // Levels::kSharedValues
    const Levels b(inner);
    const RealRow<T> row(b.row, u, pre, nullptr, nullptr, length);
    fb::SmemValue<T> *zr = z + b.row * b.size;
    b.template for_each<kOuter2>(inner, [&](int64_t m, int p2) {
        Levels::level1(m, p2, inner, b.size, [&](int64_t j) { return row.load(j); }, [&](int q1, float2 v) {
            if constexpr (kOuter2 == 1) {
                fb::store_value(zr + q1 * inner, m, v);
            } else {
                t[Levels::tile_index(q1, p2, m - b.first)] = v;
            }
        });
    });
    if constexpr (kOuter2 > 1) {
        __syncthreads();
        b.template for_each<kOuter1>(inner, [&](int64_t m, int q1) {
            float2 x[kOuter2];
#pragma unroll
            for (int p2 = 0; p2 < kOuter2; ++p2) x[p2] = t[Levels::tile_index(q1, p2, m - b.first)];
            outer_dft<kOuter2, false>(x, fb::exact_root(m, kOuter2 * inner));
#pragma unroll
            for (int q2 = 0; q2 < kOuter2; ++q2) fb::store_value(zr + (q1 * kOuter2 + q2) * inner, m, x[q2]);
        });
    }
}

// The inverse outer step: the levels above undone in reverse order, value j = m' + inner outer2 p1
// of the row stored (post-gated, cast) where it holds data. Without kGated post is taken as null.
template <typename T, int kOuter1, int kOuter2, bool kGated>
__global__ void __launch_bounds__(kThreads) outer_inverse(const fb::SmemValue<T> *__restrict__ z,
                                                          const T *__restrict__ post, T *__restrict__ y,
                                                          int64_t length, int64_t inner) {
    if constexpr (!kGated) post = nullptr;
    using Levels = TwoLevels<kOuter1, kOuter2>;
    extern __shared__ float2 t[];  // Levels::kSharedValues
    const Levels b(inner);
    const RealRow<T> row(b.row, nullptr, nullptr, post, y, length);
    const int64_t extent = row.extent();
    const fb::SmemValue<T> *zr = z + b.row * b.size;
    if constexpr (kOuter2 > 1) {
        b.template for_each<kOuter1>(inner, [&](int64_t m, int q1) {
            float2 v[kOuter2];
#pragma unroll
            for (int q2 = 0; q2 < kOuter2; ++q2) v[q2] = fb::load_value(zr + (q1 * kOuter2 + q2) * inner, m);
            outer_inverse_dft<kOuter2>(v, fb::exact_root(m, kOuter2 * inner));
#pragma unroll
            for (int p2 = 0; p2 < kOuter2; ++p2) t[Levels::tile_index(q1, p2, m - b.first)] = v[p2];
        });
        __syncthreads();
    }
    b.template for_each<kOuter2>(inner, [&](int64_t m, int p2) {
        const int64_t mp = m + inner * p2;
        if (mp >= extent) return;
        float2 v[kOuter1];
#pragma unroll
        for (int q1 = 0; q1 < kOuter1; ++q1) {
            v[q1] = kOuter2 == 1 ? fb::load_value(zr + q1 * inner, m) : t[Levels::tile_index(q1, p2, m - b.first)];
        }
        outer_inverse_dft<kOuter1>(v, fb::exact_root(mp, b.size));
#pragma unroll
        for (int p1 = 0; p1 < kOuter1; ++p1) {
            const int64_t j = mp + inner * kOuter2 * p1;
            if (j >= extent) break;
            row.store(j, v[p1]);
        }
    });
}


// Calls f(std::integral_constant<int, outer1>, std::integral_constant<int, outer2>) for the
// factors that occur: outer1 in {2, ..., kMaxOuter1} alone, or kMaxOuter1 with outer2 in {2, ..., kMaxOuter2}.
template <typename F> bool dispatch_levels(int outer1, int outer2, F &&f) {
    using std::integral_constant;
    if (outer2 == 1) {
        switch (outer1) {
            case 2: f(integral_constant<int, 2>{}, integral_constant<int, 1>{}); return true;
            case 4: f(integral_constant<int, 4>{}, integral_constant<int, 1>{}); return true;
            case 8: f(integral_constant<int, 8>{}, integral_constant<int, 1>{}); return true;
            case 16: f(integral_constant<int, 16>{}, integral_constant<int, 1>{}); return true;
        }
        return false;
    }
    if (outer1 != kMaxOuter1) return false;
    switch (outer2) {
        case 2: f(integral_constant<int, kMaxOuter1>{}, integral_constant<int, 2>{}); return true;
        case 4: f(integral_constant<int, kMaxOuter1>{}, integral_constant<int, 4>{}); return true;
        case 8: f(integral_constant<int, kMaxOuter1>{}, integral_constant<int, 8>{}); return true;
        case 16: f(integral_constant<int, kMaxOuter1>{}, integral_constant<int, 16>{}); return true;
        case 32: f(integral_constant<int, kMaxOuter1>{}, integral_constant<int, 32>{}); return true;
    }
    return false;
}

// Launches an outer step's kernel on rows of kOuter1 * kOuter2 * inner values with its tile's
// shared memory (64 KiB at the largest: past the static limit).
template <int kOuter1, int kOuter2, typename Kernel, typename... Args>
cudaError_t launch_outer(Kernel kernel, int64_t rows, int64_t inner, cudaStream_t stream, Args... args) {
    using Levels = TwoLevels<kOuter1, kOuter2>;
    const int64_t blocks = rows * ((inner + Levels::kTile - 1) / Levels::kTile);
    constexpr int smem = Levels::kSharedValues * static_cast<int>(sizeof(float2));
    return fb::launch_reserved(kernel, blocks, kThreads, smem, false, stream, args...);
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

// The most inner rows of a narrow block's size that inner_size takes: H100, bf16, 8 rows of 8192
// values were 1.07x faster than 4 of 16384 (L = 64K causal), 16 of 8192 1.12x slower than 8 of
// 16384 (L = 128K).
constexpr int kMaxNarrowOuter = 8;

// The most values per inner row: half the longest on-chip sequence (two inner rows per block).
int widest_inner(fb_dtype dtype, int device) { return fb::onchip_max_sequence(dtype, device) / 2; }

// Values per inner row for rows of size complex values: widest_inner, or, where that takes a wide
// 1024-thread block and a narrow block's rows number at most kMaxNarrowOuter, a narrow block's:
// two of those per SM overlap each other's loads and barriers, where a wide block runs alone on
// its SM.
int inner_size(fb_dtype dtype, int device, int64_t size) {
    const int widest = widest_inner(dtype, device);
    const int narrow = 1 << fb::kNarrowMaxLogN;
    return widest > narrow && size > widest && size <= static_cast<int64_t>(kMaxNarrowOuter) * narrow ? narrow : widest;
}

// Complex values per row: N/2.
int64_t row_size(int64_t fft_size) { return fft_size / 2; }

// The most complex values a row takes with one outer level or two, inner values per inner row.
int64_t max_row_size(int levels, int inner) {
    return (levels == 1 ? kMaxOuter1 : static_cast<int64_t>(kMaxOuter1) * kMaxOuter2) * inner;
}

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

extern "C" FB_API cudaError_t fb_monarch_max_fft_size(fb_dtype dtype, int device, int levels, int64_t *max_fft_size) {
    if (max_fft_size == nullptr || (levels != 1 && levels != 2)) return cudaErrorInvalidValue;
    const int inner = widest_inner(dtype, device);
    if (inner < 2) return cudaErrorInvalidValue;
    *max_fft_size = 2 * max_row_size(levels, inner);  // a row is fft_size / 2 complex values (row_size)
    return cudaSuccess;
}

extern "C" FB_API cudaError_t fb_monarch_conv(const void *u, const float *spectrum, const float *d,
                                              const void *pre, const void *post, void *y, fb_dtype dtype,
                                              int64_t batch, int64_t channels, int64_t length, int64_t fft_size,
                                              int transpose, void *workspace, cudaStream_t stream) {
    int device = 0;
    cudaError_t status = cudaGetDevice(&device);
    if (status != cudaSuccess) return status;
    const int64_t size = row_size(fft_size);
    const int inner = inner_size(dtype, device, size);
    if (batch < 1 || channels < 1 || length < 1 || fft_size < length || u == nullptr || spectrum == nullptr ||
        y == nullptr || workspace == nullptr || (fft_size & (fft_size - 1)) != 0 || inner < 2 ||
        size <= inner || size > max_row_size(2, inner)) {
        return cudaErrorInvalidValue;
    }
    const Factors f = factors(size, inner);
    const int64_t rows = batch * channels;
    const int64_t inner_rows = static_cast<int64_t>(f.outer1) * f.outer2;
    if (rows * (inner_rows / 2 + 1) > 0x7fffffffLL) return cudaErrorInvalidValue;  // the inner step's blocks
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        using V = fb::SmemValue<T>;
        auto *z = static_cast<V *>(workspace);
        const auto *in = static_cast<const T *>(u);
        const bool gated = pre != nullptr || post != nullptr;
        const bool factored = dispatch_levels(f.outer1, f.outer2, [&](auto outer1, auto outer2) {
            constexpr int kOuter1 = decltype(outer1)::value, kOuter2 = decltype(outer2)::value;
            status = launch_outer<kOuter1, kOuter2>(
                gated ? outer_forward<T, kOuter1, kOuter2, true> : outer_forward<T, kOuter1, kOuter2, false>, rows,
                inner, stream, in, static_cast<const T *>(pre), z, length, static_cast<int64_t>(inner));
            if (status != cudaSuccess) return;
            status = fb_monarch_inner(z, spectrum, d, dtype, batch, channels, inner, f.outer1, f.outer2,
                                      transpose != 0, stream);
            if (status != cudaSuccess) return;
            status = launch_outer<kOuter1, kOuter2>(
                gated ? outer_inverse<T, kOuter1, kOuter2, true> : outer_inverse<T, kOuter1, kOuter2, false>, rows,
                inner, stream, z, static_cast<const T *>(post), static_cast<T *>(y), length,
                static_cast<int64_t>(inner));
        });
        if (!factored) status = cudaErrorInvalidValue;
    });
    return known ? status : cudaErrorInvalidValue;
}
