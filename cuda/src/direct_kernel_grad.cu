// The causal convolution's kernel gradient as products on tensor cores, for short sequences:
// rows[h][m] = sum over b and n of dy[b][h][n] u[b][h][n - m]. One block per channel takes the
// batch 16 rows at a time: C = Dy^T U (C[n][j] = sum over those rows of dy[b][n] u[b][j]) in
// mma.m16n8k16 tiles of 16 n by 8 j, and tap m is the sum of C's diagonal n - j = m. Tiles with
// the same offset n0 - j0 hold the same diagonals in the same fragment places, so one accumulator
// per offset sums them as the products run; once per 16 rows the accumulators are added to partial
// sums that one lane each owns (no atomics), and the partials are summed in a fixed order at the
// end: dk is the same, bit for bit, from run to run. u and dy are read once; the work grows as
// length^2.
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "direct_tiles.cuh"
#include "flashbutterfly.h"
#include "launch.cuh"
#include "mma.cuh"

namespace {

// Batch rows a step: the k of mma.m16n8k16.
constexpr int kRows = 16;
// Offsets n0 - j0 a warp holds at a time, 8 apart: 8 accumulator fragments.
constexpr int kOffsets = 8;
constexpr int kMaxWarps = 8;
constexpr int kMaxLength = 1024;

// A tap's partial sums, one for each parity of the offset group (neighbouring groups share taps at
// their edge, groups two apart none) and each t of the lane: a lane's diagonal is offset + g - 2t - e,
// so for one e the lanes of one t reach different taps, and each partial has one writer at a time.
constexpr int kPartials = 2 * 4;

// Shared memory: dy's and u's 16 rows of `stride` elements (the length padded to a multiple of 16, + 8 so
// ldmatrix's 8 rows fall in 8 different bank groups), then the taps' partial sums.
struct GradLayout {
    int padded, stride, u_offset, sums_offset, bytes;
    __host__ __device__ GradLayout(int length, int taps, int element_bytes) {
        padded = (length + 15) / 16 * 16;
        stride = padded + 8;
        u_offset = kRows * stride * element_bytes;  // a multiple of 16 bytes: stride is a multiple of 8
        sums_offset = 2 * u_offset;
        bytes = sums_offset + kPartials * taps * 4;
    }
};

// Offset i is n0 - j0 = 8i - 8: its tiles hold diagonals 8i - 15 .. 8i + 7, so taps m < taps need
// i <= (taps + 14) / 8.
__host__ __device__ constexpr int offset_count(int taps) { return (taps + 14) / 8 + 1; }
__host__ __device__ constexpr int offset_groups(int taps) { return (offset_count(taps) + kOffsets - 1) / kOffsets; }

// Rows first_row.. (16) of x's channel into dst, zero past the batch and the length: 16-byte
// asynchronous copies where aligned (complete at wait_async_copies), else element by element.
template <typename T>
__device__ __forceinline__ void stage_rows(T *dst, int stride, const T *x, int first_row, int batch, int channels,
                                           int channel, int length, int padded, bool aligned) {
    const int groups = padded / 8;
    for (int i = threadIdx.x; i < kRows * groups; i += blockDim.x) {
        const int row = i / groups, n = i % groups * 8, b = first_row + row;
        const bool inside = b < batch && n < length;
        const int64_t at = inside ? (static_cast<int64_t>(b) * channels + channel) * length + n : 0;
        T *slot = dst + row * stride + n;
        if (aligned) {
            fb::copy_16_async(slot, x + at, inside);
        } else {
            *reinterpret_cast<fb::Group8<T> *>(slot) = inside ? fb::load_group(x, at, n, length) : fb::Group8<T>{};
        }
    }
}

template <typename T>
__global__ void __launch_bounds__(kMaxWarps * 32)
    direct_kernel_grad_kernel(const T *__restrict__ u, const T *__restrict__ dy, float *__restrict__ rows, int taps,
                              int batch, int channels, int length) {
    extern __shared__ __align__(16) unsigned char smem[];
    const GradLayout layout(length, taps, sizeof(T));
    T *dy_rows = reinterpret_cast<T *>(smem);
    T *u_rows = reinterpret_cast<T *>(smem + layout.u_offset);
    float *sums = reinterpret_cast<float *>(smem + layout.sums_offset);
    const int channel = blockIdx.x;
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32, g = lane / 4, t = lane % 4;
    const bool aligned = length % 8 == 0;
    for (int m = threadIdx.x; m < kPartials * taps; m += blockDim.x) sums[m] = 0.0f;

    // ldmatrix's row addresses. A (n by b) from dy's rows transposed: matrices (rows 0-7, columns
    // n0..), (0-7, n0 + 8..), (8-15, n0..), (8-15, n0 + 8..). B for offsets i, i + 1 (j by b) from
    // u's: (rows 0-7, columns j0..), (8-15, j0..), (0-7, j0 - 8..), (8-15, j0 - 8..).
    const int row_in_matrix = lane % 8, matrix = lane / 8;
    const uint32_t a_address = static_cast<uint32_t>(__cvta_generic_to_shared(dy_rows)) +
                               ((row_in_matrix + 8 * (matrix >> 1)) * layout.stride + 8 * (matrix & 1)) * sizeof(T);
    const uint32_t b_row = static_cast<uint32_t>(__cvta_generic_to_shared(u_rows)) +
                           (row_in_matrix + 8 * (matrix & 1)) * layout.stride * sizeof(T);
    const int b_shift = 8 * (matrix >> 1);
    const int groups = offset_groups(taps);

    for (int first_row = 0; first_row < batch; first_row += kRows) {
        stage_rows(dy_rows, layout.stride, dy, first_row, batch, channels, channel, length, layout.padded, aligned);
        stage_rows(u_rows, layout.stride, u, first_row, batch, channels, channel, length, layout.padded, aligned);
        if (aligned) {
            fb::commit_async_copies();
            fb::wait_async_copies();
        }
        __syncthreads();
        // Groups of offsets in snake order over the warps: a group's tiles shrink as its offsets
        // grow, so warp w takes group w on even laps and warps - 1 - w on odd ones.
        for (int lap = 0; lap * warps < groups; lap++) {
            const int group = lap * warps + (lap % 2 == 0 ? warp : warps - 1 - warp);
            if (group >= groups) continue;
            const int first_offset = 8 * kOffsets * group - 8;
            float acc[kOffsets][4] = {};
            // The group's first offset meets tiles from n0 = first_offset + 8 on (j0 >= 0).
            for (int n0 = first_offset + 8; n0 < layout.padded; n0 += 16) {
                uint32_t a[4];
                fb::load_matrices<true>(a, a_address + n0 * sizeof(T));
#pragma unroll
                for (int i = 0; i < kOffsets; i += 2) {
                    // j0 is 8 more than a multiple of 16: where it is not negative, offset i + 1's
                    // tile (8 columns before) starts at 0 or later too
                    const int j0 = n0 - (first_offset + 8 * i);
                    if (j0 < 0) continue;
                    uint32_t b[4];
                    fb::load_matrices<true>(b, b_row + (j0 - b_shift) * sizeof(T));
                    fb::mma_16x8x16<T>(acc[i], a, b[0], b[1]);
                    fb::mma_16x8x16<T>(acc[i + 1], a, b[2], b[3]);
                }
            }
            // Lane (g, t) holds C at rows g, g + 8 and columns 2t + e of each offset's tiles: diagonal
            // offset + g - 2t - e, and offset i's lower half shares its diagonals with i + 1's upper.
            // Across e, lanes g and g - 1 of one t meet at a tap (and lanes 7 and 0 at neighbouring i):
            // one e at a time.
            float *partial = sums + ((group % 2) * 4 + t) * taps;
#pragma unroll
            for (int e = 0; e < 2; e++) {
#pragma unroll
                for (int i = 0; i <= kOffsets; i++) {
                    const float value = (i < kOffsets ? acc[i][e] : 0.0f) + (i > 0 ? acc[i - 1][2 + e] : 0.0f);
                    const int m = first_offset + 8 * i + g - 2 * t - e;
                    if (m >= 0 && m < taps) partial[m] += value;
                }
                __syncwarp();
            }
        }
        __syncthreads();  // the rows are staged again
    }
    for (int m = threadIdx.x; m < taps; m += blockDim.x) {
        float sum = 0.0f;
#pragma unroll
        for (int p = 0; p < kPartials; p++) sum += sums[p * taps + m];
        rows[static_cast<int64_t>(channel) * taps + m] = sum;
    }
}

}  // namespace

extern "C" FB_API int64_t fb_direct_kernel_grad_max_length(void) { return kMaxLength; }

extern "C" FB_API cudaError_t fb_direct_kernel_grad(const void *u, const void *dy, float *rows, int64_t taps,
                                                    fb_dtype dtype, int64_t batch, int64_t channels, int64_t length,
                                                    cudaStream_t stream) {
    // batch + kRows stays an int: the block walks the batch kRows rows at a time
    if (batch < 1 || channels < 1 || length < 1 || length > kMaxLength || channels > 0x7fffffffLL ||
        batch > (0x7fffffffLL - kRows) / channels || taps < 1 || taps > length || u == nullptr || dy == nullptr ||
        rows == nullptr) {
        return cudaErrorInvalidValue;
    }
    const int kept = static_cast<int>(taps);
    const int warps = offset_groups(kept) < kMaxWarps ? offset_groups(kept) : kMaxWarps;
    auto run = [&](auto element) {
        using T = decltype(element);
        const GradLayout layout(static_cast<int>(length), kept, sizeof(T));
        return fb::launch_reserved(direct_kernel_grad_kernel<T>, channels, 32 * warps, layout.bytes, true, stream,
                                   static_cast<const T *>(u), static_cast<const T *>(dy), rows, kept,
                                   static_cast<int>(batch), static_cast<int>(channels), static_cast<int>(length));
    };
    if (dtype == FB_BF16) return run(__nv_bfloat16{});
    if (dtype == FB_FP16) return run(__half{});
    return cudaErrorInvalidValue;
}
