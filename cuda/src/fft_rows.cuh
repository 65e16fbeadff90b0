// Where a kernel's taps sit in the FFT rows its spectrum is the transform of (see
// fb_kernel_to_fft_rows): causal tap j at position j, anti-causal tap s (1-based) at n - s.
#pragma once

#include <cstdint>

namespace fb {

// Position in an FFT row of n points of tap j of a row of causal_len + anticausal taps.
__device__ __forceinline__ int64_t tap_position(int64_t j, int64_t causal_len, int64_t n) {
    return j < causal_len ? j : n - (j - causal_len + 1);
}

// The tap at position i of an FFT row of n points, -1 where the row is zero padding.
__device__ __forceinline__ int64_t tap_at(int64_t i, int64_t causal_len, int64_t anticausal_len, int64_t n) {
    if (i < causal_len) return i;
    if (i < n && i > n - 1 - anticausal_len) return causal_len + (n - i) - 1;
    return -1;
}

}  // namespace fb
