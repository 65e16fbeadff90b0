// What the on-chip kernels (onchip_kernels.cuh) share with the Monarch convolution (monarch_conv.cu).
#pragma once

#include <cstdint>
#include <type_traits>

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include "flashbutterfly.h"
#include "device_limits.cuh"

namespace fb {

// The longest complex sequence one block transforms: 32768 bf16 values (fp32 ones: half as many),
// where the device's shared memory per block holds them (onchip_max_sequence).
constexpr int kMaxSequence = 32768;

// The longest sequence of a narrow (512-thread) block, 2^13 values: two such blocks run per SM.
constexpr int kNarrowMaxLogN = 13;

// bf16/fp16 sequences run their radix-16 passes on tensor cores and keep complex values as bf16
// (in shared memory and between passes); fp32 sequences keep fp32 throughout.
template <typename T> constexpr bool kUsesTensorCores = !std::is_same_v<T, float>;
template <typename T> using SmemValue = std::conditional_t<kUsesTensorCores<T>, __nv_bfloat162, float2>;

// The longest complex sequence (a power of two) one block transforms for dtype on device (0 if
// unknown): the on-chip convolution takes real FFTs of twice that, the Monarch inner step two
// rows of half that.
int onchip_max_sequence(fb_dtype dtype, int device);

// Whether the learned backward (learned_backward.cu) takes n complex values with levels matrices
// per direction in smem_limit bytes of shared memory per block.
bool learned_backward_fits(int n, int levels, int smem_limit);

// The kernels' launchers for sequence type T, compiled once per dtype (onchip_launchers.cuh);
// the entry points (onchip_conv.cu, monarch_conv.cu) check the arguments first. n: the complex
// values a block transforms; real: one real row of 2n values per block, else two rows of n.
template <typename T>
cudaError_t launch_onchip_conv(const T *u, const float2 *spectrum, const float *d, const T *pre, const T *post, T *y,
                               int64_t batch, int64_t channels, int64_t length, int n, bool real, bool transpose,
                               cudaStream_t stream);
template <typename T>
cudaError_t launch_monarch_inner(SmemValue<T> *z, const float2 *spectrum, const float *d, int64_t batch,
                                 int64_t channels, int inner, int outer1, int outer2, bool transpose,
                                 cudaStream_t stream);
template <typename T>
cudaError_t launch_onchip_conv_learned(const T *u, const float2 *spectrum, const float *d, T *y, int64_t batch,
                                       int64_t channels, int64_t length, int n, const float *forward,
                                       const float *inverse, int levels, int groups, const DeviceLimits &device,
                                       cudaStream_t stream);
template <typename T>
cudaError_t launch_learned_spectrum(const float *k, int64_t channels, int64_t taps, int n, const float *forward,
                                    int levels, int groups, float2 *spectrum, cudaStream_t stream);
template <typename T>
cudaError_t launch_onchip_kernel_grad(const T *u, const T *dy, float *rows, int64_t batch, int64_t channels,
                                      int64_t length, int n, cudaStream_t stream);

}  // namespace fb

// The inner, on-chip step of fb_monarch_conv: z holds (rows, outer1, outer2, inner) complex values
// of type SmemValue, inner row (r, q1, q2) the bins outer1 outer2 f + outer1 q2 + q1 of the
// (outer1 * outer2 * inner)-point transform of row r of u as complex values u[2j] + i u[2j+1]
// (inner a power of two up to onchip_max_sequence / 2: a block takes the two inner rows that
// hold bins k and size - k); each becomes what the inverse outer steps turn into the convolution
// plus the skip d (null: none) times the (pre-gated) input (transpose: with the spectrum's conjugate).
cudaError_t fb_monarch_inner(void *z, const float *spectrum, const float *d, fb_dtype dtype, int64_t batch,
                             int64_t channels, int inner, int outer1, int outer2, bool transpose, cudaStream_t stream);
