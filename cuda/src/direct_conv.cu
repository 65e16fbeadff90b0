// The convolution of short sequences as a product with the kernel's Toeplitz matrix on tensor
// cores: y[b][n] = sum over j <= n of v[b][j] k[n - j], v = pre * u, one GEMM per channel with the
// batch as rows; transposed (the backward's du), y[b][n] = sum over j >= n of v[b][j] k[j - n]. Its multiply-adds grow as L^2 where the transforms' grow as L log L, but they are
// tensor-core products with no index arithmetic between them, where the on-chip kernels are bound
// by instruction issue at short L: AUTO times both per shape (bench/results/2026-12-07j has the
// first form's timings, slower than the on-chip kernel).
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "elements.cuh"
#include "flashbutterfly.h"
#include "direct_tiles.cuh"
#include "gates.cuh"
#include "launch.cuh"
#include "mma.cuh"

namespace {

using fb::to_float;
template <typename T> using Group = fb::Group8<T>;

// A warp's output tile: 8 column groups of 8 positions (the n of mma.m16n8k16) by its block's rows.
constexpr int kGroups = 8;
constexpr int kTileColumns = 8 * kGroups;
// Sequences are padded to pairs of tiles, so a warp takes tile w and its mirror (the causal
// product's work grows along the sequence; a pair of mirrored tiles is the same work for every warp).
constexpr int kPadding = 2 * kTileColumns;
constexpr int kMaxLength = 2048;
// Up to 8 warps a block, each with one pair of tiles or, past 8 pairs, two: three blocks of 256
// threads at 80 registers share an SM (one block of 512 would hold it alone).
constexpr int kMaxWarps = 8;
constexpr int kMinBlocks = 3;
static_assert(kMaxLength / kPadding <= 2 * kMaxWarps, "a warp takes at most two pairs of tiles");
// A block's batch rows: the m of mma.m16n8k16 (32 rows, two tiles, were slower in every shape timed).
constexpr int kRows = 16;

template <typename T> using Pair = fb::Elements<T, 2>;
template <typename T> using Quad = fb::Elements<T, 4>;

// y at n.. n + 3 (n a multiple of 4, n < length) of the row at base, times the gate post where there
// is one: one 8-byte access where length is a multiple of 4, else element by element within the row.
template <typename T>
__device__ __forceinline__ void store_quad(T *y, const T *post, int64_t base, int n, int length,
                                           const float (&out)[4]) {
    if (length % 4 == 0) {
        const fb::GateGroup<T, 4> gate(post, base + n);
        Quad<T> quad;
#pragma unroll
        for (int e = 0; e < 4; e++) quad.v[e] = fb::from_float<T>(out[e] * gate[e]);
        *reinterpret_cast<Quad<T> *>(y + base + n) = quad;
        return;
    }
#pragma unroll
    for (int e = 0; e < 4; e++) {
        if (n + e < length) y[base + n + e] = fb::from_float<T>(out[e] * fb::gate_factor(post, base + n + e));
    }
}

// Shared memory: v as rows of `stride` elements (the padded length + 8, so ldmatrix's 8 rows fall
// in 8 different bank groups), then the kernel twice as pairs of elements: copy c's word w holds
// q[2w + c], q[2w + c + 1], 0 outside k, with q[i] = k[origin - i] for the convolution (the
// reversed kernel, origin = padded - 1) and q[i] = k[i - origin] for its transpose (origin =
// kTileColumns). A B fragment (rows k0 + 2t + e, column n0 + g: k[n0 + g - k0 - 2t - e], or
// k[k0 + 2t + e - n0 - g] transposed) is then one aligned word per register, from the copy of the
// lane's parity.
struct Layout {
    int stride, kernel_words, kernel_offset, bytes;
    __host__ __device__ Layout(int rows, int padded, int element_bytes, bool transposed) {
        stride = padded + 8;
        // the words a fragment reaches, + 16: the second copy 16 banks from the first
        kernel_words = padded / 2 + (transposed ? 48 : 16);
        kernel_offset = (rows * stride * element_bytes + 15) / 16 * 16;
        bytes = kernel_offset + 2 * kernel_words * 4;
    }
};

template <typename T, bool kTransposed>
__global__ void __launch_bounds__(kMaxWarps * 32, kMinBlocks)
    direct_conv_kernel(const T *__restrict__ u, const float *__restrict__ rows, int64_t row_stride, int taps,
                       float scale, const float *__restrict__ d, const T *__restrict__ pre,
                       const T *__restrict__ post, T *__restrict__ y, int batch, int channels, int length,
                       int padded) {
    extern __shared__ __align__(16) unsigned char smem[];
    const Layout layout(kRows, padded, sizeof(T), kTransposed);
    T *v = reinterpret_cast<T *>(smem);
    uint32_t *kernel_words = reinterpret_cast<uint32_t *>(smem + layout.kernel_offset);
    const int channel = blockIdx.x % channels, first_row = blockIdx.x / channels * kRows;
    const int thread = threadIdx.x, threads = blockDim.x;

    // v = pre * u in groups of 8 elements: the block's kRows rows of padded / 8 groups, taken in
    // order, `threads` groups a pass. Threads are at least padded / 8 (a warp per one or two pairs
    // of tiles), so there are kRows passes at most. Where length is a multiple of 8, u travels to
    // shared memory by asynchronous 16-byte copies (no registers held) while the kernel's and the
    // gate's loads are issued; other lengths load element by element.
    const int groups = padded / 8;
    const int load_passes = (kRows * groups + threads - 1) / threads;
    struct Place {
        int row, n;
    };
    const Place first_place{thread / groups, thread % groups * 8};
    const Place advance{threads / groups, threads % groups * 8};
    auto next = [&](Place place) {
        place.row += advance.row;
        place.n += advance.n;
        if (place.n >= padded) {
            place.n -= padded;
            place.row++;
        }
        return place;
    };
    // the offset of the group's elements in u, or -1 past the rows or the data
    auto offset = [&](const Place &place) {
        const int b = first_row + place.row;
        return place.row < kRows && b < batch && place.n < length
                   ? (static_cast<int64_t>(b) * channels + channel) * length + place.n
                   : int64_t{-1};
    };
    auto slot = [&](const Place &place) { return reinterpret_cast<Group<T> *>(v + place.row * layout.stride + place.n); };
    auto gated = [&](Group<T> group, const Group<T> &gate) {
#pragma unroll
        for (int e = 0; e < 8; e++) group.v[e] = fb::from_float<T>(to_float(group.v[e]) * to_float(gate.v[e]));
        return group;
    };
    const bool aligned = length % 8 == 0;
    if (aligned) {
        Place place = first_place;
#pragma unroll
        for (int pass = 0; pass < kRows; pass++, place = next(place)) {
            if (pass == load_passes) break;
            if (place.row >= kRows) continue;
            const int64_t at = offset(place);
            fb::copy_16_async(slot(place), u + (at < 0 ? 0 : at), at >= 0);
        }
        fb::commit_async_copies();
    } else {
        Place place = first_place;
        for (int pass = 0; pass < load_passes; pass++, place = next(place)) {
            if (place.row >= kRows) continue;
            const int64_t at = offset(place);
            Group<T> group = at < 0 ? Group<T>{} : fb::load_group(u, at, place.n, length);
            if (pre != nullptr) group = gated(group, at < 0 ? Group<T>{} : fb::load_group(pre, at, place.n, length));
            *slot(place) = group;
        }
    }
    const float *kernel = rows + channel * row_stride;
    const int origin = kTransposed ? kTileColumns : padded - 1;
    auto tap = [&](int i) {
        const int j = kTransposed ? i - origin : origin - i;
        return j >= 0 && j < taps ? scale * kernel[j] : 0.0f;
    };
    // 2 * kernel_words words (padded + 32, transposed padded + 96), their taps loaded five passes
    // at a time before they are stored
    constexpr int kWordPasses = 5;
    for (int w0 = 0; w0 < 2 * layout.kernel_words; w0 += kWordPasses * threads) {
        float pairs[kWordPasses][2];
#pragma unroll
        for (int pass = 0; pass < kWordPasses; pass++) {
            const int w = w0 + thread + pass * threads;
            const int copy = w >= layout.kernel_words, i = 2 * (w - copy * layout.kernel_words) + copy;
            pairs[pass][0] = tap(i);
            pairs[pass][1] = tap(i + 1);
        }
#pragma unroll
        for (int pass = 0; pass < kWordPasses; pass++) {
            const int w = w0 + thread + pass * threads;
            if (w < 2 * layout.kernel_words) kernel_words[w] = fb::pack2<T>(pairs[pass][0], pairs[pass][1]);
        }
    }
    if (aligned) {
        // each thread gates the groups it copied itself: waiting for its own copies is enough
        fb::wait_async_copies();
        if (pre != nullptr) {
            // the gate's loads issued four passes at a time, after the kernel's words
            constexpr int kRound = 4;
            Place place = first_place;
            for (int first = 0; first < load_passes; first += kRound) {
                Place places[kRound];
                Group<T> gates[kRound];
#pragma unroll
                for (int r = 0; r < kRound; r++, place = next(place)) {
                    places[r] = place;
                    const int64_t at = first + r < load_passes ? offset(place) : -1;
                    gates[r] = fb::GateGroup<T, 8>(pre, at, at >= 0).factors;
                }
#pragma unroll
                for (int r = 0; r < kRound; r++) {
                    if (first + r >= load_passes || places[r].row >= kRows) continue;
                    *slot(places[r]) = gated(*slot(places[r]), gates[r]);
                }
            }
        }
    }
    __syncthreads();

    const int lane = thread % 32, warp = thread / 32, g = lane / 4, t = lane % 4;
    const int copy = (origin - g) & 1;
    // The lane's B word for column group n0 and rows k0: at (origin - g + 2t - copy) / 2 - (n0 - k0) / 2.
    const uint32_t *b_words = kernel_words + copy * layout.kernel_words + ((origin - g + 2 * t - copy) >> 1);
    const uint32_t v_address = static_cast<uint32_t>(__cvta_generic_to_shared(v)) +
                               ((lane & 15) * layout.stride + (lane >> 4) * 8) * sizeof(T);
    const float skip = d != nullptr ? d[channel] : 0.0f;
    const int tiles = padded / kTileColumns;

    for (int tile_pair = warp; tile_pair < tiles / 2; tile_pair += threads / 32) {
        for (int side = 0; side < 2; side++) {
            const int tile = side == 0 ? tile_pair : tiles - 1 - tile_pair, c0 = tile * kTileColumns;
            float acc[kGroups][4] = {};
            // rows k0..k0 + 15 times column groups first..last
            auto step = [&](int k0, int first, int last) {
                uint32_t a[4];
                fb::load_matrices<false>(a, v_address + k0 * sizeof(T));
                // (k0 - c0) is even: the shift divides exactly, so group j's words are at constant offsets
                const uint32_t *b_step = b_words + ((k0 - c0) >> 1);
#pragma unroll
                for (int j = 0; j < kGroups; j++) {
                    if (j < first || j > last) continue;
                    const uint32_t *b = b_step - 4 * j;
                    fb::mma_16x8x16<T>(acc[j], a, b[0], b[4]);
                }
            };
            // The diagonal tile's rows k0 = c0 + 16s.. meet column group j only where j >= 2s (the
            // convolution's column n takes rows up to n) or j <= 2s + 1 (the transpose's, from n on).
            if constexpr (kTransposed) {
#pragma unroll
                for (int s = 0; s < kTileColumns / 16; s++) step(c0 + 16 * s, 0, 2 * s + 1);
                for (int k0 = c0 + kTileColumns; k0 < padded; k0 += 16) step(k0, 0, kGroups - 1);
            } else {
                for (int k0 = 0; k0 < c0; k0 += 16) step(k0, 0, kGroups - 1);
#pragma unroll
                for (int s = 0; s < kTileColumns / 16; s++) step(c0 + 16 * s, 2 * s, kGroups - 1);
            }

            // Each lane holds two columns of a row in every group; lanes t and t ^ 1 trade halves so
            // that the even one holds four columns of group j and the odd one four of group j + 1:
            // a row's 16 columns of two groups become one 32-byte sector written by one store.
            const bool odd = t & 1;
#pragma unroll
            for (int h = 0; h < 2; h++) {
                const int row = g + 8 * h, b = first_row + row;
                const int64_t base = (static_cast<int64_t>(b) * channels + channel) * length;
#pragma unroll
                for (int j = 0; j < kGroups; j += 2) {
                    float pair[2][2];
#pragma unroll
                    for (int s = 0; s < 2; s++) {
                        const int n = c0 + 8 * (j + s) + 2 * t;
                        const Pair<T> in = *reinterpret_cast<const Pair<T> *>(v + row * layout.stride + n);
                        pair[s][0] = acc[j + s][2 * h] + skip * to_float(in.v[0]);
                        pair[s][1] = acc[j + s][2 * h + 1] + skip * to_float(in.v[1]);
                    }
                    const float sent0 = odd ? pair[0][0] : pair[1][0], sent1 = odd ? pair[0][1] : pair[1][1];
                    const float got0 = __shfl_xor_sync(0xffffffffu, sent0, 1);
                    const float got1 = __shfl_xor_sync(0xffffffffu, sent1, 1);
                    const float out[4] = {odd ? got0 : pair[0][0], odd ? got1 : pair[0][1],
                                          odd ? pair[1][0] : got0, odd ? pair[1][1] : got1};
                    const int n = c0 + 8 * (j + odd) + 4 * (t >> 1);
                    if (b < batch && n < length) store_quad(y, post, base, n, length, out);
                }
            }
        }
    }
}

template <typename T>
cudaError_t launch(const T *u, const float *rows, int64_t row_stride, int taps, float scale, const float *d,
                   const T *pre, const T *post, T *y, int64_t batch, int64_t channels, int64_t length,
                   bool transposed, cudaStream_t stream) {
    const int padded = static_cast<int>((length + kPadding - 1) / kPadding * kPadding);
    const Layout layout(kRows, padded, sizeof(T), transposed);
    const int64_t blocks = (batch + kRows - 1) / kRows * channels;
    // a warp per pair of tiles, or past kMaxWarps pairs as many warps as keeps each to two pairs
    const int tile_pairs = padded / kPadding, rounds = (tile_pairs + kMaxWarps - 1) / kMaxWarps;
    const int threads = (tile_pairs + rounds - 1) / rounds * 32;
    // all of L1 as shared memory: three blocks at L = 2K take 3 x 73 KiB (u's copies bypass L1)
    return fb::launch_reserved(transposed ? direct_conv_kernel<T, true> : direct_conv_kernel<T, false>, blocks,
                               threads, layout.bytes, true, stream, u, rows, row_stride, taps, scale, d, pre, post, y,
                               static_cast<int>(batch), static_cast<int>(channels), static_cast<int>(length), padded);
}

}  // namespace

extern "C" FB_API int64_t fb_direct_max_length(void) { return kMaxLength; }

extern "C" FB_API cudaError_t fb_direct_conv(const void *u, const float *rows, int64_t row_stride, int64_t taps,
                                             float scale, const float *d, const void *pre, const void *post, void *y,
                                             fb_dtype dtype, int64_t batch, int64_t channels, int64_t length,
                                             int transpose, cudaStream_t stream) {
    if (batch < 1 || channels < 1 || length < 1 || length > kMaxLength || channels > 0x7fffffffLL / batch ||
        taps < 0 || taps > row_stride || u == nullptr || (rows == nullptr && taps > 0) || y == nullptr) {
        return cudaErrorInvalidValue;
    }
    const int kept = static_cast<int>(taps < length ? taps : length);
    auto run = [&](auto t) {
        using T = decltype(t);
        return launch<T>(static_cast<const T *>(u), rows, row_stride, kept, scale, d, static_cast<const T *>(pre),
                         static_cast<const T *>(post), static_cast<T *>(y), batch, channels, length, transpose != 0,
                         stream);
    };
    if (dtype == FB_BF16) return run(__nv_bfloat16{});
    if (dtype == FB_FP16) return run(__half{});
    return cudaErrorInvalidValue;
}
