// Shared by the cuFFT LTO callbacks of the fused forward long convolution (see
// fb_fft_conv_params in flashbutterfly.h). The loads and the stores are compiled into separate
// LTO images: cuFFT links one image per callback it is given, so one image holding both would
// define its symbols twice in a plan with both and fail to link. Callback names have C++ linkage,
// as cuFFT looks them up.
#pragma once

#include "../src/elements.cuh"

namespace fb_callbacks {

__device__ __forceinline__ const fb_fft_conv_params &params(void *info) {
    return *static_cast<const fb_fft_conv_params *>(info);
}

// (row, column) of an offset into rows of the given width, through a double-precision
// reciprocal (a 64-bit division costs dozens of instructions per element) corrected to exact.
__device__ __forceinline__ void split(unsigned long long offset, int64_t width, double inverse_width,
                                      long long &row, long long &col) {
    row = static_cast<long long>(static_cast<double>(offset) * inverse_width);
    col = static_cast<long long>(offset) - row * width;
    if (col < 0) {
        --row;
        col += width;
    } else if (col >= width) {
        ++row;
        col -= width;
    }
}

}  // namespace fb_callbacks
