// GELU in its tanh approximation (PyTorch's approximate="tanh"), forward and backward, fp32.
#include "flashbutterfly.h"
#include "launch.cuh"

namespace {

constexpr int kThreads = 256;
constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kCubic = 0.044715;

// exp(-2a), a = sqrt(2/pi) (x + 0.044715 x^3): 0.5 (1 + tanh(a)) = 1 / (1 + exp(-2a)), the same
// function without the cancellation of 1 + tanh(a) near -1 that loses the negative tail (in fp32
// it rounds to 0 below x = -4.7; gelu(-6) is -8.4e-11). The exponent in double: exp's relative
// error is the exponent (up to 88 before expf overflows) times the exponent's relative error.
__device__ __forceinline__ float exp_minus_2a(float v) {
    const double x = v;
    return expf(static_cast<float>(-2.0 * kSqrt2OverPi * (x + kCubic * x * x * x)));
}

// No __restrict__: the header allows in-place calls, and each thread reads its element before
// writing it.
__global__ void gelu_forward_kernel(const float *x, float *y, int64_t count) {
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
        const float v = x[i];
        y[i] = v / (1.0f + exp_minus_2a(v));
    }
}

// With e = exp(-2a) and s = 1 / (1 + e): gelu' = s + x s (1 - s) d(2a)/dx, where
// s (1 - s) = 1 / (2 + e + 1 / e) has no cancellation at either end (and is 0 where e is 0 or inf).
__global__ void gelu_backward_kernel(const float *dy, const float *x, float *dx, int64_t count) {
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
        const float v = x[i];
        const float e = exp_minus_2a(v);
        const float slope = static_cast<float>(2.0 * kSqrt2OverPi) * (1.0f + static_cast<float>(3.0 * kCubic) * v * v);
        dx[i] = dy[i] * (1.0f / (1.0f + e) + v * slope / (2.0f + e + 1.0f / e));
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
