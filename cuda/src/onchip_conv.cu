// The whole FFT long convolution of short sequences in one kernel, on chip: each block loads two
// rows of one channel (batch b and b + 1) as one complex sequence u_b + i u_{b+1}, transforms it
// in shared memory, multiplies by the channel's kernel spectrum, transforms back and stores
// y_b = Re, y_{b+1} = Im (+ D*u, cast). u is read once and y written once: the fewest passes
// over device memory there are. Forward radix-2 decimation in frequency leaves the spectrum in
// bit-reversed order, the product is taken in that order, and the inverse decimation in time
// returns natural order: no reordering pass (the Monarch note's "order never matters").
#include "elements.cuh"

namespace {

constexpr int kMaxLog2 = 14;  // N <= 16384: 128 KiB of data + 64 KiB of twiddles per block

__device__ __forceinline__ float2 cmul(float2 a, float2 b) {
    return make_float2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

__device__ __forceinline__ float2 cmul_conj_b(float2 a, float2 b) {  // a * conj(b)
    return make_float2(a.x * b.x + a.y * b.y, a.y * b.x - a.x * b.y);
}

template <typename T>
__global__ void onchip_conv(const T *__restrict__ u, const float2 *__restrict__ spectrum,
                            const float *__restrict__ d, T *__restrict__ y, int64_t batch,
                            int64_t channels, int64_t length, int log2n) {
    extern __shared__ float2 smem[];
    const int n = 1 << log2n;
    const int half = n >> 1;
    float2 *x = smem;              // n values
    float2 *twiddle = smem + n;    // twiddle[j] = exp(-2 pi i j / n), j < n / 2
    const int64_t h = blockIdx.x % channels;
    const int64_t b0 = 2 * (blockIdx.x / channels);
    const bool pair = b0 + 1 < batch;
    const T *u0 = u + (b0 * channels + h) * length;
    const T *u1 = u0 + channels * length;

    for (int j = threadIdx.x; j < half; j += blockDim.x) {
        float s, c;
        sincospif(-2.0f * j / n, &s, &c);
        twiddle[j] = make_float2(c, s);
    }
    for (int t = threadIdx.x; t < n; t += blockDim.x) {
        const float re = t < length ? fb::to_float(u0[t]) : 0.0f;
        const float im = (t < length && pair) ? fb::to_float(u1[t]) : 0.0f;
        x[t] = make_float2(re, im);
    }
    __syncthreads();

    // Forward, decimation in frequency: natural order in, bit-reversed out.
    for (int m = half, stride = 1; m >= 1; m >>= 1, stride <<= 1) {
        for (int j = threadIdx.x; j < half; j += blockDim.x) {
            const int k = j & (m - 1);
            const int i0 = ((j - k) << 1) + k;
            const float2 a = x[i0];
            const float2 c = x[i0 + m];
            x[i0] = make_float2(a.x + c.x, a.y + c.y);
            x[i0 + m] = cmul(make_float2(a.x - c.x, a.y - c.y), twiddle[k * stride]);
        }
        __syncthreads();
    }

    // Product with the kernel's spectrum (bins n/2 + 1 stored; the rest by Hermitian symmetry).
    const float2 *k = spectrum + h * (half + 1);
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        const int f = __brev(i) >> (32 - log2n);
        const float2 kf = f <= half ? k[f] : make_float2(k[n - f].x, -k[n - f].y);
        x[i] = cmul(x[i], kf);
    }
    __syncthreads();

    // Inverse, decimation in time: bit-reversed in, natural order out (conjugate twiddles).
    for (int m = 1, stride = half; m <= half; m <<= 1, stride >>= 1) {
        for (int j = threadIdx.x; j < half; j += blockDim.x) {
            const int k = j & (m - 1);
            const int i0 = ((j - k) << 1) + k;
            const float2 a = x[i0];
            const float2 c = cmul_conj_b(x[i0 + m], twiddle[k * stride]);
            x[i0] = make_float2(a.x + c.x, a.y + c.y);
            x[i0 + m] = make_float2(a.x - c.x, a.y - c.y);
        }
        __syncthreads();
    }

    const float skip = d != nullptr ? d[h] : 0.0f;
    T *y0 = y + (b0 * channels + h) * length;
    T *y1 = y0 + channels * length;
    for (int t = threadIdx.x; t < length; t += blockDim.x) {
        y0[t] = fb::from_float<T>(x[t].x + skip * fb::to_float(u0[t]));
        if (pair) y1[t] = fb::from_float<T>(x[t].y + skip * fb::to_float(u1[t]));
    }
}

}  // namespace

extern "C" FB_API int fb_onchip_conv_max_fft_size(void) { return 1 << kMaxLog2; }

extern "C" FB_API cudaError_t fb_onchip_conv(const void *u, const float *spectrum, const float *d, void *y,
                                             fb_dtype dtype, int64_t batch, int64_t channels, int64_t length,
                                             int64_t fft_size, cudaStream_t stream) {
    if (batch < 1 || channels < 1 || length < 1 || fft_size < length || u == nullptr ||
        spectrum == nullptr || y == nullptr || (fft_size & (fft_size - 1)) != 0 ||
        fft_size > (1 << kMaxLog2) || fft_size < 2) {
        return cudaErrorInvalidValue;
    }
    const int log2n = __builtin_ctzll(static_cast<unsigned long long>(fft_size));
    const size_t smem = static_cast<size_t>(fft_size) * sizeof(float2) * 3 / 2;
    const int threads = static_cast<int>(fft_size / 2 < 1024 ? fft_size / 2 : 1024);
    const int64_t blocks = ((batch + 1) / 2) * channels;
    if (blocks > 0x7fffffffLL) return cudaErrorInvalidValue;
    cudaError_t status = cudaSuccess;
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        status = cudaFuncSetAttribute(onchip_conv<T>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                      static_cast<int>(smem));
        if (status != cudaSuccess) return;
        onchip_conv<T><<<static_cast<unsigned>(blocks), threads, smem, stream>>>(
            static_cast<const T *>(u), reinterpret_cast<const float2 *>(spectrum), d, static_cast<T *>(y), batch,
            channels, length, log2n);
    });
    if (!known) return cudaErrorInvalidValue;
    return status != cudaSuccess ? status : cudaGetLastError();
}
