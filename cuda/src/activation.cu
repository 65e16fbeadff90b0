// GELU in its tanh approximation (PyTorch's approximate="tanh"), forward and backward, fp32.
#include "flashbutterfly.h"
#include "launch.cuh"

namespace {

constexpr int kThreads = 256;
constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kCubic = 0.044715f;

// No __restrict__: the header allows in-place calls, and each thread reads its element before
// writing it.
__global__ void gelu_forward_kernel(const float *x, float *y, int64_t count) {
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
        const float v = x[i];
        y[i] = 0.5f * v * (1.0f + tanhf(kSqrt2OverPi * (v + kCubic * v * v * v)));
    }
}

// d/dx of 0.5 x (1 + tanh(s)) with s = sqrt(2/pi) (x + 0.044715 x^3):
// 0.5 (1 + tanh(s)) + 0.5 x (1 - tanh(s)^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
__global__ void gelu_backward_kernel(const float *dy, const float *x, float *dx, int64_t count) {
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
        const float v = x[i];
        const float th = tanhf(kSqrt2OverPi * (v + kCubic * v * v * v));
        const float slope = kSqrt2OverPi * (1.0f + 3.0f * kCubic * v * v);
        dx[i] = dy[i] * (0.5f * (1.0f + th) + 0.5f * v * (1.0f - th * th) * slope);
    }
}

}  // namespace

extern "C" FB_API cudaError_t fb_gelu_forward(const float *x, float *y, int64_t count, cudaStream_t stream) {
    if (count < 0) return cudaErrorInvalidValue;
    if (count == 0) return cudaSuccess;
    if (x == nullptr || y == nullptr) return cudaErrorInvalidValue;
    gelu_forward_kernel<<<fb::flat_grid(count, kThreads), kThreads, 0, stream>>>(x, y, count);
    return cudaGetLastError();
}

extern "C" FB_API cudaError_t fb_gelu_backward(const float *dy, const float *x, float *dx, int64_t count,
                                               cudaStream_t stream) {
    if (count < 0) return cudaErrorInvalidValue;
    if (count == 0) return cudaSuccess;
    if (dy == nullptr || x == nullptr || dx == nullptr) return cudaErrorInvalidValue;
    gelu_backward_kernel<<<fb::flat_grid(count, kThreads), kThreads, 0, stream>>>(dy, x, dx, count);
    return cudaGetLastError();
}
