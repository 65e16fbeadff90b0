// Elementwise kernels: cast + pad/truncate + scale per row, fill, and the product of two tensors.
#include "elements.cuh"
#include "launch.cuh"

namespace {

template <typename Src, typename Dst>
__global__ void cast_pad_kernel(const Src *__restrict__ src, int64_t src_cols,
                                Dst *__restrict__ dst, int64_t dst_cols, int64_t rows,
                                float scale) {
    FB_FOR_ROWS_COLS(row, col, rows, dst_cols) {
        const float v = col < src_cols ? scale * fb::to_float(src[row * src_cols + col]) : 0.0f;
        dst[row * dst_cols + col] = fb::from_float<Dst>(v);
    }
}

template <typename T>
__global__ void fill_kernel(T *__restrict__ dst, int64_t count, T value) {
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
        dst[i] = value;
    }
}

// No __restrict__: out may be a or b (in place), and each thread reads its element before writing it.
template <typename T>
__global__ void multiply_kernel(const T *a, const T *b, T *out, int64_t count) {
    const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += stride) {
        out[i] = fb::from_float<T>(fb::to_float(a[i]) * fb::to_float(b[i]));
    }
}

}  // namespace

extern "C" FB_API int fb_version(void) { return 200; }

extern "C" FB_API cudaError_t fb_cast_pad(const void *src, fb_dtype src_dtype, int64_t src_cols,
                                          void *dst, fb_dtype dst_dtype, int64_t dst_cols,
                                          int64_t rows, float scale, cudaStream_t stream) {
    if (src_cols < 0 || dst_cols < 0 || rows < 0) return cudaErrorInvalidValue;
    if (rows * dst_cols == 0) return cudaSuccess;
    if (src == nullptr || dst == nullptr) return cudaErrorInvalidValue;
    bool dst_known = false;
    const bool src_known = fb::dispatch_dtype(src_dtype, [&](auto s) {
        using Src = decltype(s);
        dst_known = fb::dispatch_dtype(dst_dtype, [&](auto d) {
            using Dst = decltype(d);
            cast_pad_kernel<Src, Dst><<<fb::row_grid(rows, dst_cols), fb::kRowThreads, 0, stream>>>(
                static_cast<const Src *>(src), src_cols, static_cast<Dst *>(dst), dst_cols, rows, scale);
        });
    });
    if (!src_known || !dst_known) return cudaErrorInvalidValue;
    return cudaGetLastError();
}

extern "C" FB_API cudaError_t fb_fill(void *dst, fb_dtype dtype, int64_t count, float value,
                                      cudaStream_t stream) {
    constexpr int threads = 256;
    if (count < 0) return cudaErrorInvalidValue;
    if (count == 0) return cudaSuccess;
    if (dst == nullptr) return cudaErrorInvalidValue;
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        fill_kernel<T><<<fb::flat_grid(count, threads), threads, 0, stream>>>(
            static_cast<T *>(dst), count, fb::from_float<T>(value));
    });
    if (!known) return cudaErrorInvalidValue;
    return cudaGetLastError();
}

extern "C" FB_API cudaError_t fb_multiply(const void *a, const void *b, void *out, fb_dtype dtype, int64_t count,
                                          cudaStream_t stream) {
    constexpr int threads = 256;
    if (count < 0) return cudaErrorInvalidValue;
    if (count == 0) return cudaSuccess;
    if (a == nullptr || b == nullptr || out == nullptr) return cudaErrorInvalidValue;
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        multiply_kernel<T><<<fb::flat_grid(count, threads), threads, 0, stream>>>(
            static_cast<const T *>(a), static_cast<const T *>(b), static_cast<T *>(out), count);
    });
    if (!known) return cudaErrorInvalidValue;
    return cudaGetLastError();
}
