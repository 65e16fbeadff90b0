// The kernels around cuFFT in the FFT long convolution: kernel taps in and out of FFT rows, the
// spectrum products, the epilogue (truncate + D*u skip + cast) and the skip's gradient.
#include "complex.cuh"
#include "elements.cuh"
#include "fft_rows.cuh"
#include "launch.cuh"

namespace {

using fb::cmul;
using fb::conj;

template <typename T>
__global__ void kernel_to_rows(const T *__restrict__ k, int64_t channels, int64_t causal_len,
                               int64_t taps, float *__restrict__ dst, int64_t n,
                               int64_t dst_stride, float scale) {
    // Zero the row, then place the taps: one thread per row element, each writing once.
    FB_FOR_ROWS_COLS(h, i, channels, dst_stride) {
        const int64_t j = fb::tap_at(i, causal_len, taps - causal_len, n);
        dst[h * dst_stride + i] = j >= 0 ? scale * fb::to_float(k[h * taps + j]) : 0.0f;
    }
}

template <typename T>
__global__ void rows_to_kernel(const float *__restrict__ src, int64_t n, int64_t src_stride,
                               int64_t channels, int64_t causal_len, int64_t taps,
                               T *__restrict__ k, float scale) {
    FB_FOR_ROWS_COLS(h, j, channels, taps) {
        k[h * taps + j] = fb::from_float<T>(scale * src[h * src_stride + fb::tap_position(j, causal_len, n)]);
    }
}

__global__ void spectrum_multiply(float2 *__restrict__ x, const float2 *__restrict__ s, int64_t rows,
                                  int64_t channels, int64_t bins, bool conjugate_s) {
    FB_FOR_ROWS_COLS(r, f, rows, bins) {
        const float2 k = s[(r % channels) * bins + f];
        const float2 v = x[r * bins + f];
        x[r * bins + f] = conjugate_s ? cmul(v, conj(k)) : cmul(v, k);
    }
}

__global__ void spectrum_correlate(const float2 *__restrict__ a, const float2 *__restrict__ b,
                                   float2 *__restrict__ out, int64_t batch, int64_t channels,
                                   int64_t bins, float scale) {
    FB_FOR_ROWS_COLS(h, f, channels, bins) {
        float2 sum = make_float2(0.0f, 0.0f);
        for (int64_t i = 0; i < batch; ++i) {
            const int64_t at = (i * channels + h) * bins + f;
            const float2 p = cmul(a[at], conj(b[at]));
            sum.x += p.x;
            sum.y += p.y;
        }
        out[h * bins + f] = make_float2(scale * sum.x, scale * sum.y);
    }
}

template <typename T>
__global__ void conv_epilogue(const float *__restrict__ conv, int64_t conv_stride,
                              const T *__restrict__ u, const float *__restrict__ d,
                              T *__restrict__ y, int64_t rows, int64_t channels, int64_t length) {
    FB_FOR_ROWS_COLS(r, t, rows, length) {
        float v = conv[r * conv_stride + t];
        if (d != nullptr) v += d[r % channels] * fb::to_float(u[r * length + t]);
        y[r * length + t] = fb::from_float<T>(v);
    }
}

constexpr int kReduceThreads = 512;

// One block per channel: a fixed order of additions, so the result is the same on every run;
// summed in double, as a sum of B * L products of either sign cancels (fp32 lost 1e-5 at L = 4K).
// The gates (null: none) multiply in here, from the inputs: products rounded to bf16 first lost
// 17% of a cancelling sum at L = 64K.
template <typename T>
__global__ void skip_grad(const T *__restrict__ dy, const T *__restrict__ u, const T *__restrict__ pre,
                          const T *__restrict__ post, int64_t batch, int64_t channels, int64_t length,
                          float *__restrict__ dd) {
    __shared__ double partial[kReduceThreads];
    const int64_t h = blockIdx.x;
    double sum = 0.0;
    for (int64_t b = 0; b < batch; ++b) {
        const int64_t base = (b * channels + h) * length;
        for (int64_t t = threadIdx.x; t < length; t += blockDim.x) {
            double term = static_cast<double>(fb::to_float(dy[base + t])) * fb::to_float(u[base + t]);
            if (pre != nullptr) term *= fb::to_float(pre[base + t]);
            if (post != nullptr) term *= fb::to_float(post[base + t]);
            sum += term;
        }
    }
    partial[threadIdx.x] = sum;
    __syncthreads();
    for (int width = blockDim.x / 2; width > 0; width /= 2) {
        if (threadIdx.x < width) partial[threadIdx.x] += partial[threadIdx.x + width];
        __syncthreads();
    }
    if (threadIdx.x == 0) dd[h] = static_cast<float>(partial[0]);
}

bool bad_sizes(std::initializer_list<int64_t> sizes) {
    for (int64_t s : sizes) if (s < 0) return true;
    return false;
}

}  // namespace

extern "C" FB_API cudaError_t fb_kernel_to_fft_rows(const void *k, fb_dtype k_dtype, int64_t channels,
                                                    int64_t causal_len, int64_t anticausal_len,
                                                    float *dst, int64_t n, int64_t dst_stride,
                                                    float scale, cudaStream_t stream) {
    if (bad_sizes({channels, causal_len, anticausal_len, n}) || dst_stride < n ||
        causal_len + anticausal_len > n || k == nullptr || dst == nullptr) {
        return cudaErrorInvalidValue;
    }
    const int64_t taps = causal_len + anticausal_len;
    const bool known = fb::dispatch_dtype(k_dtype, [&](auto t) {
        using T = decltype(t);
        kernel_to_rows<T><<<fb::row_grid(channels, dst_stride), fb::kRowThreads, 0, stream>>>(
            static_cast<const T *>(k), channels, causal_len, taps, dst, n, dst_stride, scale);
    });
    return known ? cudaGetLastError() : cudaErrorInvalidValue;
}

extern "C" FB_API cudaError_t fb_fft_rows_to_kernel(const float *src, int64_t n, int64_t src_stride,
                                                    int64_t channels, int64_t causal_len,
                                                    int64_t anticausal_len, void *k, fb_dtype k_dtype,
                                                    float scale, cudaStream_t stream) {
    if (bad_sizes({channels, causal_len, anticausal_len, n}) || src_stride < n ||
        causal_len + anticausal_len > n || k == nullptr || src == nullptr) {
        return cudaErrorInvalidValue;
    }
    const int64_t taps = causal_len + anticausal_len;
    const bool known = fb::dispatch_dtype(k_dtype, [&](auto t) {
        using T = decltype(t);
        rows_to_kernel<T><<<fb::row_grid(channels, taps), fb::kRowThreads, 0, stream>>>(
            src, n, src_stride, channels, causal_len, taps, static_cast<T *>(k), scale);
    });
    return known ? cudaGetLastError() : cudaErrorInvalidValue;
}

extern "C" FB_API cudaError_t fb_spectrum_multiply(float *x, const float *s, int64_t rows, int64_t channels,
                                                   int64_t bins, int conjugate_s, cudaStream_t stream) {
    if (bad_sizes({rows, bins}) || channels < 1 || x == nullptr || s == nullptr) return cudaErrorInvalidValue;
    spectrum_multiply<<<fb::row_grid(rows, bins), fb::kRowThreads, 0, stream>>>(
        reinterpret_cast<float2 *>(x), reinterpret_cast<const float2 *>(s), rows, channels, bins, conjugate_s != 0);
    return cudaGetLastError();
}

extern "C" FB_API cudaError_t fb_spectrum_correlate(const float *a, const float *b, float *out, int64_t batch,
                                                    int64_t channels, int64_t bins, float scale,
                                                    cudaStream_t stream) {
    if (bad_sizes({batch, channels, bins}) || a == nullptr || b == nullptr || out == nullptr) {
        return cudaErrorInvalidValue;
    }
    spectrum_correlate<<<fb::row_grid(channels, bins), fb::kRowThreads, 0, stream>>>(
        reinterpret_cast<const float2 *>(a), reinterpret_cast<const float2 *>(b),
        reinterpret_cast<float2 *>(out), batch, channels, bins, scale);
    return cudaGetLastError();
}

extern "C" FB_API cudaError_t fb_conv_epilogue(const float *conv, int64_t conv_stride, const void *u,
                                               const float *d, void *y, fb_dtype dtype, int64_t rows,
                                               int64_t channels, int64_t length, cudaStream_t stream) {
    if (bad_sizes({rows, length}) || channels < 1 || conv_stride < length || conv == nullptr ||
        y == nullptr || (d != nullptr && u == nullptr)) {
        return cudaErrorInvalidValue;
    }
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        conv_epilogue<T><<<fb::row_grid(rows, length), fb::kRowThreads, 0, stream>>>(
            conv, conv_stride, static_cast<const T *>(u), d, static_cast<T *>(y), rows, channels, length);
    });
    return known ? cudaGetLastError() : cudaErrorInvalidValue;
}

extern "C" FB_API cudaError_t fb_skip_grad(const void *dy, const void *u, const void *pre, const void *post,
                                           fb_dtype dtype, int64_t batch, int64_t channels, int64_t length,
                                           float *dd, cudaStream_t stream) {
    if (bad_sizes({batch, length}) || channels < 1 || channels > 0x7fffffff || dy == nullptr ||
        u == nullptr || dd == nullptr) {
        return cudaErrorInvalidValue;
    }
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        skip_grad<T><<<static_cast<unsigned>(channels), kReduceThreads, 0, stream>>>(
            static_cast<const T *>(dy), static_cast<const T *>(u), static_cast<const T *>(pre),
            static_cast<const T *>(post), batch, channels, length, dd);
    });
    return known ? cudaGetLastError() : cudaErrorInvalidValue;
}
