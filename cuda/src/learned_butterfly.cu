// The learned butterfly's kernels around its cuBLAS products (the matrix products themselves
// run in cuBLAS): sequences into and out of the butterfly layout, the elementwise products with
// a factor shared by the batch (twiddles, the kernel's transform) and their batch sums (those
// factors' gradients). The layout is declared in flashbutterfly.h.
#include "complex.cuh"
#include "elements.cuh"
#include "launch.cuh"

namespace {

using fb::cmul;
using fb::conj;

// Position of sequence (b, h)'s value t = c + n1 * i in the butterfly layout.
struct ButterflyLayout {
    int64_t batch, channels, n1, n2;

    __device__ int64_t count() const { return channels * n2 * batch * n1; }
};

template <typename T>
__global__ void scatter_kernel(const T *__restrict__ x, ButterflyLayout s, int64_t length, float scale,
                               float2 *__restrict__ out) {
    for (int64_t at = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; at < s.count();
         at += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t c = at % s.n1, b = at / s.n1 % s.batch, i = at / (s.n1 * s.batch) % s.n2;
        const int64_t h = at / (s.n1 * s.batch * s.n2);
        const int64_t t = c + s.n1 * i;
        const float v = t < length ? scale * fb::to_float(x[(b * s.channels + h) * length + t]) : 0.0f;
        out[at] = make_float2(v, 0.0f);
    }
}

__global__ void gather_kernel(const float2 *__restrict__ x, ButterflyLayout s, int64_t length, float scale,
                              float *__restrict__ rows) {
    FB_FOR_ROWS_COLS(r, t, s.batch * s.channels, length) {
        const int64_t b = r / s.channels, h = r % s.channels;
        const int64_t i = t / s.n1, c = t % s.n1;
        rows[r * length + t] = scale * x[((h * s.n2 + i) * s.batch + b) * s.n1 + c].x;
    }
}

// out may be x (in place): no __restrict__ on either.
__global__ void scale_kernel(const float2 *x, const float2 *__restrict__ f, int64_t f_stride, ButterflyLayout s,
                             bool conjugate_f, float2 *out) {
    for (int64_t at = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; at < s.count();
         at += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t c = at % s.n1, i = at / (s.n1 * s.batch) % s.n2, h = at / (s.n1 * s.batch * s.n2);
        const float2 v = f[h * f_stride + i * s.n1 + c];
        out[at] = cmul(x[at], conjugate_f ? conj(v) : v);
    }
}

// One thread per (h, i, c), the batch summed in a fixed order: the same bits on every run.
__global__ void correlate_kernel(const float2 *__restrict__ a, const float2 *__restrict__ b, ButterflyLayout s,
                                 bool accumulate, float2 *__restrict__ out) {
    const int64_t per_channel = s.n2 * s.n1;
    for (int64_t at = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; at < s.channels * per_channel;
         at += static_cast<int64_t>(gridDim.x) * blockDim.x) {
        const int64_t c = at % s.n1, i = at / s.n1 % s.n2, h = at / per_channel;
        const int64_t first = (h * s.n2 + i) * s.batch * s.n1 + c;
        float2 sum = accumulate ? out[at] : make_float2(0.0f, 0.0f);
        for (int64_t j = 0; j < s.batch; ++j) sum = fb::cadd(sum, cmul(a[first + j * s.n1], conj(b[first + j * s.n1])));
        out[at] = sum;
    }
}

bool bad_layout(int64_t batch, int64_t channels, int64_t n1, int64_t n2) {
    return batch < 1 || channels < 1 || n1 < 1 || n2 < 1;
}

}  // namespace

extern "C" FB_API cudaError_t fb_butterfly_scatter(const void *x, fb_dtype dtype, int64_t batch, int64_t channels,
                                                   int64_t length, int64_t n1, int64_t n2, float scale, float *out,
                                                   cudaStream_t stream) {
    if (bad_layout(batch, channels, n1, n2) || length < 1 || length > n1 * n2 || x == nullptr || out == nullptr) {
        return cudaErrorInvalidValue;
    }
    const ButterflyLayout s{batch, channels, n1, n2};
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        scatter_kernel<T><<<fb::flat_grid(channels * n2 * batch * n1, fb::kRowThreads), fb::kRowThreads, 0, stream>>>(
            static_cast<const T *>(x), s, length, scale, reinterpret_cast<float2 *>(out));
    });
    return known ? cudaGetLastError() : cudaErrorInvalidValue;
}

extern "C" FB_API cudaError_t fb_butterfly_gather(const float *x, int64_t batch, int64_t channels, int64_t length,
                                                  int64_t n1, int64_t n2, float scale, float *rows,
                                                  cudaStream_t stream) {
    if (bad_layout(batch, channels, n1, n2) || length < 1 || length > n1 * n2 || x == nullptr || rows == nullptr) {
        return cudaErrorInvalidValue;
    }
    gather_kernel<<<fb::row_grid(batch * channels, length), fb::kRowThreads, 0, stream>>>(
        reinterpret_cast<const float2 *>(x), ButterflyLayout{batch, channels, n1, n2}, length, scale, rows);
    return cudaGetLastError();
}

extern "C" FB_API cudaError_t fb_butterfly_scale(const float *x, const float *f, int64_t f_stride, int64_t batch,
                                                 int64_t channels, int64_t n1, int64_t n2, int conjugate_f,
                                                 float *out, cudaStream_t stream) {
    if (bad_layout(batch, channels, n1, n2) || f_stride < 0 || x == nullptr || f == nullptr || out == nullptr) {
        return cudaErrorInvalidValue;
    }
    scale_kernel<<<fb::flat_grid(channels * n2 * batch * n1, fb::kRowThreads), fb::kRowThreads, 0, stream>>>(
        reinterpret_cast<const float2 *>(x), reinterpret_cast<const float2 *>(f), f_stride,
        ButterflyLayout{batch, channels, n1, n2}, conjugate_f != 0, reinterpret_cast<float2 *>(out));
    return cudaGetLastError();
}

extern "C" FB_API cudaError_t fb_butterfly_correlate(const float *a, const float *b, int64_t batch, int64_t channels,
                                                     int64_t n1, int64_t n2, int accumulate, float *out,
                                                     cudaStream_t stream) {
    if (bad_layout(batch, channels, n1, n2) || a == nullptr || b == nullptr || out == nullptr) {
        return cudaErrorInvalidValue;
    }
    correlate_kernel<<<fb::flat_grid(channels * n2 * n1, fb::kRowThreads), fb::kRowThreads, 0, stream>>>(
        reinterpret_cast<const float2 *>(a), reinterpret_cast<const float2 *>(b),
        ButterflyLayout{batch, channels, n1, n2}, accumulate != 0, reinterpret_cast<float2 *>(out));
    return cudaGetLastError();
}
