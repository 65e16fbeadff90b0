// The entry points of the on-chip kernels (onchip_kernels.cuh): arguments checked, then the
// launcher of the call's dtype (compiled apart, onchip_conv_<dtype>.cu).
#include "onchip_kernels.cuh"

int fb::onchip_max_sequence(fb_dtype dtype, int device) {
    int smem_limit = 0;
    if (fb::smem_per_block(device, smem_limit) != cudaSuccess) return 0;
    int n = 0;
    fb::dispatch_dtype(dtype, [&](auto t) { n = max_sequence<decltype(t)>(smem_limit); });
    return n;
}

extern "C" FB_API cudaError_t fb_onchip_max_fft_size(fb_dtype dtype, int device, int64_t *max_fft_size) {
    if (max_fft_size == nullptr) return cudaErrorInvalidValue;
    const int n = fb::onchip_max_sequence(dtype, device);
    if (n == 0) return cudaErrorInvalidValue;
    *max_fft_size = 2 * static_cast<int64_t>(n);  // one real row as n complex values
    return cudaSuccess;
}

extern "C" FB_API cudaError_t fb_onchip_conv(const void *u, const float *spectrum, const float *d, const void *pre,
                                             const void *post, void *y, fb_dtype dtype, int64_t batch,
                                             int64_t channels, int64_t length, int64_t fft_size, int transpose,
                                             cudaStream_t stream) {
    int device = 0;
    cudaError_t status = cudaGetDevice(&device);
    if (status != cudaSuccess) return status;
    const int64_t max_sequence = fb::onchip_max_sequence(dtype, device);
    if (batch < 1 || channels < 1 || length < 1 || fft_size < length || u == nullptr ||
        spectrum == nullptr || y == nullptr || (fft_size & (fft_size - 1)) != 0 ||
        fft_size > 2 * max_sequence || fft_size < 2) {
        return cudaErrorInvalidValue;
    }
    // One real row per block past a block's complex sequence, for a batch of one (no pair), and
    // where two rows would take two rounds per pass (N = 32K): one row of N/2 values takes one.
    // On tensor cores also where two rows' transform would end in an fp32 radix-2/4/8 pass and one
    // row's would not (N = 64 and 512; H100, bf16: 1.11x faster at N = 512, N = 64 not timed), and
    // where two rows would take a wide block and one row a narrow one (N = 16K: 1.27 against
    // 1.37 ms at 16 x 768 x 8K). Elsewhere two rows were as fast or faster (N = 2K, 8K).
    const int bits = 63 - __builtin_clzll(static_cast<unsigned long long>(fft_size));
    const bool tensor_cores = dtype != FB_FP32;
    const bool small_tail = tensor_cores && fft_size >= 32 && ends_in_small_pass<true>(bits) &&
                            !ends_in_small_pass<true>(bits - 1);
    const bool narrow_row = tensor_cores && wide_block(static_cast<int>(fft_size)) &&
                            !wide_block(static_cast<int>(fft_size / 2));
    const bool real = fft_size > max_sequence || batch == 1 || pass_rounds(static_cast<int>(fft_size)) > 1 ||
                      small_tail || narrow_row;
    const int n = static_cast<int>(real ? fft_size / 2 : fft_size);
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        status = fb::launch_onchip_conv(static_cast<const T *>(u), reinterpret_cast<const float2 *>(spectrum), d,
                                        static_cast<const T *>(pre), static_cast<const T *>(post), static_cast<T *>(y),
                                        batch, channels, length, n, real, transpose != 0, stream);
    });
    return known ? status : cudaErrorInvalidValue;
}

extern "C" FB_API int fb_learned_levels(int64_t fft_size) {
    if (fft_size < 4 || (fft_size & (fft_size - 1)) != 0 || fft_size > (int64_t{1} << 30)) return -1;
    const int bits = 62 - __builtin_clzll(static_cast<unsigned long long>(fft_size));  // of n = fft_size / 2
    int levels = 0;
    for (int done = 0; done < bits;) {
        const int radix_bits = pass_bits<true>(bits - done);
        levels += pass_levels(radix_bits);
        done += radix_bits;
    }
    return levels;
}

namespace {

// Whether the learned forward takes fft_size (levels matrices per direction) with smem_limit bytes
// of shared memory per block: one real row, at most a block's longest sequence, with both
// directions' fragments beside it. bf16 and fp16 keep the same bf16 values on chip.
bool learned_forward_fits(int64_t fft_size, int levels, int smem_limit) {
    return fft_size <= 2 * fb::kMaxSequence &&
           learned_fits<__nv_bfloat16>(static_cast<int>(fft_size / 2), levels, smem_limit);
}

// The learned calls' common checks: a dtype with tensor cores, the levels of fft_size, one or
// `channels` groups of matrices 8-byte aligned (read as float2), and learned_forward_fits on this
// device (its limits into device).
bool learned_call_fits(fb_dtype dtype, int64_t channels, int64_t fft_size, const float *matrices, int levels,
                       int groups, fb::DeviceLimits &device) {
    if (!fb::current_device_limits(device)) return false;
    return (dtype == FB_BF16 || dtype == FB_FP16) && channels >= 1 && levels >= 0 &&
           fb_learned_levels(fft_size) == levels && (groups == 1 || groups == channels) &&
           reinterpret_cast<uintptr_t>(matrices) % 8 == 0 && learned_forward_fits(fft_size, levels, device.smem_limit);
}

}  // namespace

extern "C" FB_API cudaError_t fb_learned_max_fft_size(int device, int backward, int64_t *max_fft_size) {
    int smem_limit = 0;
    if (max_fft_size == nullptr) return cudaErrorInvalidValue;
    const cudaError_t status = fb::smem_per_block(device, smem_limit);
    if (status != cudaSuccess) return status;
    // What fits shrinks as the size grows: the last size before the first that does not fit.
    int64_t largest = 0;
    for (int64_t fft_size = 4; fft_size <= 2 * fb::kMaxSequence; fft_size *= 2) {
        const int levels = fb_learned_levels(fft_size);
        if (!learned_forward_fits(fft_size, levels, smem_limit) ||
            (backward != 0 && !fb::learned_backward_fits(static_cast<int>(fft_size / 2), levels, smem_limit))) {
            break;
        }
        largest = fft_size;
    }
    *max_fft_size = largest;
    return cudaSuccess;
}

extern "C" FB_API cudaError_t fb_learned_spectrum(const float *k, int64_t channels, int64_t taps, int64_t fft_size,
                                                  const float *forward, int levels, int groups, fb_dtype dtype,
                                                  float *spectrum, cudaStream_t stream) {
    fb::DeviceLimits device;
    if (k == nullptr || forward == nullptr || spectrum == nullptr || taps < 1 || taps > fft_size ||
        !learned_call_fits(dtype, channels, fft_size, forward, levels, groups, device)) {
        return cudaErrorInvalidValue;
    }
    cudaError_t status = cudaSuccess;
    fb::dispatch_dtype(dtype, [&](auto t) {
        status = fb::launch_learned_spectrum<decltype(t)>(k, channels, taps, static_cast<int>(fft_size / 2), forward,
                                                          levels, groups, reinterpret_cast<float2 *>(spectrum), stream);
    });
    return status;
}

extern "C" FB_API cudaError_t fb_onchip_conv_learned(const void *u, const float *spectrum, const float *d, void *y,
                                                     fb_dtype dtype, int64_t batch, int64_t channels, int64_t length,
                                                     int64_t fft_size, const float *forward, const float *inverse,
                                                     int levels, int groups, cudaStream_t stream) {
    fb::DeviceLimits device;
    if (u == nullptr || spectrum == nullptr || y == nullptr || forward == nullptr || inverse == nullptr ||
        batch < 1 || length < 1 || length > fft_size || reinterpret_cast<uintptr_t>(inverse) % 8 != 0 ||
        !learned_call_fits(dtype, channels, fft_size, forward, levels, groups, device)) {
        return cudaErrorInvalidValue;
    }
    cudaError_t status = cudaSuccess;
    fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        status = fb::launch_onchip_conv_learned(static_cast<const T *>(u), reinterpret_cast<const float2 *>(spectrum),
                                                d, static_cast<T *>(y), batch, channels, length,
                                                static_cast<int>(fft_size / 2), forward, inverse, levels, groups,
                                                device, stream);
    });
    return status;
}

cudaError_t fb_monarch_inner(void *z, const float *spectrum, const float *d, fb_dtype dtype, int64_t batch,
                             int64_t channels, int inner, int outer1, int outer2, bool transpose, cudaStream_t stream) {
    cudaError_t status = cudaSuccess;
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        status = fb::launch_monarch_inner<T>(static_cast<fb::SmemValue<T> *>(z), reinterpret_cast<const float2 *>(spectrum),
                                             d, batch, channels, inner, outer1, outer2, transpose, stream);
    });
    return known ? status : cudaErrorInvalidValue;
}

extern "C" FB_API cudaError_t fb_onchip_kernel_grad_max_fft_size(int device, int64_t *max_fft_size) {
    int smem_limit = 0;
    if (max_fft_size == nullptr) return cudaErrorInvalidValue;
    const cudaError_t status = fb::smem_per_block(device, smem_limit);
    if (status != cudaSuccess) return status;
    *max_fft_size = kernel_grad_max_sequence(smem_limit);
    return cudaSuccess;
}

extern "C" FB_API cudaError_t fb_onchip_kernel_grad(const void *u, const void *dy, float *rows, fb_dtype dtype,
                                                    int64_t batch, int64_t channels, int64_t length,
                                                    int64_t fft_size, cudaStream_t stream) {
    int device = 0;
    cudaError_t status = cudaGetDevice(&device);
    if (status != cudaSuccess) return status;
    int64_t max_fft_size = 0;
    status = fb_onchip_kernel_grad_max_fft_size(device, &max_fft_size);
    if (status != cudaSuccess) return status;
    if (batch < 1 || channels < 1 || length < 1 || fft_size < length || u == nullptr || dy == nullptr ||
        rows == nullptr || (fft_size & (fft_size - 1)) != 0 || fft_size < 2 || fft_size > max_fft_size) {
        return cudaErrorInvalidValue;
    }
    const int n = static_cast<int>(fft_size);
    const bool known = fb::dispatch_dtype(dtype, [&](auto t) {
        using T = decltype(t);
        status = fb::launch_onchip_kernel_grad(static_cast<const T *>(u), static_cast<const T *>(dy), rows, batch,
                                               channels, length, n, stream);
    });
    return known ? status : cudaErrorInvalidValue;
}
