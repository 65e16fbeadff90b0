// The typed launchers of the on-chip kernels (declared in onchip.cuh), instantiated once per dtype
// by onchip_conv_<dtype>.cu. Arguments are checked by the entry points in onchip_conv.cu.
#pragma once

#include "onchip_kernels.cuh"

namespace fb {

// The two-rows kernel compiled for n = 2^kLogN (ungated, rows 4-element aligned, bf16 values in
// shared memory: the common case), or null where n has none: kLogN from 8 (kCompactFrom) to 13
// for narrow blocks, 14 for wide ones.
template <typename T, bool kWide, int kLogN = kWide ? 14 : 8>
auto sized_pair_kernel(int n) -> decltype(&onchip_conv<T, SmemValue<T>, 4, kWide, false, 0>) {
    if constexpr (kLogN > (kWide ? 14 : 13)) {
        return nullptr;
    } else {
        if (n == 1 << kLogN) return onchip_conv<T, SmemValue<T>, 4, kWide, false, kLogN>;
        return sized_pair_kernel<T, kWide, kLogN + 1>(n);
    }
}

template <typename T>
cudaError_t launch_onchip_conv(const T *u, const float2 *spectrum, const float *d, const T *pre, const T *post, T *y,
                               int64_t batch, int64_t channels, int64_t length, int n, bool real, bool transpose,
                               cudaStream_t stream) {
    const int64_t blocks = real ? batch * channels : ((batch + 1) / 2) * channels;
    const uintptr_t quad = 4 * sizeof(T);
    const bool by_four = length % 4 == 0 && reinterpret_cast<uintptr_t>(u) % quad == 0 &&
                         reinterpret_cast<uintptr_t>(y) % quad == 0 && reinterpret_cast<uintptr_t>(pre) % quad == 0 &&
                         reinterpret_cast<uintptr_t>(post) % quad == 0;  // a null gate is aligned
    cudaError_t status = cudaSuccess;
    auto launch_gated = [&](auto value, auto wide, auto rounds, auto gated) {
        using Value = decltype(value);
        constexpr bool kWide = decltype(wide)::value, kGated = decltype(gated)::value;
        constexpr int kRounds = decltype(rounds)::value;
        if (real) {
            auto *kernel = by_four ? onchip_conv_real<T, Value, 4, kWide, kRounds, kGated>
                                   : onchip_conv_real<T, Value, 1, kWide, kRounds, kGated>;
            status = launch_on_chip<Value>(kernel, blocks, n, 1, stream, u, spectrum, d, pre, post, y, channels,
                                           length, n, transpose);
        } else if constexpr (kRounds == 1) {  // two rows per block stop at one round (fb_onchip_conv)
            auto *kernel = by_four ? onchip_conv<T, Value, 4, kWide, kGated, 0>
                                   : onchip_conv<T, Value, 1, kWide, kGated, 0>;
            if constexpr (!kGated && kUsesTensorCores<T> && std::is_same_v<Value, SmemValue<T>>) {
                const auto sized = by_four ? sized_pair_kernel<T, kWide>(n) : nullptr;
                if (sized != nullptr) kernel = sized;
            }
            status = launch_on_chip<Value>(kernel, blocks, n, 1, stream, u, spectrum, d, pre, post, y, batch, channels,
                                           length, n, transpose);
        } else {
            status = cudaErrorInvalidValue;
        }
    };
    auto launch = [&](auto value, auto wide, auto rounds) {
        if (pre != nullptr || post != nullptr) {
            launch_gated(value, wide, rounds, std::true_type{});
        } else {
            launch_gated(value, wide, rounds, std::false_type{});
        }
    };
    using One = std::integral_constant<int, 1>;
    if (n < kCompactFrom) {
        launch(float2{}, std::false_type{}, One{});
    } else if (!wide_block(n)) {
        launch(SmemValue<T>{}, std::false_type{}, One{});
    } else if (pass_rounds(n) == 1) {
        launch(SmemValue<T>{}, std::true_type{}, One{});
    } else if constexpr (kUsesTensorCores<T>) {  // fp32 sequences stop at one round
        launch(SmemValue<T>{}, std::true_type{}, std::integral_constant<int, 2>{});
    } else {
        status = cudaErrorInvalidValue;
    }
    return status;
}

template <typename T>
cudaError_t launch_monarch_inner(SmemValue<T> *z, const float2 *spectrum, int64_t rows, int64_t channels, int inner,
                                 int outer1, int outer2, bool transpose, cudaStream_t stream) {
    auto *kernel = monarch_inner<T, false>;
    // fp32 inner rows stop at 8192 values (a quarter of what a block holds), a narrow block
    if constexpr (kUsesTensorCores<T>) {
        if (wide_block(inner)) kernel = monarch_inner<T, true>;
    }
    const int outer = outer1 * outer2;
    return launch_on_chip<SmemValue<T>>(kernel, rows * (outer / 2 + 1), inner, 2, stream, z, spectrum, channels, inner,
                                        outer1, outer2, transpose);
}

template <typename T>
cudaError_t launch_onchip_kernel_grad(const T *u, const T *dy, float *rows, int64_t batch, int64_t channels,
                                      int64_t length, int n, cudaStream_t stream) {
    const uintptr_t quad = 4 * sizeof(T);
    const bool by_four = length % 4 == 0 && reinterpret_cast<uintptr_t>(u) % quad == 0 &&
                         reinterpret_cast<uintptr_t>(dy) % quad == 0;
    cudaError_t status = cudaSuccess;
    auto launch = [&](auto wide) {
        constexpr bool kWide = decltype(wide)::value;
        auto *kernel = by_four ? onchip_kernel_grad<T, 4, kWide> : onchip_kernel_grad<T, 1, kWide>;
        status = launch_with_smem(kernel, channels, n, kernel_grad_smem_bytes(n), stream, u, dy, rows, batch, channels,
                                  length, n);
    };
    if (wide_block(n)) {
        launch(std::true_type{});
    } else {
        launch(std::false_type{});
    }
    return status;
}

}  // namespace fb

// The three launchers for one dtype T (one per onchip_conv_<dtype>.cu).
#define FB_INSTANTIATE_ONCHIP_LAUNCHERS(T)                                                                          \
    template cudaError_t fb::launch_onchip_conv<T>(const T *, const float2 *, const float *, const T *, const T *,  \
                                                   T *, int64_t, int64_t, int64_t, int, bool, bool, cudaStream_t); \
    template cudaError_t fb::launch_monarch_inner<T>(fb::SmemValue<T> *, const float2 *, int64_t, int64_t, int,     \
                                                     int, int, bool, cudaStream_t);                                  \
    template cudaError_t fb::launch_onchip_kernel_grad<T>(const T *, const T *, float *, int64_t, int64_t, int64_t, \
                                                          int, cudaStream_t);
