// The typed launchers of the on-chip kernels (declared in onchip.cuh), instantiated once per dtype
// by onchip_conv_<dtype>.cu. Arguments are checked by the entry points in onchip_conv.cu.
#pragma once

#include "onchip_kernels.cuh"
#include "row_splits.cuh"

namespace fb {

// Where a kernel is compiled for its size n = 2^kLogN only (transform unrolls its passes): rows
// 4-element aligned (by_four), bf16 values in shared memory. Every n such a block takes is a
// power of two in sized's range, so no form for any n is built.
template <typename T, typename Value>
constexpr bool kSized = kUsesTensorCores<T> && std::is_same_v<Value, SmemValue<T>>;

// make(std::integral_constant<int, kLogN>{}) for n = 2^kLogN, where n is a size that a block of
// this width and rounds takes with bf16 values (narrow: 2^8 to 2^13; wide: 2^14 in one round,
// 2^15 in two), else null.
template <bool kWide, int kRounds> constexpr int kSizedFrom = kWide ? kNarrowMaxLogN + kRounds : kCompactLogN;
template <bool kWide, int kRounds, int kLogN = kSizedFrom<kWide, kRounds>, typename Make>
auto sized(int n, Make make) -> decltype(make(std::integral_constant<int, kSizedFrom<kWide, kRounds>>{})) {
    if constexpr (kLogN > (kWide ? kNarrowMaxLogN + kRounds : kNarrowMaxLogN)) {
        return nullptr;
    } else {
        return n == 1 << kLogN ? make(std::integral_constant<int, kLogN>{}) : sized<kWide, kRounds, kLogN + 1>(n, make);
    }
}

// Whether rows of length values of T start 4-element aligned in every one of rows (null counts as
// aligned: an absent gate): the kernels then move four values per access (kVec = 4).
template <typename T, typename... Rows> bool rows_by_four(int64_t length, const Rows *...rows) {
    return length % 4 == 0 && ((reinterpret_cast<uintptr_t>(rows) % (4 * sizeof(T)) == 0) && ...);
}

// launch(value, wide, rounds) with the block shape that n complex values of T take: how shared
// memory holds them (float2 below kCompactFrom, else SmemValue), the block's width and the rounds
// per pass (std::bool_constant and std::integral_constant); an error where none fits.
template <typename T, typename Launch> cudaError_t by_block_shape(int n, Launch launch) {
    using One = std::integral_constant<int, 1>;
    if (n < kCompactFrom) return launch(float2{}, std::false_type{}, One{});
    if (!wide_block(n)) return launch(SmemValue<T>{}, std::false_type{}, One{});
    if (pass_rounds(n) == 1) return launch(SmemValue<T>{}, std::true_type{}, One{});
    if constexpr (kUsesTensorCores<T>) {  // fp32 sequences stop at one round
        return launch(SmemValue<T>{}, std::true_type{}, std::integral_constant<int, 2>{});
    } else {
        return cudaErrorInvalidValue;
    }
}

template <typename T>
cudaError_t launch_onchip_conv(const T *u, const float2 *spectrum, const float *d, const T *pre, const T *post, T *y,
                               int64_t batch, int64_t channels, int64_t length, int n, bool real, bool transpose,
                               cudaStream_t stream) {
    const int64_t blocks = real ? batch * channels : ((batch + 1) / 2) * channels;
    const bool by_four = rows_by_four<T>(length, u, y, pre, post);
    cudaError_t status = cudaSuccess;
    auto launch_gated = [&](auto value, auto wide, auto rounds, auto gated) {
        using Value = decltype(value);
        constexpr bool kWide = decltype(wide)::value, kGated = decltype(gated)::value;
        constexpr int kRounds = decltype(rounds)::value;
        if (real) {
            auto *kernel = onchip_conv_real<T, Value, 1, kWide, kRounds, kGated, 0>;
            if (by_four) {
                if constexpr (kSized<T, Value>) {
                    kernel = sized<kWide, kRounds>(n, [](auto log_n) {
                        return onchip_conv_real<T, Value, 4, kWide, kRounds, kGated, decltype(log_n)::value>;
                    });
                } else {
                    kernel = onchip_conv_real<T, Value, 4, kWide, kRounds, kGated, 0>;
                }
            }
            status = kernel == nullptr ? cudaErrorInvalidValue
                                       : launch_on_chip<Value>(kernel, blocks, n, 1, stream, u, spectrum, d, pre, post,
                                                               y, batch, channels, length, n, transpose);
        } else if constexpr (kRounds == 1) {  // two rows per block stop at one round (fb_onchip_conv)
            auto *kernel = onchip_conv<T, Value, 1, kWide, kGated, 0>;
            if (by_four) {
                if constexpr (kSized<T, Value>) {
                    kernel = sized<kWide, 1>(n, [](auto log_n) {
                        return onchip_conv<T, Value, 4, kWide, kGated, decltype(log_n)::value>;
                    });
                } else {
                    kernel = onchip_conv<T, Value, 4, kWide, kGated, 0>;
                }
            }
            status = kernel == nullptr ? cudaErrorInvalidValue
                                       : launch_on_chip<Value>(kernel, blocks, n, 1, stream, u, spectrum, d, pre, post,
                                                               y, batch, channels, length, n, transpose);
        } else {
            status = cudaErrorInvalidValue;
        }
    };
    const cudaError_t shape = by_block_shape<T>(n, [&](auto value, auto wide, auto rounds) {
        if (pre != nullptr || post != nullptr) {
            launch_gated(value, wide, rounds, std::true_type{});
        } else {
            launch_gated(value, wide, rounds, std::false_type{});
        }
        return cudaSuccess;
    });
    return shape != cudaSuccess ? shape : status;
}

template <typename T>
cudaError_t launch_onchip_conv_learned(const T *u, const float2 *spectrum, const float *d, T *y, int64_t batch,
                                       int64_t channels, int64_t length, int n, const float *forward,
                                       const float *inverse, int levels, int groups, const DeviceLimits &device,
                                       cudaStream_t stream) {
    if constexpr (!kUsesTensorCores<T>) {
        return cudaErrorInvalidValue;  // the learned levels are tensor-core products
    } else {
        const bool by_four = rows_by_four<T>(length, u, y);
        return by_block_shape<T>(n, [&](auto value, auto wide, auto rounds) {
            using Value = decltype(value);
            constexpr bool kWide = decltype(wide)::value;
            constexpr int kRounds = decltype(rounds)::value;
            auto *kernel = onchip_conv_learned<T, Value, 1, kWide, kRounds, 0>;
            bool sized_or_float2 = std::is_same_v<Value, float2>;
            if (by_four) {
                sized_or_float2 = sized_or_float2 || kSized<T, Value>;
                if constexpr (kSized<T, Value>) {
                    kernel = sized<kWide, kRounds>(n, [](auto log_n) {
                        return onchip_conv_learned<T, Value, 4, kWide, kRounds, decltype(log_n)::value>;
                    });
                } else {
                    kernel = onchip_conv_learned<T, Value, 4, kWide, kRounds, 0>;
                }
            }
            if (kernel == nullptr) return cudaErrorInvalidValue;
            // a block's own work, setting up its fragments, was an eighth of a row at L = 256
            const size_t smem = learned_smem_bytes<Value>(n, levels, 2);
            const int64_t splits =
                learned_several_rows(n, sized_or_float2)
                    ? row_splits(batch, channels, resident_blocks(device, block_threads(n), smem), 0.15, 0.0)
                    : batch;
            return launch_with_smem(kernel, channels * splits, n, smem, stream, u, spectrum, d, y, batch, channels,
                                    length, n, forward, inverse, levels, groups, static_cast<int>(splits));
        });
    }
}

template <typename T>
cudaError_t launch_learned_spectrum(const float *k, int64_t channels, int64_t taps, int n, const float *forward,
                                    int levels, int groups, float2 *spectrum, cudaStream_t stream) {
    if constexpr (!kUsesTensorCores<T>) {
        return cudaErrorInvalidValue;
    } else {
        return by_block_shape<T>(n, [&](auto value, auto wide, auto rounds) {
            using Value = decltype(value);
            auto *kernel = learned_spectrum<T, Value, decltype(wide)::value, decltype(rounds)::value>;
            return launch_with_smem(kernel, channels, n, learned_smem_bytes<Value>(n, levels, 1), stream, k, taps, n,
                                    forward, levels, groups, spectrum);
        });
    }
}

template <typename T>
cudaError_t launch_monarch_inner(SmemValue<T> *z, const float2 *spectrum, const float *d, int64_t batch,
                                 int64_t channels, int inner, int outer1, int outer2, bool transpose,
                                 cudaStream_t stream) {
    // fp32 inner rows stop at 8192 values (a quarter of what a block holds), a narrow block; bf16
    // ones at 16384, one round, compiled for their size from kCompactFrom on
    auto *kernel = monarch_inner<T, false, 0>;
    if constexpr (kUsesTensorCores<T>) {
        auto for_width = [&](auto wide) {
            constexpr bool kWide = decltype(wide)::value;
            kernel = sized<kWide, 1>(inner, [](auto log_n) { return monarch_inner<T, kWide, decltype(log_n)::value>; });
        };
        if (wide_block(inner)) {
            for_width(std::true_type{});
        } else if (inner >= kCompactFrom) {
            for_width(std::false_type{});
        }
    }
    if (kernel == nullptr) return cudaErrorInvalidValue;
    const int outer = outer1 * outer2;
    return launch_on_chip<SmemValue<T>>(kernel, batch * channels * (outer / 2 + 1), inner, 2, stream, z, spectrum,
                                        d, batch, channels, inner, outer1, outer2, transpose);
}

template <typename T>
cudaError_t launch_onchip_kernel_grad(const T *u, const T *dy, float *rows, int64_t batch, int64_t channels,
                                      int64_t length, int n, cudaStream_t stream) {
    const bool by_four = rows_by_four<T>(length, u, dy);
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

// The launchers for one dtype T (one per onchip_conv_<dtype>.cu).
#define FB_INSTANTIATE_ONCHIP_LAUNCHERS(T)                                                                          \
    template cudaError_t fb::launch_onchip_conv<T>(const T *, const float2 *, const float *, const T *, const T *,  \
                                                   T *, int64_t, int64_t, int64_t, int, bool, bool, cudaStream_t); \
    template cudaError_t fb::launch_monarch_inner<T>(fb::SmemValue<T> *, const float2 *, const float *, int64_t,    \
                                                     int64_t, int, int, int, bool, cudaStream_t);                    \
    template cudaError_t fb::launch_onchip_kernel_grad<T>(const T *, const T *, float *, int64_t, int64_t, int64_t, \
                                                          int, cudaStream_t);                                        \
    template cudaError_t fb::launch_onchip_conv_learned<T>(const T *, const float2 *, const float *, T *, int64_t,   \
                                                           int64_t, int64_t, int, const float *, const float *, int, \
                                                           int, const DeviceLimits &, cudaStream_t);                 \
    template cudaError_t fb::launch_learned_spectrum<T>(const float *, int64_t, int64_t, int, const float *, int,    \
                                                        int, float2 *, cudaStream_t);
