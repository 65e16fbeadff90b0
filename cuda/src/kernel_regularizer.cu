// The paper's kernel regularisers on the GPU (io.flashbutterfly.ops.KernelRegularizer is the
// float64 reference): smooth, squash, dropout on raw fp32 weights, written straight into the FFT
// rows the kernel spectrum's transform reads (no regularised kernel in device memory between),
// and their backward.
#include "fft_rows.cuh"
#include "flashbutterfly.h"
#include "launch.cuh"

namespace {

// The moving average of odd width at tap j of a row of taps weights, zero padding.
__device__ __forceinline__ float smoothed(const float *__restrict__ row, int64_t taps, int64_t j, int width) {
    const int64_t half = width / 2;
    const int64_t first = j - half < 0 ? 0 : j - half;
    const int64_t last = j + half >= taps ? taps - 1 : j + half;
    float sum = 0.0f;
    for (int64_t i = first; i <= last; ++i) sum += row[i];
    return sum / static_cast<float>(width);
}

// splitmix64's finaliser (as io.flashbutterfly.ops.DropoutMask): a uniform double in [0, 1) per
// (seed, index), the same on the host and here.
__device__ __forceinline__ double uniform(uint64_t seed, uint64_t index) {
    uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return static_cast<double>(z >> 11) * 0x1.0p-53;
}

// The factor dropout multiplies tap `index` (of all channels' taps) by: 0 or 1 / (1 - rate).
__device__ __forceinline__ float dropout_scale(uint64_t seed, uint64_t index, float rate) {
    if (rate <= 0.0f) return 1.0f;
    return uniform(seed, index) >= rate ? 1.0f / (1.0f - rate) : 0.0f;
}

struct Regularization {
    int smooth_width;
    float squash;
    float dropout;
    uint64_t seed;
};

__global__ void regularized_to_rows(const float *__restrict__ w, int64_t channels, int64_t causal_len,
                                    int64_t taps, Regularization r, float *__restrict__ dst, int64_t n,
                                    int64_t dst_stride, float scale) {
    FB_FOR_ROWS_COLS(h, i, channels, dst_stride) {
        const int64_t j = fb::tap_at(i, causal_len, taps - causal_len, n);
        float v = 0.0f;
        if (j >= 0) {
            v = smoothed(w + h * taps, taps, j, r.smooth_width);
            if (r.squash > 0.0f) v = copysignf(fmaxf(fabsf(v) - r.squash, 0.0f), v);
            v *= scale * dropout_scale(r.seed, static_cast<uint64_t>(h * taps + j), r.dropout);
        }
        dst[h * dst_stride + i] = v;
    }
}

// g = dk times the derivative of squash and dropout at each tap (the threshold's subgradient is 0
// at the kink), the smoothing's input recomputed from the weights.
__global__ void masked_gradient(const float *__restrict__ w, const float *__restrict__ dk, int64_t channels,
                                int64_t taps, Regularization r, float *__restrict__ g) {
    FB_FOR_ROWS_COLS(h, j, channels, taps) {
        float v = dk[h * taps + j] * dropout_scale(r.seed, static_cast<uint64_t>(h * taps + j), r.dropout);
        if (r.squash > 0.0f && !(fabsf(smoothed(w + h * taps, taps, j, r.smooth_width)) > r.squash)) v = 0.0f;
        g[h * taps + j] = v;
    }
}

// The zero-padded moving average is symmetric: its transpose is itself.
__global__ void smooth_rows(const float *__restrict__ g, int64_t channels, int64_t taps, int width,
                            float *__restrict__ out) {
    FB_FOR_ROWS_COLS(h, j, channels, taps) {
        out[h * taps + j] = smoothed(g + h * taps, taps, j, width);
    }
}

bool bad(int64_t channels, int64_t taps, int smooth_width, float squash, float dropout) {
    return channels < 0 || taps < 0 || smooth_width < 1 || smooth_width % 2 == 0 || !(squash >= 0.0f) ||
           !(dropout >= 0.0f && dropout < 1.0f);
}

}  // namespace

extern "C" FB_API cudaError_t fb_regularized_kernel_to_fft_rows(const float *w, int64_t channels, int64_t causal_len,
                                                                int64_t anticausal_len, int smooth_width, float squash,
                                                                float dropout, uint64_t seed, float *dst, int64_t n,
                                                                int64_t dst_stride, float scale, cudaStream_t stream) {
    const int64_t taps = causal_len + anticausal_len;
    if (bad(channels, taps, smooth_width, squash, dropout) || causal_len < 0 || anticausal_len < 0 || n < taps ||
        dst_stride < n || w == nullptr || dst == nullptr) {
        return cudaErrorInvalidValue;
    }
    if (channels * dst_stride == 0) return cudaSuccess;
    regularized_to_rows<<<fb::row_grid(channels, dst_stride), fb::kRowThreads, 0, stream>>>(
        w, channels, causal_len, taps, Regularization{smooth_width, squash, dropout, seed}, dst, n, dst_stride, scale);
    return cudaGetLastError();
}

extern "C" FB_API cudaError_t fb_regularized_kernel_backward(const float *w, const float *dk, int64_t channels,
                                                             int64_t taps, int smooth_width, float squash,
                                                             float dropout, uint64_t seed, float *scratch, float *dw,
                                                             cudaStream_t stream) {
    if (bad(channels, taps, smooth_width, squash, dropout) || w == nullptr || dk == nullptr || scratch == nullptr ||
        dw == nullptr) {
        return cudaErrorInvalidValue;
    }
    if (channels * taps == 0) return cudaSuccess;
    const Regularization r{smooth_width, squash, dropout, seed};
    masked_gradient<<<fb::row_grid(channels, taps), fb::kRowThreads, 0, stream>>>(w, dk, channels, taps, r, scratch);
    smooth_rows<<<fb::row_grid(channels, taps), fb::kRowThreads, 0, stream>>>(scratch, channels, taps, smooth_width, dw);
    return cudaGetLastError();
}
