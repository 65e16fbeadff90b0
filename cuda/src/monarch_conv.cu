// The FFT convolution of sequences too long for one SM, as the Monarch factorisation
// N = outer * inner: an outer pass over device memory, the inner transforms on chip, an outer
// pass back. With n = m + inner * p and k = outer * f + q (p, q < outer; m, f < inner):
//   X[outer f + q] = FFT_inner(y_q)[f],  y_q[m] = W_N^(q m) sum_p x[m + inner p] W_outer^(q p),
// so the spectrum comes out in the permuted order (q, f) and is multiplied there, by the
// kernel's bins outer * f + q, without any transpose; the inverse runs the same steps backwards:
//   x[m + inner p] = sum_q W_outer^(-q p) W_N^(-q m) z_q[m],  z_q = IFFT_inner(Y_q K_q) (1/N in K).
// As in the on-chip kernel, rows b and b + 1 of a channel travel as one complex sequence.
// Device memory: u read, z written, z read and written on chip, z read, y written (u read again
// only for the skip term).
#include "complex.cuh"
#include "dft16_mma.cuh"
#include "elements.cuh"
#include "onchip.cuh"

namespace {

constexpr int kMaxOuter = 16;
constexpr int kThreads = 256;

using fb::cmul;
using fb::conj;

// exp(-2 pi i num / den) for 0 <= num < den, accurately (fp32 results to 1e-5 need it).
__device__ __forceinline__ float2 root(int64_t num, int64_t den) {
    float s, c;
    sincospif(-2.0f * static_cast<float>(num) / static_cast<float>(den), &s, &c);
    return make_float2(c, s);
}

// sum_i x[i] * roots[(i j) mod outer]: output j of the outer DFT (roots: its powers of W_outer or
// of their conjugates; outer a power of two).
__device__ __forceinline__ float2 outer_dft(const float2 (&x)[kMaxOuter], const float2 *roots, int j, int outer) {
    float2 sum = make_float2(0.0f, 0.0f);
#pragma unroll
    for (int i = 0; i < kMaxOuter; ++i) {
        if (i < outer) {
            const float2 w = roots[(i * j) & (outer - 1)];
            sum.x += x[i].x * w.x - x[i].y * w.y;
            sum.y += x[i].x * w.y + x[i].y * w.x;
        }
    }
    return sum;
}

// Block per pair of rows: z[pair][q][m] = y_q[m] as above, from x = u_b + i u_{b+1} zero-padded.
template <typename T>
__global__ void __launch_bounds__(kThreads) outer_forward(const T *__restrict__ u, fb::SmemValue<T> *__restrict__ z,
                                                          int64_t batch, int64_t channels, int64_t length,
                                                          int inner, int outer) {
    __shared__ float2 roots[kMaxOuter];  // W_outer^j
    if (threadIdx.x < outer) roots[threadIdx.x] = root(threadIdx.x, outer);
    __syncthreads();
    const int64_t pair = blockIdx.x;
    const int64_t h = pair % channels;
    const int64_t b0 = 2 * (pair / channels);
    const bool two = b0 + 1 < batch;
    const T *u0 = u + (b0 * channels + h) * length;
    const T *u1 = u0 + channels * length;
    const int64_t n = static_cast<int64_t>(outer) * inner;
    fb::SmemValue<T> *zp = z + pair * n;
    for (int m = threadIdx.x; m < inner; m += blockDim.x) {
        float2 x[kMaxOuter];
#pragma unroll
        for (int p = 0; p < kMaxOuter; ++p) {
            const int64_t t = m + static_cast<int64_t>(inner) * p;
            const bool in = p < outer && t < length;
            x[p] = make_float2(in ? fb::to_float(u0[t]) : 0.0f, in && two ? fb::to_float(u1[t]) : 0.0f);
        }
        for (int q = 0; q < outer; ++q) {
            const float2 sum = outer_dft(x, roots, q, outer);
            fb::store_value(zp + static_cast<int64_t>(q) * inner, m, cmul(sum, root(static_cast<int64_t>(q) * m, n)));
        }
    }
}

// Block per pair of rows: y[m + inner p] = sum_q W_outer^(-q p) W_N^(-q m) z_q[m] + d * u, cast.
template <typename T>
__global__ void __launch_bounds__(kThreads) outer_inverse(const fb::SmemValue<T> *__restrict__ z,
                                                          const T *__restrict__ u, const float *__restrict__ d,
                                                          T *__restrict__ y, int64_t batch, int64_t channels,
                                                          int64_t length, int inner, int outer) {
    __shared__ float2 roots[kMaxOuter];
    if (threadIdx.x < outer) roots[threadIdx.x] = conj(root(threadIdx.x, outer));
    __syncthreads();
    const int64_t pair = blockIdx.x;
    const int64_t h = pair % channels;
    const int64_t b0 = 2 * (pair / channels);
    const bool two = b0 + 1 < batch;
    const int64_t row0 = (b0 * channels + h) * length;
    const int64_t row1 = row0 + channels * length;
    const float skip = d != nullptr ? d[h] : 0.0f;
    const int64_t n = static_cast<int64_t>(outer) * inner;
    const fb::SmemValue<T> *zp = z + pair * n;
    for (int m = threadIdx.x; m < inner; m += blockDim.x) {
        float2 v[kMaxOuter];
#pragma unroll
        for (int q = 0; q < kMaxOuter; ++q) {
            v[q] = q < outer ? cmul(fb::load_value(zp + static_cast<int64_t>(q) * inner, m),
                                    conj(root(static_cast<int64_t>(q) * m, n)))
                             : make_float2(0.0f, 0.0f);
        }
        for (int p = 0; p < outer; ++p) {
            const int64_t t = m + static_cast<int64_t>(inner) * p;
            if (t >= length) break;
            const float2 sum = outer_dft(v, roots, p, outer);
            const float s0 = d != nullptr ? skip * fb::to_float(u[row0 + t]) : 0.0f;
            y[row0 + t] = fb::from_float<T>(sum.x + s0);
            if (two) {
                const float s1 = d != nullptr ? skip * fb::to_float(u[row1 + t]) : 0.0f;
                y[row1 + t] = fb::from_float<T>(sum.y + s1);
            }
        }
    }
}

}  // namespace

extern "C" FB_API int64_t fb_monarch_conv_workspace_bytes(fb_dtype dtype, int64_t batch, int64_t channels,
                                                          int64_t fft_size) {
    int64_t bytes = -1;
    fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        bytes = ((batch + 1) / 2) * channels * fft_size * static_cast<int64_t>(sizeof(fb::SmemValue<T>));
    });
    return bytes;
}

extern "C" FB_API cudaError_t fb_monarch_conv(const void *u, const float *spectrum, const float *d, void *y,
                                              fb_dtype dtype, int64_t batch, int64_t channels, int64_t length,
                                              int64_t fft_size, void *workspace, cudaStream_t stream) {
    int device = 0;
    cudaError_t status = cudaGetDevice(&device);
    if (status != cudaSuccess) return status;
    const int inner = fb::onchip_max_fft_size(dtype, device);  // the fewest outer steps
    if (batch < 1 || channels < 1 || length < 1 || fft_size < length || u == nullptr || spectrum == nullptr ||
        y == nullptr || workspace == nullptr || (fft_size & (fft_size - 1)) != 0 || inner == 0 ||
        fft_size <= inner || fft_size > static_cast<int64_t>(kMaxOuter) * inner) {
        return cudaErrorInvalidValue;
    }
    const int outer = static_cast<int>(fft_size / inner);
    const int64_t pairs = ((batch + 1) / 2) * channels;
    if (pairs * outer > 0x7fffffffLL) return cudaErrorInvalidValue;
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        auto *z = static_cast<fb::SmemValue<T> *>(workspace);
        outer_forward<T><<<static_cast<unsigned>(pairs), kThreads, 0, stream>>>(
            static_cast<const T *>(u), z, batch, channels, length, inner, outer);
        status = cudaGetLastError();
        if (status != cudaSuccess) return;
        status = fb_monarch_inner(z, spectrum, dtype, pairs, channels, inner, outer, stream);
        if (status != cudaSuccess) return;
        outer_inverse<T><<<static_cast<unsigned>(pairs), kThreads, 0, stream>>>(
            z, static_cast<const T *>(u), d, static_cast<T *>(y), batch, channels, length, inner, outer);
        status = cudaGetLastError();
    });
    return known ? status : cudaErrorInvalidValue;
}
