// The channel-mixing linear layer's kernels around its cuBLAS products: the bias add, and the
// per-channel sums behind the bias gradient and the batch sum of the weight gradient.
#include "flashbutterfly.h"
#include "launch.cuh"

namespace {

constexpr int kMaxSumThreads = 256;

__global__ void add_channel_bias_kernel(float *__restrict__ y, const float *__restrict__ bias, int64_t rows,
                                        int64_t channels, int64_t length) {
    FB_FOR_ROWS_COLS(row, col, rows, length) {
        y[row * length + col] += bias[row % channels];
    }
}

// One block per channel, a fixed order of additions: the same bits on every run.
__global__ void channel_sum_kernel(const float *__restrict__ x, int64_t batch, int64_t channels,
                                   int64_t length, float *__restrict__ out) {
    __shared__ double partial[kMaxSumThreads];
    const int64_t c = blockIdx.x;
    double sum = 0.0;
    for (int64_t b = 0; b < batch; ++b) {
        const float *row = x + (b * channels + c) * length;
        for (int64_t t = threadIdx.x; t < length; t += blockDim.x) sum += row[t];
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int width = blockDim.x / 2; width > 0; width /= 2) {
        if (threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[c] = static_cast<float>(partial[0]);
}

// Rows of length 1 (a batch of matrices summed elementwise): a thread per channel, the batch in
// order, neighbouring threads reading neighbouring values.
__global__ void channel_sum_of_values_kernel(const float *__restrict__ x, int64_t batch, int64_t channels,
                                             float *__restrict__ out) {
    for (int64_t c = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; c < channels;
         c += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        double sum = 0.0;
        for (int64_t b = 0; b < batch; ++b) sum += x[b * channels + c];
        out[c] = static_cast<float>(sum);
    }
}

}  // namespace

extern "C" FB_API cudaError_t fb_add_channel_bias(float *y, const float *bias, int64_t batch, int64_t channels,
                                                  int64_t length, cudaStream_t stream) {
    if (batch < 0 || channels < 0 || length < 0) return cudaErrorInvalidValue;
    if (batch * channels * length == 0) return cudaSuccess;
    if (y == nullptr || bias == nullptr) return cudaErrorInvalidValue;
    const int64_t rows = batch * channels;
    add_channel_bias_kernel<<<fb::row_grid(rows, length), fb::kRowThreads, 0, stream>>>(y, bias, rows, channels,
                                                                                         length);
    return cudaGetLastError();
}

extern "C" FB_API cudaError_t fb_channel_sum(const float *x, int64_t batch, int64_t channels, int64_t length,
                                             float *out, cudaStream_t stream) {
    if (batch < 0 || length < 0 || channels < 1 || channels > 0x7fffffff || out == nullptr ||
        (batch * length > 0 && x == nullptr)) {
        return cudaErrorInvalidValue;
    }
    if (length == 1) {
        channel_sum_of_values_kernel<<<fb::flat_grid(channels, fb::kRowThreads), fb::kRowThreads, 0, stream>>>(
            x, batch, channels, out);
        return cudaGetLastError();
    }
    // A warp for short rows, up to kMaxSumThreads for long ones.
    int threads = 32;
    while (threads < kMaxSumThreads && threads < length) threads *= 2;
    channel_sum_kernel<<<static_cast<unsigned>(channels), threads, 0, stream>>>(x, batch, channels, length, out);
    return cudaGetLastError();
}
