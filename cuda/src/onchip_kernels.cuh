// The whole FFT long convolution of short sequences in one kernel, on chip: each block loads two
// rows of one channel (batch b and b + 1) as one complex sequence u_b + i u_{b+1}, transforms it
// in shared memory, multiplies by the channel's kernel spectrum, transforms back and stores
// y_b = Re, y_{b+1} = Im (cast; D*u is a product with the spectrum too, spectrum_bin). u is read
// once and y written once: the fewest passes
// over device memory there are. Where a block cannot hold N complex values, where N values
// would take two rounds per pass (N = 32K, pass_rounds), or the batch has no second row, a
// block takes one row as N/2 complex values u[2j] + i u[2j+1] instead (convolve_real_in_place):
// the same work per row, twice the size on chip.
//
// The transforms are Stockham passes, each written in the order that leaves the result sorted,
// so no reordering pass is needed. For fp32 sequences they have radix 16 (the last one 2, 4 or
// 8): each thread takes 16 values into registers, twiddles them and runs radix-R DFTs on them in
// fp32. For bf16/fp16 ones the radix-16 levels are tensor-core products with the DFT matrix
// (dft16_mma.cuh), two levels per pass (radix 128 or 256) where they divide the size, a level
// and the last radix-2 step in one pass (radix 32) where 5 bits are left.
// Shared memory is padded (slot) to spread the strided accesses over the banks.
//
// The kernels and their typed launchers (onchip_launchers.cuh) are compiled once per dtype
// (onchip_conv_<dtype>.cu), so the three build in parallel; onchip_conv.cu holds the entry points.
#pragma once

#include "complex.cuh"
#include "dft16_mma.cuh"
#include "dft_registers.cuh"
#include "elements.cuh"
#include "gates.cuh"
#include "launch.cuh"
#include "onchip.cuh"

#include <type_traits>

namespace {

// n / 16 threads per block, each taking 16 values per round of a pass. Blocks of up to 512
// threads (n <= 8192) run two per SM where their shared memory allows; wider ones (n = 16384, and
// n = 32768 in two rounds for bf16 values: 137 KiB of shared memory) one per SM.
constexpr int kValuesPerThread = 16;
constexpr int kNarrowThreads = 512;
constexpr int kMaxThreads = 1024;
using fb::kNarrowMaxLogN;  // the longest sequence of a narrow block (onchip.cuh)
static_assert(kNarrowThreads * kValuesPerThread == 1 << kNarrowMaxLogN);
// The smallest n whose values the tensor-core path keeps as bf16 (half the shared-memory traffic
// and footprint, faster at every size measured): below it, so few outputs that one cancellation
// shows the extra roundings (a bidirectional L = 1 case erred 2.2%).
constexpr int kCompactLogN = 8;
constexpr int kCompactFrom = 1 << kCompactLogN;
constexpr int kTensorTilesPerRound = 4;  // n / 16 threads: n / 512 warps for n / 128 tiles of 8 columns

// Threads of a block for n values: n / 16, at least a warp, at most kMaxThreads.
__host__ __device__ constexpr int block_threads(int n) {
    return n / kValuesPerThread < 32 ? 32 : n / kValuesPerThread > kMaxThreads ? kMaxThreads : n / kValuesPerThread;
}

// The block's threads in a kernel for sequences of 2^kLogN values: block_threads as a constant
// where the kernel is compiled for its size (kLogN > 0; every launcher gives such a kernel
// block_threads(n)), so loops over the block's share have known trips and strides; else blockDim.x.
template <int kLogN> __device__ __forceinline__ int threads_for() {
    if constexpr (kLogN > 0) {
        return block_threads(1 << kLogN);
    } else {
        return static_cast<int>(blockDim.x);
    }
}

// In a kernel compiled for its size (kLogN > 0): tells the compiler that threadIdx.x <
// threads_for<kLogN>(), so it drops the passes' bound checks. Not in monarch_inner, where the
// freer schedule spilled (368 bytes per thread at n = 16384, bf16).
template <int kLogN> __device__ __forceinline__ void assume_sized_block() {
    if constexpr (kLogN > 0) __builtin_assume(threadIdx.x < static_cast<unsigned>(block_threads(1 << kLogN)));
}

// Blocks take their work channel by channel: block blockIdx.x does part blockIdx.x % per_channel
// of channel blockIdx.x / per_channel (per_channel: the batch rows, their pairs, or for Monarch's
// inner step the batch rows times a row's inner-row pairs). So the blocks of one channel run
// together and its kernel spectrum comes from device memory once, from L2 for the others.
// Numbered channel-fastest, batch rows read their channel's spectrum from device memory again:
// with 768 channels the kernels read 2.4x, 4x and 3.3x the bytes of u and one read of each
// spectrum at L = 4K, 8K and 16K. 32-bit divisions, as gridDim.x < 2^31 (a 64-bit one is a long
// routine, run by every thread).
struct ChannelPart {
    uint32_t channel, part;  // below gridDim.x: what callers divide by stays a 32-bit division
};
__device__ __forceinline__ ChannelPart block_work(int64_t per_channel) {
    const uint32_t parts = static_cast<uint32_t>(per_channel);
    return {blockIdx.x / parts, blockIdx.x % parts};
}

using fb::cmul;
using fb::dft;
using fb::log2_radix;
using fb::reverse_bits;

// The padded shared-memory index of value i stored as Value. The passes rely on it being additive
// over indices with no bit in common (slot(a + b) = slot(a) + slot(b) where a & b = 0: the shifts
// distribute over such sums), so any other padding must keep that. bf16 pairs (one 4-byte bank
// each) shift each row of 32 values 5 banks on, and each 256 one more: the tensor-core passes'
// lanes read and write rows 2t, 2t + 1, 2t + 8, 2t + 9 of a fragment, a power-of-two stride apart,
// which one slot per 16 (float2's padding) folds onto a quarter of the banks. By a model of every
// pass's lane addresses (n = 256 to 32768), 1.4-2.0 wavefronts per shared-memory request instead
// of 2.3-3.3, for 16% more shared memory instead of 7%. float2 values (two banks each) keep theirs.
template <typename Value> __host__ __device__ constexpr int slot(int i) {
    if constexpr (std::is_same_v<Value, float2>) {
        return i + (i >> 4) + (i >> 8);
    } else {
        return i + 5 * (i >> 5) + (i >> 8);
    }
}

// The slots n values take (slot is increasing: slot(n) lies past slot(n - 1)).
template <typename Value> __host__ __device__ constexpr int slots(int n) { return slot<Value>(n); }

// Column j of a pass when each of the block's threads takes groups columns per round.
__device__ __forceinline__ int pass_column(int round, int groups, int g, int threads) {
    return threadIdx.x + (round * groups + g) * threads;
}

// exp(-+2 pi i m / period), period a power of two, in the precision of complex values stored as
// Value: the fast root for bf16 ones (dft16_mma.cuh), the accurate one for fp32 ones.
template <typename Value> __device__ __forceinline__ float2 root(int m, int period, bool inverse) {
    if constexpr (std::is_same_v<Value, float2>) {
        return fb::exact_root(m, period, inverse);
    } else {
        return fb::unit_root(m, period, inverse);
    }
}

// One Stockham pass of radix R over n values in x (span ns of the sub-transforms done so far), in
// up to kRounds rounds of 16 values per thread: every value is read before the barrier, since
// the pass writes in place. kInverse: with conjugate roots.
template <int R, int kRounds, bool kInverse, typename Value>
__device__ __forceinline__ void stockham_pass(Value *x, int n, int ns, int threads) {
    constexpr int groups = kValuesPerThread / R;
    const int count = n / R;
    Value held[kRounds][kValuesPerThread];  // as stored (bf16 takes half the registers) until the barrier
#pragma unroll
    for (int round = 0; round < kRounds; ++round) {
#pragma unroll
        for (int g = 0; g < groups; ++g) {
            const int j = pass_column(round, groups, g, threads);
            if (j < count) {
#pragma unroll
                for (int r = 0; r < R; ++r) held[round][g * R + r] = x[slot<Value>(j) + slot<Value>(r * count)];  // slot is additive (above)
            }
        }
    }
    __syncthreads();
#pragma unroll
    for (int round = 0; round < kRounds; ++round) {
        if (round * groups * threads >= count) break;  // the block has no such round
#pragma unroll
        for (int g = 0; g < groups; ++g) {  // one group's R values live at a time
            const int j = pass_column(round, groups, g, threads);
            if (j >= count) continue;
            const int k = j & (ns - 1);
            float2 v[R];
#pragma unroll
            for (int r = 0; r < R; ++r) v[r] = fb::load_value(held[round], g * R + r);
            const float2 w = root<Value>(k, ns * R, kInverse);
            float2 wr = w;
#pragma unroll
            for (int r = 1; r < R; ++r) {
                v[r] = cmul(v[r], wr);
                wr = cmul(wr, w);
            }
            dft<kInverse, R>(v);
            const int base = slot<Value>(fb::span_offset(j, count, ns, R));
#pragma unroll
            for (int p = 0; p < R; ++p) {
                fb::store_value(x, base + slot<Value>(reverse_bits(p, log2_radix<R>()) * ns), v[p]);
            }
        }
    }
    __syncthreads();
}

// Bits of the next pass's radix with tensor cores, bits of the transform left: passes of 256 or
// 128 values in registers (two radix-16 levels each) where they divide what is left, then
// radix 32 (16 and the last radix 2, fused) where 5 bits are left, else radix 16, then one of
// 2, 4 or 8. Without: radix 16, the last pass 2, 4 or 8.
template <bool kTensorCores> __host__ __device__ constexpr int pass_bits(int bits) {
    if (kTensorCores && (bits == 7 || bits == 11 || bits == 14)) return 7;
    if (kTensorCores && bits >= 8) return 8;
    if (kTensorCores && bits == 5) return 5;
    return bits >= 4 ? 4 : bits;
}

// Whether the transform of 2^bits values ends in an fp32 pass of radix 2, 4 or 8 (pass_bits).
template <bool kTensorCores> __host__ __device__ constexpr bool ends_in_small_pass(int bits) {
    while (bits > 0 && pass_bits<kTensorCores>(bits) >= 4) bits -= pass_bits<kTensorCores>(bits);
    return bits > 0;
}

// The 16 x 16 matrices a pass of 2^radix_bits values takes (two for 256, one for 128, 32 or 16).
__host__ __device__ constexpr int pass_levels(int radix_bits) {
    return radix_bits == 8 ? 2 : radix_bits >= 4 ? 1 : 0;
}

// One pass of transform(): radix 2^radix_bits at span ns. fragments: F16's then its inverse's
// (fb::kDft16Table.directions), or with kLearned the direction's learned matrices, one per level
// (setup_learned_fragments), this pass's from its first level on.
template <bool kTensorCores, int kRounds, bool kInverse, bool kLearned = false, typename Value>
__device__ __forceinline__ void transform_pass(Value *x, int n, int ns, int radix_bits, int level,
                                               const fb::Dft16Lanes *fragments, int threads) {
    if constexpr (kTensorCores) {
        const fb::Dft16Lanes *f = kLearned ? fragments + level : fragments + (kInverse ? 1 : 0);
        switch (radix_bits) {
            case 8: fb::stockham_pass16m_mma<16, 2 * kRounds, kLearned>(x, n, ns, kInverse, f, kLearned ? f + 1 : f, slot<Value>, threads); break;
            case 7: fb::stockham_pass16m_mma<8, 4 * kRounds>(x, n, ns, kInverse, f, f, slot<Value>, threads); break;
            case 5: fb::stockham_pass32_mma<kTensorTilesPerRound * kRounds>(x, n, ns, kInverse, f, slot<Value>, threads); break;
            case 4: fb::stockham_pass16_mma<kTensorTilesPerRound * kRounds>(x, n, ns, kInverse, f, slot<Value>, threads); break;
            case 3: stockham_pass<8, kRounds, kInverse>(x, n, ns, threads); break;
            case 2: stockham_pass<4, kRounds, kInverse>(x, n, ns, threads); break;
            default: stockham_pass<2, kRounds, kInverse>(x, n, ns, threads); break;
        }
    } else {
        switch (radix_bits) {
            case 4: stockham_pass<16, kRounds, kInverse>(x, n, ns, threads); break;
            case 3: stockham_pass<8, kRounds, kInverse>(x, n, ns, threads); break;
            case 2: stockham_pass<4, kRounds, kInverse>(x, n, ns, threads); break;
            default: stockham_pass<2, kRounds, kInverse>(x, n, ns, threads); break;
        }
    }
}

// The n-point DFT of x in place (kInverse: with conjugate roots, unscaled). kTensorCores: the
// radix-16 levels as bf16 matrix products (fragments as transform_pass takes them; kLearned:
// the learned matrices of one direction in place of F16, StockhamButterfly's transform).
// kLogN > 0: n = 2^kLogN known when compiled, the passes unrolled with every size and span a
// constant (fewer index instructions); 0: n at run time.
template <bool kTensorCores, int kRounds, bool kInverse, int kLogN = 0, bool kLearned = false, int kDone = 0,
          int kLevel = 0, typename Value>
__device__ __forceinline__ void transform(Value *x, int n, const fb::Dft16Lanes *fragments) {
    if constexpr (kLogN == 0) {
        const int bits = 31 - __clz(n);
        for (int done = 0, level = 0; done < bits;) {
            const int radix_bits = pass_bits<kTensorCores>(bits - done);
            transform_pass<kTensorCores, kRounds, kInverse, kLearned>(x, n, 1 << done, radix_bits, level, fragments,
                                                                      threads_for<kLogN>());
            done += radix_bits;
            level += pass_levels(radix_bits);
        }
    } else if constexpr (kDone < kLogN) {
        constexpr int kBits = pass_bits<kTensorCores>(kLogN - kDone);
        transform_pass<kTensorCores, kRounds, kInverse, kLearned>(x, 1 << kLogN, 1 << kDone, kBits, kLevel, fragments,
                                                                  threads_for<kLogN>());
        transform<kTensorCores, kRounds, kInverse, kLogN, kLearned, kDone + kBits, kLevel + pass_levels(kBits)>(
            x, n, fragments);
    }
}

using fb::kUsesTensorCores;
using fb::SmemValue;

// Rounds of 16 values per thread in a pass over n values: two for the widest bf16 sequences
// (32768 values, 1024 threads), else one. A kernel is compiled for the rounds it runs: a
// two-round form holds twice the values across a pass's barrier and spills (ptxas: 800-1000
// bytes per thread at the 64 registers of a 1024-thread block), which one-round sequences of a
// wide block (16384 values) should not pay for.
__host__ __device__ constexpr int pass_rounds(int n) { return n > kMaxThreads * kValuesPerThread ? 2 : 1; }

// Narrow half-precision blocks (tensor cores, bf16 values in shared memory) hold their kernels to
// 64 registers, two blocks per SM; wide blocks fill the SM's registers on their own.
#define FB_ONCHIP_BOUNDS(T, kWide) \
    __launch_bounds__((kWide) ? kMaxThreads : kNarrowThreads, !(kWide) && kUsesTensorCores<T> ? 2 : 1)

// Bytes of shared memory for n values (16-byte aligned).
template <typename Value> __host__ __device__ constexpr size_t values_bytes(int n) {
    return (static_cast<size_t>(slots<Value>(n)) * sizeof(Value) + 15) / 16 * 16;
}

// Bin i of a kernel spectrum k that carries 1/N (N-point FFT) with the skip D folded in: D u is the
// convolution with D times the unit impulse, whose spectrum is 1 at every bin, so the sequence
// need not be read again for it. D is real: the Hermitian symmetry and the transpose's conjugate hold.
__device__ __forceinline__ float2 spectrum_bin(const float2 *__restrict__ k, int64_t i, float skip_over_n) {
    const float2 v = k[i];
    return make_float2(v.x + skip_over_n, v.y);
}

// The n values in x (published by a barrier) transformed, multiplied by the kernel spectrum k of
// the n-point FFT (n/2 + 1 bins stored, the rest by Hermitian symmetry; transpose: its
// conjugate) plus the skip D (spectrum_bin), and transformed back; ends with a barrier.
template <typename T, int kRounds, int kLogN, typename Value>
__device__ __forceinline__ void convolve_in_place(Value *x, int n, const float2 *__restrict__ k, float skip,
                                                  bool transpose, const fb::Dft16Lanes *fragments) {
    transform<kUsesTensorCores<T>, kRounds, false, kLogN>(x, n, fragments);
    const float skip_over_n = skip * fb::power_of_two_reciprocal(n);
    // Bins f and n - f by one thread: K[n - f] = conj K[f], one load for both; bin 0's thread
    // takes bin n / 2 as its partner (both are their own).
#pragma unroll 4
    for (int f = threadIdx.x; f < n / 2; f += threads_for<kLogN>()) {
        const int partner = f == 0 ? n / 2 : n - f;
        const float2 kf = spectrum_bin(k, f, skip_over_n);
        const float2 kp = f == 0 ? spectrum_bin(k, n / 2, skip_over_n) : fb::conj(kf);
        // conjugated once more for the transpose
        fb::store_value(x, slot<Value>(f), cmul(fb::load_value(x, slot<Value>(f)), transpose ? fb::conj(kf) : kf));
        fb::store_value(x, slot<Value>(partner),
                        cmul(fb::load_value(x, slot<Value>(partner)), transpose ? fb::conj(kp) : kp));
    }
    __syncthreads();
    transform<kUsesTensorCores<T>, kRounds, true, kLogN>(x, n, fragments);
}

// Bin k of the product for one real row of N = 2n values, and bin n - k (below), from Z = FFT_n(z),
// z[j] = u[2j] + i u[2j+1]: zk = Z[k], zp = Z[n - k], w = W_N^k, k_lo and k_hi the kernel's bins
// k and k + n. The even and odd samples' spectra E = (Z[k] + conj Z[n-k]) / 2 and
// O = (Z[k] - conj Z[n-k]) / 2i give u's bins U[k] = E + w O and U[k + n] = E - w O; with
// Y = U K, the result A + iB, A = Y[k] + Y[k+n] and B = conj(w) (Y[k] - Y[k+n]), is bin k of the
// sequence whose n-point inverse transform is y[2j] + i y[2j+1] (K carries 1/N).
// Bin n - k comes with it: its E, O and products are the conjugates of bin k's where k_hi is
// conj K[2n - k] (every bin but 0), so its result is conj(A) + i conj(B): two complex products
// for the pair, not four.
struct RealBinPair {
    float2 bin, partner;
};

__device__ __forceinline__ RealBinPair real_bin_products(float2 zk, float2 zp, float2 w, float2 k_lo, float2 k_hi) {
    const float2 e = make_float2(0.5f * (zk.x + zp.x), 0.5f * (zk.y - zp.y));
    const float2 half_diff = make_float2(0.5f * (zk.x - zp.x), 0.5f * (zk.y + zp.y));
    const float2 wo = cmul(w, make_float2(half_diff.y, -half_diff.x));  // w times half_diff / i
    const float2 y_lo = cmul(fb::cadd(e, wo), k_lo);
    const float2 y_hi = cmul(fb::csub(e, wo), k_hi);
    const float2 a = fb::cadd(y_lo, y_hi);
    const float2 b = cmul(fb::conj(w), fb::csub(y_lo, y_hi));
    return {make_float2(a.x - b.y, a.y + b.x), make_float2(a.x + b.y, b.x - a.y)};
}

// Spectrum values each thread fetches before it forms their products: one device-memory round
// trip per this many bins, not one per bin, where registers allow (a one-block-per-SM kernel has
// nothing else to overlap a load's latency with). Kernels held to 64 registers fetch one at a time:
// more spilled (bf16 Monarch inner step on an H100: 7.2 ms -> 12.6 ms at 8).
template <typename T, bool kWide> constexpr int kPrefetchedBins = !kUsesTensorCores<T> && !kWide ? 8 : 1;

// The products of one real row of 2 size values (size = outer n, K its kernel spectrum with
// size + 1 bins, carrying 1/(2 size), plus the skip D as spectrum_bin folds it) held as inner
// transforms of n complex values: bin
// outer f + o in xa at slot f, its partner bin size - outer f - o in xp at slot n - 1 - f (in xa at
// -f for o = 0, xp = xa when there is no second row). Each thread takes bins f and partner(f)
// together: both products need both values. outer = 1, o = 0: one n-point transform of the
// whole row (convolve_real_in_place). transpose: with K's conjugate. Ends with a barrier.
template <int kPrefetch, typename Value>
__device__ __forceinline__ void real_row_products(Value *xa, Value *xp, int n, int outer, int o, bool two,
                                                  const float2 *__restrict__ k, float skip, bool transpose,
                                                  int threads) {
    const int64_t size = static_cast<int64_t>(outer) * n;
    const float skip_over_n = skip * fb::power_of_two_reciprocal(static_cast<int>(2 * size));
    const int count = two ? n : o == 0 ? n / 2 + 1 : n / 2;
#pragma unroll 1  // unrolled, the loop grows the code without saving a round
    for (int first = threadIdx.x; first < count; first += kPrefetch * threads) {
        float2 k_lo[kPrefetch], k_hi[kPrefetch];
#pragma unroll
        for (int e = 0; e < kPrefetch; ++e) {
            const int f = first + e * threads;
            const int64_t bin = static_cast<int64_t>(outer) * f + o;
            if (f < count) {
                k_lo[e] = spectrum_bin(k, bin, skip_over_n);
                k_hi[e] = spectrum_bin(k, size - bin, skip_over_n);
            }
        }
#pragma unroll
        for (int e = 0; e < kPrefetch; ++e) {
            const int f = first + e * threads;
            if (f >= count) continue;
            const int fp = o == 0 ? (n - f) & (n - 1) : n - 1 - f;
            const int64_t bin = static_cast<int64_t>(outer) * f + o;
            const float2 zi = fb::load_value(xa, slot<Value>(f));
            const float2 zp = fb::load_value(xp, slot<Value>(fp));
            if (transpose) {
                k_lo[e] = fb::conj(k_lo[e]);
                k_hi[e] = fb::conj(k_hi[e]);
            }
            const float2 w = root<Value>(static_cast<int>(bin), static_cast<int>(2 * size), false);  // W_2size^bin
            // bin size + bin is conj(bin size - bin) by Hermitian symmetry, bin size itself for bin 0
            // (which has no partner: f = fp there)
            const RealBinPair products = real_bin_products(zi, zp, w, k_lo[e], bin == 0 ? k_hi[e] : fb::conj(k_hi[e]));
            fb::store_value(xa, slot<Value>(f), products.bin);
            if (two || fp != f) fb::store_value(xp, slot<Value>(fp), products.partner);
        }
    }
    __syncthreads();
}

// The n values in x (published by a barrier), one real row of 2n values packed as above,
// transformed, multiplied by the kernel spectrum k of the 2n-point FFT (n + 1 bins) and
// transformed back to y[2j] + i y[2j+1] (transpose: with the spectrum's conjugate; plus the skip D,
// spectrum_bin); ends with a barrier.
// kLearned: fragments and inverse_fragments hold each direction's learned matrices (else the DFT's,
// both in fragments).
template <typename T, bool kWide, int kRounds, int kLogN, bool kLearned, typename Value>
__device__ __forceinline__ void convolve_real_in_place(Value *x, int n, const float2 *__restrict__ k, float skip,
                                                       bool transpose, const fb::Dft16Lanes *fragments,
                                                       const fb::Dft16Lanes *inverse_fragments) {
    transform<kUsesTensorCores<T>, kRounds, false, kLogN, kLearned>(x, n, fragments);
    real_row_products<kPrefetchedBins<T, kWide>>(x, x, n, 1, 0, false, k, skip, transpose, threads_for<kLogN>());
    transform<kUsesTensorCores<T>, kRounds, true, kLogN, kLearned>(x, n, kLearned ? inverse_fragments : fragments);
}

// kVec = 4 where the length is a multiple of 4 (rows then start 4-element aligned), else 1;
// Value: how shared memory holds the complex values (float2, or bf16x2 on the tensor-core path).
// One round per pass: two rows per block stop at N = 16384 (fb_onchip_conv).
// pre and post (nullptr: none) gate u as it is loaded and y as it is stored (gates.cuh); without
// kGated they are taken as null, so an ungated call pays for no gate checks. kLogN > 0: n is
// 2^kLogN, known when compiled (transform); 0: n as given.
template <typename T, typename Value, int kVec, bool kWide, bool kGated, int kLogN>
__global__ void FB_ONCHIP_BOUNDS(T, kWide) onchip_conv(const T *__restrict__ u, const float2 *__restrict__ spectrum,
                            const float *__restrict__ d, const T *__restrict__ pre,
                            const T *__restrict__ post, T *__restrict__ y, int64_t batch,
                            int64_t channels, int64_t length, int n, bool transpose) {
    if constexpr (!kGated) pre = post = nullptr;
    assume_sized_block<kLogN>();
    if constexpr (kLogN > 0) n = 1 << kLogN;
    extern __shared__ float4 smem[];  // slots(n) values
    Value *x = reinterpret_cast<Value *>(smem);
    const fb::Dft16Lanes *fragments = fb::kDft16Table.directions;
    const int threads = threads_for<kLogN>();
    const ChannelPart work = block_work((batch + 1) / 2);
    const int64_t h = work.channel;
    const int64_t b0 = 2 * work.part;
    const bool pair = b0 + 1 < batch;
    const int64_t row0 = (b0 * channels + h) * length;  // where each row starts in u, the gates and y
    const int64_t row1 = row0 + channels * length;
    const T *u0 = u + row0;
    const T *u1 = u + row1;

    using Group = fb::Elements<T, kVec>;
    using Gate = fb::GateGroup<T, kVec>;
#pragma unroll 4  // several global loads in flight per thread
    for (int t = kVec * threadIdx.x; t < n; t += kVec * threads) {
        if (t >= length) {  // zero padding: nothing to load or convert
#pragma unroll
            for (int i = 0; i < kVec; ++i) fb::store_value(x, slot<Value>(t) + i, make_float2(0.0f, 0.0f));
            continue;
        }
        Group a = *reinterpret_cast<const Group *>(u0 + t), b{};
        if (pair) b = *reinterpret_cast<const Group *>(u1 + t);
        const Gate pre_a(pre, row0 + t), pre_b(pre, row1 + t, pair);
#pragma unroll
        for (int i = 0; i < kVec; ++i) {
            fb::store_value(x, slot<Value>(t) + i, make_float2(fb::to_float(a.v[i]) * pre_a[i],
                                                        fb::to_float(b.v[i]) * pre_b[i]));
        }
    }
    __syncthreads();
    convolve_in_place<T, 1, kLogN, Value>(x, n, spectrum + h * (n / 2 + 1), d != nullptr ? d[h] : 0.0f, transpose,
                                          fragments);

    T *y0 = y + row0;
    T *y1 = y + row1;
#pragma unroll 4
    for (int t = kVec * threadIdx.x; t < length; t += kVec * threads) {
        Group out0, out1;
        const Gate post_a(post, row0 + t), post_b(post, row1 + t, pair);
#pragma unroll
        for (int i = 0; i < kVec; ++i) {
            const float2 v = fb::load_value(x, slot<Value>(t) + i);
            out0.v[i] = fb::from_float<T>(v.x * post_a[i]);
            out1.v[i] = fb::from_float<T>(v.y * post_b[i]);
        }
        *reinterpret_cast<Group *>(y0 + t) = out0;
        if (pair) *reinterpret_cast<Group *>(y1 + t) = out1;
    }
}

// Row row of u (batch row times channels plus channel) as n complex values u[2j] + i u[2j+1]
// (convolve_real_in_place), by the block, its values at the start of shared memory (fragments
// and kLearned as convolve_real_in_place takes them).
// kVec = 4 moves two complex values per access (length a multiple of 4, rows 4-element aligned),
// kVec = 1 one real value; kRounds = pass_rounds(n). pre and post as in onchip_conv.
template <typename T, typename Value, int kVec, bool kWide, int kRounds, int kLogN, bool kLearned>
__device__ __forceinline__ void convolve_real_row(float4 *smem, const T *__restrict__ u,
                                                  const float2 *__restrict__ spectrum, const float *__restrict__ d,
                                                  const T *__restrict__ pre, const T *__restrict__ post,
                                                  T *__restrict__ y, int64_t row, int64_t channels, int64_t length,
                                                  int n, bool transpose, const fb::Dft16Lanes *fragments,
                                                  const fb::Dft16Lanes *inverse_fragments) {
    Value *x = reinterpret_cast<Value *>(smem);
    const int64_t h = row % channels;
    const int64_t first = row * length;  // where the row starts in u, the gates and y
    const T *ur = u + first;
    T *yr = y + first;
    // D u: in the spectrum for the DFT (spectrum_bin); a learned transform does not take the unit
    // impulse to ones, so there it is added as y is stored (u read again).
    const float skip = d != nullptr ? d[h] : 0.0f;
    const float spectrum_skip = kLearned ? 0.0f : skip;
    const bool skip_at_store = kLearned && d != nullptr;
    const int threads = threads_for<kLogN>();
    if constexpr (kVec == 4) {
        using Group = fb::Elements<T, 4>;
        using Gate = fb::GateGroup<T, 4>;
#pragma unroll 4
        for (int t = 4 * threadIdx.x; t < 2 * n; t += 4 * threads) {
            Group a{};  // zero padding past the length
            if (t < length) a = *reinterpret_cast<const Group *>(ur + t);
            const Gate g(pre, first + t, t < length);
            fb::store_value(x, slot<Value>(t >> 1), make_float2(fb::to_float(a.v[0]) * g[0], fb::to_float(a.v[1]) * g[1]));
            fb::store_value(x, slot<Value>(t >> 1) + 1, make_float2(fb::to_float(a.v[2]) * g[2], fb::to_float(a.v[3]) * g[3]));
        }
        __syncthreads();
        convolve_real_in_place<T, kWide, kRounds, kLogN, kLearned, Value>(x, n, spectrum + h * (n + 1), spectrum_skip,
                                                                   transpose, fragments, inverse_fragments);
#pragma unroll 4
        for (int t = 4 * threadIdx.x; t < length; t += 4 * threads) {
            Group out;
            const Gate p(post, first + t);
            float2 v0 = fb::load_value(x, slot<Value>(t >> 1));
            float2 v1 = fb::load_value(x, slot<Value>(t >> 1) + 1);
            if (skip_at_store) {
                const Group a = *reinterpret_cast<const Group *>(ur + t);
                const Gate g(pre, first + t);
                v0 = make_float2(v0.x + skip * fb::to_float(a.v[0]) * g[0], v0.y + skip * fb::to_float(a.v[1]) * g[1]);
                v1 = make_float2(v1.x + skip * fb::to_float(a.v[2]) * g[2], v1.y + skip * fb::to_float(a.v[3]) * g[3]);
            }
            out.v[0] = fb::from_float<T>(v0.x * p[0]);
            out.v[1] = fb::from_float<T>(v0.y * p[1]);
            out.v[2] = fb::from_float<T>(v1.x * p[2]);
            out.v[3] = fb::from_float<T>(v1.y * p[3]);
            *reinterpret_cast<Group *>(yr + t) = out;
        }
    } else {
        // v = pre * u at t (zero past the length)
        auto input = [&](int64_t t) { return t < length ? fb::to_float(ur[t]) * fb::gate_factor(pre, first + t) : 0.0f; };
        for (int j = threadIdx.x; j < n; j += threads) {
            const int64_t t = 2 * static_cast<int64_t>(j);
            fb::store_value(x, slot<Value>(j), make_float2(input(t), input(t + 1)));
        }
        __syncthreads();
        convolve_real_in_place<T, kWide, kRounds, kLogN, kLearned, Value>(x, n, spectrum + h * (n + 1), spectrum_skip,
                                                                   transpose, fragments, inverse_fragments);
        for (int j = threadIdx.x; 2 * static_cast<int64_t>(j) < length; j += threads) {
            const int64_t t = 2 * static_cast<int64_t>(j);
            const float2 v = fb::load_value(x, slot<Value>(j));
            const float2 w = skip_at_store ? make_float2(v.x + skip * input(t), v.y + skip * input(t + 1)) : v;
            yr[t] = fb::from_float<T>(w.x * fb::gate_factor(post, first + t));
            if (t + 1 < length) yr[t + 1] = fb::from_float<T>(w.y * fb::gate_factor(post, first + t + 1));
        }
    }
}

// onchip_conv_real's kernel: convolve_real_row with the DFT. kGated and kLogN as in onchip_conv.
template <typename T, typename Value, int kVec, bool kWide, int kRounds, bool kGated, int kLogN>
__global__ void FB_ONCHIP_BOUNDS(T, kWide) onchip_conv_real(const T *__restrict__ u,
                            const float2 *__restrict__ spectrum, const float *__restrict__ d,
                            const T *__restrict__ pre, const T *__restrict__ post,
                            T *__restrict__ y, int64_t batch, int64_t channels, int64_t length, int n,
                            bool transpose) {
    if constexpr (!kGated) pre = post = nullptr;
    assume_sized_block<kLogN>();
    if constexpr (kLogN > 0) n = 1 << kLogN;
    extern __shared__ float4 smem[];
    const fb::Dft16Lanes *fragments = fb::kDft16Table.directions;
    const ChannelPart work = block_work(batch);
    convolve_real_row<T, Value, kVec, kWide, kRounds, kLogN, false>(smem, u, spectrum, d, pre, post, y,
                                                                     work.part * channels + work.channel, channels,
                                                                     length, n, transpose, fragments, fragments);
}

// Shared memory of the learned kernels for n values: the values, then the learned matrices'
// fragments, levels per direction, for one or two directions.
template <typename Value> __host__ __device__ constexpr size_t learned_smem_bytes(int n, int levels, int directions) {
    return values_bytes<Value>(n) + static_cast<size_t>(directions * levels) * sizeof(fb::Dft16Lanes);
}

// The learned matrices' fragments after the values, [directions][levels][32]: the forward
// transform's levels (forward: levels 16 x 16 complex fp32 matrices, (re, im) pairs), then the
// inverse's unless inverse is null; the caller's next barrier publishes them.
template <typename Value>
__device__ __forceinline__ const fb::Dft16Lanes *setup_learned_fragments(float4 *smem, int n,
                                                                         const float *__restrict__ forward,
                                                                         const float *__restrict__ inverse,
                                                                         int levels) {
    auto *fragments = reinterpret_cast<fb::Dft16Lanes *>(reinterpret_cast<char *>(smem) + values_bytes<Value>(n));
    fb::set_learned_lanes(fragments, (inverse != nullptr ? 64 : 32) * levels, levels, forward, inverse, false);
    return fragments;
}

// Whether the learned kernels' shared memory for n values of T fits smem_limit bytes per block.
template <typename T> bool learned_fits(int n, int levels, int smem_limit) {
    const size_t bytes = n < kCompactFrom ? learned_smem_bytes<float2>(n, levels, 2)
                                          : learned_smem_bytes<SmemValue<T>>(n, levels, 2);
    return bytes <= static_cast<size_t>(smem_limit);
}

// Whether onchip_conv_learned's blocks take several batch rows: where a block is one warp (n <= 512)
// and its form is compiled for its size or holds float2 values (n < kCompactFrom). There the
// fragments' set-up was an eighth of a row's time (L = 256); elsewhere the loop cost registers.
__host__ __device__ constexpr bool learned_several_rows(int n, bool sized_or_float2) {
    return sized_or_float2 && n <= 32 * kValuesPerThread;
}

// The learned convolution (StockhamButterfly): onchip_conv_real with each radix-16 level's
// learned matrix, group h's (groups 1: shared by the channels), levels per direction; the
// spectrum from learned_spectrum. Ungated. Block h splits + split takes the batch rows split,
// split + splits, ... of channel h (block_work). Where learned_several_rows holds, those are
// several rows, which share the matrices' fragments set up once; elsewhere splits = batch and a
// block takes one row.
template <typename T, typename Value, int kVec, bool kWide, int kRounds, int kLogN>
__global__ void FB_ONCHIP_BOUNDS(T, kWide) onchip_conv_learned(const T *__restrict__ u,
                            const float2 *__restrict__ spectrum, const float *__restrict__ d,
                            T *__restrict__ y, int64_t batch, int64_t channels, int64_t length, int n,
                            const float *__restrict__ forward, const float *__restrict__ inverse, int levels,
                            int groups, int splits) {
    assume_sized_block<kLogN>();
    if constexpr (kLogN > 0) n = 1 << kLogN;
    constexpr bool kSeveralRows = learned_several_rows(kLogN > 0 ? 1 << kLogN : kCompactFrom / 2,
                                                       kLogN > 0 || std::is_same_v<Value, float2>);
    extern __shared__ float4 smem[];
    const ChannelPart work = block_work(splits);
    const int64_t h = work.channel;
    const int64_t group = groups == 1 ? 0 : h;
    const fb::Dft16Lanes *fragments = setup_learned_fragments<Value>(smem, n, forward + group * levels * 512,
                                                                     inverse + group * levels * 512, levels);
    if constexpr (kSeveralRows) {
        for (int64_t b = work.part; b < batch; b += splits) {
            if (b >= splits) __syncthreads();  // the last row's reads of the values are done
            convolve_real_row<T, Value, kVec, kWide, kRounds, kLogN, true>(smem, u, spectrum, d, nullptr, nullptr, y,
                                                                            b * channels + h, channels, length, n,
                                                                            false, fragments, fragments + levels);
        }
    } else {
        convolve_real_row<T, Value, kVec, kWide, kRounds, kLogN, true>(smem, u, spectrum, d, nullptr, nullptr, y,
                                                                        work.part * channels + h, channels, length,
                                                                        n, false, fragments, fragments + levels);
    }
}

// x[j] = row[2j] + i row[2j+1] for j < n (one real row as n complex values), zero past length.
template <typename T, typename Value> __device__ __forceinline__ void pack_row(Value *x, const T *row, int64_t length, int n) {
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        const int64_t t = 2 * static_cast<int64_t>(j);
        fb::store_value(x, slot<Value>(j), make_float2(t < length ? fb::to_float(row[t]) : 0.0f,
                                                t + 1 < length ? fb::to_float(row[t + 1]) : 0.0f));
    }
}

// The learned convolution's spectrum, one channel per block: k's row (fp32, taps values) packed
// as n complex values, transformed with group h's learned forward matrices, split into bins
// f = 0..n of a real 2n-point transform, K[f] = (E + W_2n^f O) / 2n with
// E = (Z[f] + conj Z[n-f]) / 2, O = (Z[f] - conj Z[n-f]) / 2i (StockhamButterfly's split).
template <typename T, typename Value, bool kWide, int kRounds>
__global__ void FB_ONCHIP_BOUNDS(T, kWide) learned_spectrum(const float *__restrict__ k, int64_t taps, int n,
                                                            const float *__restrict__ forward, int levels,
                                                            int groups, float2 *__restrict__ spectrum) {
    extern __shared__ float4 smem[];
    Value *x = reinterpret_cast<Value *>(smem);
    const int64_t h = blockIdx.x;
    const int64_t group = groups == 1 ? 0 : h;
    const fb::Dft16Lanes *fragments = setup_learned_fragments<Value>(smem, n, forward + group * levels * 512,
                                                                     nullptr, levels);
    pack_row(x, k + h * taps, taps, n);
    __syncthreads();
    transform<true, kRounds, false, 0, true>(x, n, fragments);
    const float scale = 0.5f / static_cast<float>(n);
    for (int f = threadIdx.x; f <= n; f += blockDim.x) {
        const float2 za = fb::load_value(x, slot<Value>(f & (n - 1)));
        const float2 zb = fb::load_value(x, slot<Value>((n - f) & (n - 1)));
        const float2 e = make_float2(0.5f * (za.x + zb.x), 0.5f * (za.y - zb.y));
        const float2 o = make_float2(0.5f * (za.y + zb.y), -0.5f * (za.x - zb.x));
        const float2 wo = cmul(fb::exact_root(f, 2 * n), o);  // W_2n^f o
        spectrum[h * (n + 1) + f] = make_float2(scale * (e.x + wo.x), scale * (e.y + wo.y));
    }
}

// The inner step of the Monarch convolution (monarch_conv.cu), each row of u as outer * n complex
// values u[2j] + i u[2j+1]: the real-row product needs bin size - k beside bin k, and bin
// outer f + o lies in the row of offset o, its partner in the row of offset outer - o at
// n - 1 - f (offset 0: in the row itself at -f, offset outer / 2: at n - 1 - f). So block
// (row, o) takes the inner rows of offsets o and outer - o, for o from 0 to outer / 2; the blocks
// of one channel's rows run together (block_work). kLogN as in onchip_conv.
template <typename T, bool kWide, int kLogN>
__global__ void FB_ONCHIP_BOUNDS(T, kWide) monarch_inner(SmemValue<T> *__restrict__ z,
                            const float2 *__restrict__ spectrum, const float *__restrict__ d, int64_t batch,
                            int64_t channels, int n, int outer1, int outer2, bool transpose) {
    using Value = SmemValue<T>;
    if constexpr (kLogN > 0) n = 1 << kLogN;
    extern __shared__ float4 smem[];
    SmemValue<T> *xa = reinterpret_cast<SmemValue<T> *>(smem);
    SmemValue<T> *xb = xa + slots<Value>(n);
    const fb::Dft16Lanes *fragments = fb::kDft16Table.directions;
    const int outer = outer1 * outer2;
    const int threads = threads_for<kLogN>();
    const int pairs = outer / 2 + 1;  // blocks per row of u
    const ChannelPart work = block_work(batch * pairs);
    const int64_t h = work.channel;
    const int64_t row = static_cast<int64_t>(work.part / pairs) * channels + h;  // of u
    const int oa = static_cast<int>(work.part % pairs);
    const int ob = (outer - oa) & (outer - 1);
    const bool two = ob != oa;  // uniform over the block
    const int64_t size = static_cast<int64_t>(outer) * n;
    // offset q1 + outer1 q2 is inner row q1 outer2 + q2 (the outer steps' order)
    SmemValue<T> *za = z + (row * outer + (oa % outer1) * outer2 + oa / outer1) * n;
    SmemValue<T> *zb = z + (row * outer + (ob % outer1) * outer2 + ob / outer1) * n;
    {
        // every load in flight before the first store (at most kValuesPerThread values of a row per thread)
        SmemValue<T> a[kValuesPerThread], b[kValuesPerThread];
#pragma unroll
        for (int c = 0; c < kValuesPerThread; ++c) {
            const int i = threadIdx.x + c * threads;
            if (i < n) {
                a[c] = za[i];
                if (two) b[c] = zb[i];
            }
        }
#pragma unroll
        for (int c = 0; c < kValuesPerThread; ++c) {
            const int i = threadIdx.x + c * threads;
            if (i < n) {
                xa[slot<Value>(i)] = a[c];
                if (two) xb[slot<Value>(i)] = b[c];
            }
        }
    }
    __syncthreads();
    constexpr int kR = 1;  // n is at most half a block's longest sequence: one round of 16 values per thread
    transform<kUsesTensorCores<T>, kR, false, kLogN>(xa, n, fragments);
    if (two) transform<kUsesTensorCores<T>, kR, false, kLogN>(xb, n, fragments);
    real_row_products<kPrefetchedBins<T, kWide>>(xa, two ? xb : xa, n, outer, oa, two, spectrum + h * (size + 1),
                                                 d != nullptr ? d[h] : 0.0f, transpose, threads);
    transform<kUsesTensorCores<T>, kR, true, kLogN>(xa, n, fragments);
    if (two) transform<kUsesTensorCores<T>, kR, true, kLogN>(xb, n, fragments);
    for (int i = threadIdx.x; i < n; i += threads) {
        za[i] = xa[slot<Value>(i)];
        if (two) zb[i] = xb[slot<Value>(i)];
    }
}

// The sums of v.x and v.y over the block's threads, returned to every thread (scratch: 32
// float2; the caller's next barrier may reuse it).
__device__ __forceinline__ float2 block_sum(float2 v, float2 *scratch) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        v.x += __shfl_xor_sync(0xffffffffu, v.x, offset);
        v.y += __shfl_xor_sync(0xffffffffu, v.y, offset);
    }
    if (threadIdx.x % 32 == 0) scratch[threadIdx.x / 32] = v;
    __syncthreads();
    float2 total = make_float2(0.0f, 0.0f);
    for (int w = 0; w < static_cast<int>(blockDim.x) / 32; ++w) total = fb::cadd(total, scratch[w]);
    __syncthreads();
    return total;
}

// dk's rows, one channel per block: the batch's cross spectrum sum_b conj(U_b) DY_b of n-point FFTs
// (u_b + i s dy_b transformed as one complex sequence, U_b and s DY_b split from it by symmetry),
// summed in shared memory after the values, transformed back: rows[h][j] = the circular
// correlation sum_b sum_t dy_b[t] u_b[t - j] of the zero-padded rows. u and dy are each read once.
// Everything is fp32 whatever T (dk keeps an fp32 kernel's precision): transforms in registers
// and shared memory, no tensor cores. s = |u_b| / |dy_b| gives both halves of the packed
// sequence the same scale: a transform's rounding is relative to the whole sequence, and a
// gradient dy can be orders of magnitude smaller than u.
template <typename T, int kVec, bool kWide>
__global__ void FB_ONCHIP_BOUNDS(float, kWide) onchip_kernel_grad(const T *__restrict__ u, const T *__restrict__ dy,
                                                                  float *__restrict__ rows, int64_t batch,
                                                                  int64_t channels, int64_t length, int n) {
    using Value = float2;
    extern __shared__ float4 smem[];
    float2 *x = reinterpret_cast<float2 *>(smem);
    auto *sum = reinterpret_cast<float2 *>(reinterpret_cast<char *>(smem) + values_bytes<float2>(n));  // n/2 + 1 bins
    float2 *scratch = sum + n / 2 + 1;
    constexpr int kR = 1;  // n / 16 <= the block's threads (kernel_grad_max_sequence)
    const int64_t h = blockIdx.x;
    for (int f = threadIdx.x; f <= n / 2; f += blockDim.x) sum[f] = make_float2(0.0f, 0.0f);
    using Group = fb::Elements<T, kVec>;
    for (int64_t b = 0; b < batch; ++b) {
        const T *ub = u + (b * channels + h) * length;
        const T *dyb = dy + (b * channels + h) * length;
        float u_squares = 0.0f, dy_squares = 0.0f;
#pragma unroll 4  // several global loads in flight per thread
        for (int t = kVec * threadIdx.x; t < n; t += kVec * blockDim.x) {
            Group a{}, g{};  // zero padding past the length
            if (t < length) {
                a = *reinterpret_cast<const Group *>(ub + t);
                g = *reinterpret_cast<const Group *>(dyb + t);
            }
#pragma unroll
            for (int i = 0; i < kVec; ++i) {
                const float2 v = make_float2(fb::to_float(a.v[i]), fb::to_float(g.v[i]));
                u_squares += v.x * v.x;
                dy_squares += v.y * v.y;
                x[slot<Value>(t) + i] = v;
            }
        }
        const float2 squares = block_sum(make_float2(u_squares, dy_squares), scratch);  // |u_b|^2, |dy_b|^2
        const float s = squares.x > 0.0f && squares.y > 0.0f ? sqrtf(squares.x / squares.y) : 1.0f;
        for (int t = kVec * threadIdx.x; t < n; t += kVec * blockDim.x) {  // the values this thread stored
#pragma unroll
            for (int i = 0; i < kVec; ++i) x[slot<Value>(t) + i].y *= s;
        }
        __syncthreads();
        transform<false, kR, false>(x, n, nullptr);
        const float half_over_s = 0.5f / s;
        for (int f = threadIdx.x; f <= n / 2; f += blockDim.x) {  // each thread owns its bins of sum
            const float2 zk = x[slot<Value>(f)];
            const float2 zp = x[slot<Value>((n - f) & (n - 1))];
            const float2 uf = make_float2(0.5f * (zk.x + zp.x), 0.5f * (zk.y - zp.y));  // (Z[f] + conj Z[n-f]) / 2
            // DY = (Z[f] - conj Z[n-f]) / 2i / s
            const float2 dyf = make_float2(half_over_s * (zk.y + zp.y), half_over_s * (zp.x - zk.x));
            sum[f] = fb::cadd(sum[f], cmul(fb::conj(uf), dyf));
        }
        __syncthreads();  // x is loaded again
    }
    for (int f = threadIdx.x; f < n; f += blockDim.x) x[slot<Value>(f)] = f <= n / 2 ? sum[f] : fb::conj(sum[n - f]);
    __syncthreads();
    transform<false, kR, true>(x, n, nullptr);
    const float scale = 1.0f / static_cast<float>(n);
    float *row = rows + h * n;
    for (int t = threadIdx.x; t < n; t += blockDim.x) row[t] = x[slot<Value>(t)].x * scale;
}

constexpr bool wide_block(int n) { return block_threads(n) > kNarrowThreads; }

// Launches one of the kernels above (its wide form where wide_block(n)) with sequences of n values:
// its threads, smem bytes of shared memory, all of L1 as shared memory (else the driver may fit
// one block per SM).
template <typename Kernel, typename... Args>
cudaError_t launch_with_smem(Kernel kernel, int64_t blocks, int n, size_t smem, cudaStream_t stream, Args... args) {
    return fb::launch_reserved(kernel, blocks, block_threads(n), static_cast<int>(smem), true, stream, args...);
}

// Launches one of the kernels above (its wide form where wide_block(n)) with sequences of n values,
// rows of them per block: its threads, its shared memory, all of L1 as shared memory (else the
// driver may fit one block per SM).
template <typename Value, typename Kernel, typename... Args>
cudaError_t launch_on_chip(Kernel kernel, int64_t blocks, int n, int rows, cudaStream_t stream, Args... args) {
    return launch_with_smem(kernel, blocks, n, values_bytes<Value>(rows * n), stream, args...);
}

// The longest complex sequence of T a block holds on a device with smem_limit bytes of shared
// memory per block.
template <typename T> int max_sequence(int smem_limit) {
    int n = kUsesTensorCores<T> ? fb::kMaxSequence : fb::kMaxSequence / 2;
    while (n > 2 && values_bytes<SmemValue<T>>(n) > static_cast<size_t>(smem_limit)) n /= 2;
    return n;
}

// Shared memory of onchip_kernel_grad for n values: the values, the sum's n/2 + 1 bins, block_sum's
// scratch (no DFT fragments: its transforms are fp32 ones).
constexpr size_t kernel_grad_smem_bytes(int n) {
    return values_bytes<float2>(n) + static_cast<size_t>(n / 2 + 1) * sizeof(float2) + 32 * sizeof(float2);
}

// The longest sequence onchip_kernel_grad takes with smem_limit bytes per block: one round of 16
// values per thread of the widest block at most.
int kernel_grad_max_sequence(int smem_limit) {
    int n = kMaxThreads * kValuesPerThread;
    while (n > 2 && kernel_grad_smem_bytes(n) > static_cast<size_t>(smem_limit)) n /= 2;
    return n;
}

}  // namespace
