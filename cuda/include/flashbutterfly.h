/*
 * flashbutterfly native API: plain C, every function returns a cudaError_t and takes the
 * stream it runs on. Pointers are device pointers unless named otherwise. Sizes and indices
 * are 64-bit so tensors past 2^31 elements work. As with the CUDA runtime's own calls, an error
 * of the runtime (an absent device, say) stays the thread's last error until cudaGetLastError().
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

/* out[i] = a[i] * b[i] for i < count, all of dtype, the product in fp32 rounded to dtype; out may
 * be a or b (in place). */
FB_API cudaError_t fb_multiply(const void *a, const void *b, void *out, fb_dtype dtype, int64_t count,
                               cudaStream_t stream);

/* ---- FFT long convolution (cuFFT path) ----------------------------------------------------
 * Rows are (batch * channels) sequences; channel of row r is r % channels. Spectra are fp32
 * complex numbers, interleaved (re, im), `bins` per row. FFT rows of real values are stored with
 * the stride each function takes (n for the library's out-of-place transforms). */

/*
 * Kernel taps into FFT rows (zero elsewhere): for each channel h,
 *   dst[h * dst_stride + j]     = scale * k[h * (causal_len + anticausal_len) + j]              j < causal_len
 *   dst[h * dst_stride + n - s] = scale * k[h * (causal_len + anticausal_len) + causal_len + s - 1]   1 <= s <= anticausal_len
 * The second line is the anti-causal half of a bidirectional kernel (tap s multiplies u[t + s]).
 */
FB_API cudaError_t fb_kernel_to_fft_rows(const void *k, fb_dtype k_dtype, int64_t channels,
                                         int64_t causal_len, int64_t anticausal_len,
                                         float *dst, int64_t n, int64_t dst_stride, float scale,
                                         cudaStream_t stream);

/* The transpose of fb_kernel_to_fft_rows: gathers the taps' entries of FFT rows back into a
 * kernel-shaped tensor of k_dtype, times scale (the gradient of the kernel). */
FB_API cudaError_t fb_fft_rows_to_kernel(const float *src, int64_t n, int64_t src_stride,
                                         int64_t channels, int64_t causal_len,
                                         int64_t anticausal_len, void *k, fb_dtype k_dtype,
                                         float scale, cudaStream_t stream);

/* x[r, f] *= s[r % channels, f] (or its conjugate when conjugate_s != 0), in place. */
FB_API cudaError_t fb_spectrum_multiply(float *x, const float *s, int64_t rows, int64_t channels,
                                        int64_t bins, int conjugate_s, cudaStream_t stream);

/* out[h, f] = scale * sum over b < batch of a[b, h, f] * conj(b[b, h, f]). */
FB_API cudaError_t fb_spectrum_correlate(const float *a, const float *b, float *out,
                                         int64_t batch, int64_t channels, int64_t bins,
                                         float scale, cudaStream_t stream);

/*
 * y[r, t] = conv[r * conv_stride + t] + d[r % channels] * u[r, t] for t < length, rounded to
 * dtype (u and y share it; d is fp32 and may be NULL for no skip term).
 */
FB_API cudaError_t fb_conv_epilogue(const float *conv, int64_t conv_stride, const void *u,
                                    const float *d, void *y, fb_dtype dtype, int64_t rows,
                                    int64_t channels, int64_t length, cudaStream_t stream);

/*
 * Parameters of the cuFFT LTO callbacks of the fused forward (cuda/callbacks/),
 * one block in device memory per plan, rewritten before each execution:
 *   R2C load   fb_cb_load_u_<dtype>:   x[row, t] = u[row, t] for t < length, 0 up to fft_size
 *   R2C store  fb_cb_store_times_kernel: X[row, f] = X * spectrum[row % channels, f]
 *   C2R store  fb_cb_store_y_<dtype>:  y[row, t] = x[row, t] + d[row % channels] * u[row, t], t < length
 * (u is read through the R2C's input pointer and y written through the C2R's output pointer.)
 */
typedef struct fb_fft_conv_params {
    const float *spectrum; /* (channels, bins) complex, scaled by 1/fft_size */
    const float *d;        /* (channels) fp32, or NULL */
    const void *u;         /* (rows, length), for the skip term */
    int64_t length;
    int64_t fft_size;
    int64_t bins;
    int64_t channels;
    double inverse_fft_size; /* 1.0 / fft_size and 1.0 / bins: the callbacks divide by multiplying */
    double inverse_bins;
} fb_fft_conv_params;

/*
 * *bytes (host memory) = the shared memory per block that the size choices below follow on
 * device: its opt-in limit, or the environment variable FLASHBUTTERFLY_SMEM_PER_BLOCK (read once)
 * where that holds a smaller positive byte count, so that a larger GPU makes a smaller one's choices.
 */
FB_API cudaError_t fb_smem_per_block(int device, int *bytes);

/*
 * *max_fft_size (host memory) = the largest FFT size fb_onchip_conv takes for dtype on device: a
 * power of two, 65536 for fp16/bf16 and 32768 for fp32 where the device's shared memory per
 * block holds half as many complex values, less where it does not.
 */
FB_API cudaError_t fb_onchip_max_fft_size(fb_dtype dtype, int device, int64_t *max_fft_size);

/*
 * The whole forward y = post * (conv(v, k) + d * v), v = pre * u (elementwise), for u and y of
 * (batch, channels, length) in one kernel, the sequence kept on chip: fft_size a power of two from
 * 2 up to fb_onchip_max_fft_size(), spectrum (channels, fft_size / 2 + 1) complex scaled by
 * 1 / fft_size, d fp32 or NULL; the gates pre and post laid out like u, of its dtype, or NULL (no
 * gate). transpose != 0: the adjoint, conv^T (the spectrum's conjugate): the backward's du for dy
 * in u's place.
 */
FB_API cudaError_t fb_onchip_conv(const void *u, const float *spectrum, const float *d, const void *pre,
                                  const void *post, void *y, fb_dtype dtype, int64_t batch,
                                  int64_t channels, int64_t length, int64_t fft_size, int transpose,
                                  cudaStream_t stream);

/* The longest sequence fb_direct_conv takes: 2048. */
FB_API int64_t fb_direct_max_length(void);

/*
 * The causal forward y = post * (conv(v, k) + d * v), v = pre * u, for u and y of (batch, channels,
 * length) fp16 or bf16 (length up to fb_direct_max_length()), as products with each channel's
 * Toeplitz matrix on tensor cores, in fp32 accumulation: tap j of channel h is scale * rows[h *
 * row_stride + j] for j < taps (rows fp32, taps <= row_stride), 0 past them, rounded to u's dtype
 * as the products' operand (fp16 holds magnitudes up to 65504); d fp32 or NULL; the
 * gates pre and post laid out like u, of its dtype, or NULL. transpose != 0: the adjoint, conv^T
 * (y[n] = sum over j >= n of v[j] k[j - n], + d * v): the backward's du for dy in u's place.
 * Nothing is transformed: the work grows as length^2 per row, so it pays where sequences are
 * short. u and pre are read 16 bytes at a time where length is a multiple of 8, y and post 8 bytes
 * at a time where it is a multiple of 4: their addresses must then be 16- (8-) byte aligned, as
 * cudaMalloc's are.
 */
FB_API cudaError_t fb_direct_conv(const void *u, const float *rows, int64_t row_stride, int64_t taps, float scale,
                                  const float *d, const void *pre, const void *post, void *y, fb_dtype dtype,
                                  int64_t batch, int64_t channels, int64_t length, int transpose,
                                  cudaStream_t stream);

/* The longest sequence fb_direct_kernel_grad takes: 1024. */
FB_API int64_t fb_direct_kernel_grad_max_length(void);

/*
 * The causal convolution's kernel gradient, as products on tensor cores in fp32 accumulation:
 * rows (channels, taps) fp32, rows[h][m] = sum over b and t of dy[b][h][t] * u[b][h][t - m] for
 * m < taps <= length, u and dy of (batch, channels, length) fp16 or bf16 (length up to
 * fb_direct_kernel_grad_max_length()). u and dy are read once, 16 bytes at a time where length is
 * a multiple of 8 (then 16-byte aligned). The sums run in a fixed order: the same rows, bit for bit,
 * every run. fb_fft_rows_to_kernel casts the rows to the kernel's dtype.
 */
FB_API cudaError_t fb_direct_kernel_grad(const void *u, const void *dy, float *rows, int64_t taps, fb_dtype dtype,
                                         int64_t batch, int64_t channels, int64_t length, cudaStream_t stream);

/*
 * *max_fft_size (host memory) = the largest FFT size fb_onchip_kernel_grad takes on device: a
 * power of two, 16384 where a block's shared memory holds that many fp32 complex values and the
 * sum of half as many.
 */
FB_API cudaError_t fb_onchip_kernel_grad_max_fft_size(int device, int64_t *max_fft_size);

/*
 * The rows dk's taps come from, with the sequences kept on chip: rows (channels, fft_size) fp32,
 * rows[h][j] = sum over b and t of dy[b][h][t] * u[b][h][(t - j) mod fft_size], u and dy of
 * (batch, channels, length) zero-padded to fft_size (a power of two up to
 * fb_onchip_kernel_grad_max_fft_size()), computed in fp32 for every dtype. fb_fft_rows_to_kernel
 * takes the taps.
 */
FB_API cudaError_t fb_onchip_kernel_grad(const void *u, const void *dy, float *rows, fb_dtype dtype,
                                         int64_t batch, int64_t channels, int64_t length, int64_t fft_size,
                                         cudaStream_t stream);

/*
 * The learned form of fb_onchip_conv's one-row convolution (StockhamButterfly in the Java
 * library): the 16 x 16 matrix of each radix-16 level of the transform and of its inverse is a
 * parameter. fb_learned_levels: the matrices per direction for fft_size (-1 if none), levels in
 * the calls below. forward and inverse: (groups, levels, 16, 16) complex fp32, (re, im) pairs,
 * 8-byte aligned, groups 1 (shared by the channels) or channels; the levels in the order the
 * transform's passes run them (a 256-point pass's two levels side by side; a 128-point pass's
 * second level is the fixed 8-point DFT, a pass of 2, 4 or 8 the fixed DFT). P[p][r] row-major
 * acts as X_p = sum_r P[p][r] v_r on a pass's twiddled column v, and a 256-point pass's second
 * level P2 as X[c + 16 d] = sum_b P2[d][b] U[c][b] on the first level's twiddled result U. bf16
 * and fp16 sequences only (the levels are tensor-core products with bf16 operands), fft_size a
 * power of two from 4 up to what one block holds with both directions' matrices
 * (fb_learned_max_fft_size).
 */
FB_API int fb_learned_levels(int64_t fft_size);

/*
 * *max_fft_size (host memory) = the largest FFT size the learned calls below take on device, for
 * bf16 and fp16 alike: fb_learned_spectrum's and fb_onchip_conv_learned's where backward is 0,
 * also fb_onchip_conv_learned_backward's where it is not (at most 32768); 0 where none fits.
 */
FB_API cudaError_t fb_learned_max_fft_size(int device, int backward, int64_t *max_fft_size);

/*
 * The spectrum of the learned convolution: (channels, fft_size / 2 + 1) complex fp32 from k
 * (channels, taps) fp32, its rows packed as complex pairs, transformed with the forward
 * matrices (bf16 operands, as the convolution's own transforms, where fb_onchip_conv's spectrum
 * is cuFFT's fp32) and split into the bins of a real transform, scaled by 1 / fft_size. dtype:
 * the sequences' (bf16 or fp16).
 */
FB_API cudaError_t fb_learned_spectrum(const float *k, int64_t channels, int64_t taps, int64_t fft_size,
                                       const float *forward, int levels, int groups, fb_dtype dtype,
                                       float *spectrum, cudaStream_t stream);

/*
 * y = conv(u, k) + d * u through the learned transforms, one row per block, the spectrum from
 * fb_learned_spectrum with the same forward matrices; u and y (batch, channels, length) of dtype,
 * d fp32 or NULL, length <= fft_size (causal: fft_size >= length + taps - 1).
 */
FB_API cudaError_t fb_onchip_conv_learned(const void *u, const float *spectrum, const float *d, void *y,
                                          fb_dtype dtype, int64_t batch, int64_t channels, int64_t length,
                                          int64_t fft_size, const float *forward, const float *inverse, int levels,
                                          int groups, cudaStream_t stream);

/*
 * The backward of fb_onchip_conv_learned with fb_learned_spectrum, for the output gradient dy:
 * du (as u), dk (channels, taps) fp32, dd (channels) fp32 (NULL exactly where d is), and the
 * matrices' gradients forward_grad and inverse_grad (as forward and inverse), all written, not
 * added to. Gradients of a real loss: dL/dRe + i dL/dIm for each complex entry. fft_size up to
 * fb_learned_max_fft_size() with backward 1. scratch: 256-byte aligned device memory of
 * fb_learned_backward_scratch_bytes() for the same shape on the current device (not kept
 * between calls; the call allocates nothing).
 */
FB_API cudaError_t fb_learned_backward_scratch_bytes(int64_t batch, int64_t channels, int64_t fft_size, int levels,
                                                     int groups, size_t *bytes);
FB_API cudaError_t fb_onchip_conv_learned_backward(const void *u, const void *dy, const float *k, int64_t taps,
                                                   const float *spectrum, const float *d, void *du, float *dk,
                                                   float *dd, float *forward_grad, float *inverse_grad, void *scratch,
                                                   fb_dtype dtype, int64_t batch, int64_t channels, int64_t length,
                                                   int64_t fft_size, const float *forward, const float *inverse,
                                                   int levels, int groups, cudaStream_t stream);

/*
 * The largest FFT size fb_monarch_conv takes for dtype on device with at most `levels` outer
 * levels (1 or 2): the outer factors' largest product times the inner step's size (half the
 * longest complex sequence one block holds), times two.
 */
FB_API cudaError_t fb_monarch_max_fft_size(fb_dtype dtype, int device, int levels, int64_t *max_fft_size);

/* Bytes of the workspace fb_monarch_conv needs for these sizes (-1 for an unknown dtype). */
FB_API int64_t fb_monarch_conv_workspace_bytes(fb_dtype dtype, int64_t batch, int64_t channels,
                                               int64_t fft_size);

/*
 * fb_onchip_conv (gates and transpose as there) for FFT sizes past one SM: fft_size a power of
 * two with 2 * M < fft_size <= 1024 * M, M = fb_onchip_max_fft_size() / 4 of the current device,
 * each row as fft_size / 2 complex values v[2j] + i v[2j+1] factored as outer * M: an outer pass over
 * device memory (two past fft_size = 32 * M), on-chip inner transforms and outer passes back (the Monarch
 * factorisation, spectrum used in permuted order: no transposes). workspace:
 * fb_monarch_conv_workspace_bytes() bytes.
 */
FB_API cudaError_t fb_monarch_conv(const void *u, const float *spectrum, const float *d, const void *pre,
                                   const void *post, void *y, fb_dtype dtype, int64_t batch,
                                   int64_t channels, int64_t length, int64_t fft_size, int transpose,
                                   void *workspace, cudaStream_t stream);

/* ---- Kernel regularisers (io.flashbutterfly.ops.KernelRegularizer is the float64 reference) ----
 * On raw fp32 weights w of (channels, causal_len + anticausal_len), in this order: smooth (moving
 * average of odd width smooth_width along each row, zero padding; 1: off), squash
 * (sign(k) max(|k| - squash, 0); 0: off), dropout (rate dropout in [0, 1); 0: off): tap i of all
 * channels' taps is kept, times 1 / (1 - dropout), when the uniform double of (seed, i) is >= dropout
 * (splitmix64: z = seed + (i + 1) 0x9E3779B97F4A7C15, then its finaliser, top 53 bits / 2^53). */

/* fb_kernel_to_fft_rows of the regularised weights: the kernel spectrum's transform input, the
 * regulariser fused into writing it. With n = dst_stride = taps, anticausal_len 0 and scale 1: the
 * regularised kernel itself. */
FB_API cudaError_t fb_regularized_kernel_to_fft_rows(const float *w, int64_t channels, int64_t causal_len,
                                                     int64_t anticausal_len, int smooth_width, float squash,
                                                     float dropout, uint64_t seed, float *dst, int64_t n,
                                                     int64_t dst_stride, float scale, cudaStream_t stream);

/* dw (channels, taps) = the weights' gradient for the regularised kernel's gradient dk (the
 * threshold's subgradient 0 at the kink); scratch: channels * taps floats. */
FB_API cudaError_t fb_regularized_kernel_backward(const float *w, const float *dk, int64_t channels,
                                                  int64_t taps, int smooth_width, float squash,
                                                  float dropout, uint64_t seed, float *scratch, float *dw,
                                                  cudaStream_t stream);

/*
 * dd[h] = sum over b < batch, t < length of dy[b, h, t] * u[b, h, t] (times pre[b, h, t] and
 * post[b, h, t] where those gates are not NULL), in fp32, deterministic.
 */
FB_API cudaError_t fb_skip_grad(const void *dy, const void *u, const void *pre, const void *post, fb_dtype dtype,
                                int64_t batch, int64_t channels, int64_t length, float *dd, cudaStream_t stream);

/* ---- Channel-mixing linear layer and GELU (fp32) -----------------------------------------
 * Tensors are (batch, channels, length), row-major; the linear layer's products run in cuBLAS,
 * these kernels do the rest. */

/* y[b, c, t] += bias[c], in place, for y of (batch, channels, length). */
FB_API cudaError_t fb_add_channel_bias(float *y, const float *bias, int64_t batch, int64_t channels,
                                       int64_t length, cudaStream_t stream);

/*
 * out[c] = sum over b < batch, t < length of x[b, c, t], accumulated in fp64, deterministic (the
 * bias gradient; with length 1, the sum of a batch of weight gradients). channels < 2^31.
 */
FB_API cudaError_t fb_channel_sum(const float *x, int64_t batch, int64_t channels, int64_t length,
                                  float *out, cudaStream_t stream);

/*
 * GELU, tanh approximation (PyTorch's approximate="tanh"), elementwise over count values:
 *   y = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
 * y may be x (in place).
 */
FB_API cudaError_t fb_gelu_forward(const float *x, float *y, int64_t count, cudaStream_t stream);

/* dx = dy * gelu'(x) for the GELU above; dx may be dy or x (in place). */
FB_API cudaError_t fb_gelu_backward(const float *dy, const float *x, float *dx, int64_t count,
                                    cudaStream_t stream);

/* ---- Learned butterfly (N = n1 * n2) ---------------------------------------------------------
 * The two-level transform whose factor matrices are parameters runs as cuBLAS complex products;
 * these kernels do the rest. Butterfly layout of a batch of (batch, channels) sequences: complex
 * fp32 values, interleaved (re, im), sequence (b, h)'s value t = c + n1 * i at
 *   ((h * n2 + i) * batch + b) * n1 + c         (c < n1, i < n2)
 * so a channel's block is an (n2, batch * n1) matrix whose rows are also (n2 * batch) rows of n1.
 */

/* out = scale * x from real rows x (batch, channels, length) of dtype, into the butterfly layout,
 * imaginary parts and t >= length zero; length <= n1 * n2. */
FB_API cudaError_t fb_butterfly_scatter(const void *x, fb_dtype dtype, int64_t batch, int64_t channels,
                                        int64_t length, int64_t n1, int64_t n2, float scale, float *out,
                                        cudaStream_t stream);

/* rows[b, h, t] = scale * Re(x at (b, h, t)) for t < length: real fp32 rows (batch, channels, length). */
FB_API cudaError_t fb_butterfly_gather(const float *x, int64_t batch, int64_t channels, int64_t length,
                                       int64_t n1, int64_t n2, float scale, float *rows, cudaStream_t stream);

/* out[h, i, b, c] = x[h, i, b, c] * f[h * f_stride + i * n1 + c] (its conjugate when conjugate_f != 0),
 * f complex (a twiddle matrix or a transformed kernel, f_stride 0 when channels share it); out may be x. */
FB_API cudaError_t fb_butterfly_scale(const float *x, const float *f, int64_t f_stride, int64_t batch,
                                      int64_t channels, int64_t n1, int64_t n2, int conjugate_f, float *out,
                                      cudaStream_t stream);

/* out[h, i, c] = sum over b of a[h, i, b, c] * conj(b[h, i, b, c]) (added to out when accumulate != 0),
 * complex, the batch summed in a fixed order. */
FB_API cudaError_t fb_butterfly_correlate(const float *a, const float *b, int64_t batch, int64_t channels,
                                          int64_t n1, int64_t n2, int accumulate, float *out,
                                          cudaStream_t stream);

#ifdef __cplusplus
}
#endif

#endif /* FLASHBUTTERFLY_H */
