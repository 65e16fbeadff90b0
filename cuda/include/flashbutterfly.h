/*
 * flashbutterfly native API: plain C, every function returns a cudaError_t and takes the
 * stream it runs on. Pointers are device pointers unless named otherwise. Sizes and indices
 * are 64-bit so tensors past 2^31 elements work.
 */
#ifndef FLASHBUTTERFLY_H
#define FLASHBUTTERFLY_H

#include <stdint.h>
#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FB_API __attribute__((visibility("default")))
#else
#define FB_API
#endif

/* Element types, numbered as io.flashbutterfly.tensor.DType's native codes. */
typedef enum fb_dtype {
    FB_FP32 = 0,
    FB_FP16 = 1,
    FB_BF16 = 2
} fb_dtype;

/* This library's version: major * 10000 + minor * 100 + patch. */
FB_API int fb_version(void);

/*
 * Row-wise cast, pad and scale: for r < rows,
 *   dst[r * dst_cols + c] = scale * src[r * src_cols + c]   for c < min(src_cols, dst_cols)
 *   dst[r * dst_cols + c] = 0                               for src_cols <= c < dst_cols
 * Arithmetic in fp32; a dst_cols shorter than src_cols truncates. src and dst must not overlap.
 */
FB_API cudaError_t fb_cast_pad(const void *src, fb_dtype src_dtype, int64_t src_cols,
                               void *dst, fb_dtype dst_dtype, int64_t dst_cols,
                               int64_t rows, float scale, cudaStream_t stream);

/* dst[i] = value for i < count (value rounded to dtype; NaN stays NaN). For poisoning too. */
FB_API cudaError_t fb_fill(void *dst, fb_dtype dtype, int64_t count, float value,
                           cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* FLASHBUTTERFLY_H */
