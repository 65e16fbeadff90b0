// Launch shapes shared by the row-wise kernels: x covers columns, y covers rows, both with
// grid-stride loops so any size (past 2^31 elements too) runs with a bounded grid.
#pragma once

#include <cstdint>

#include <cuda_runtime.h>

namespace fb {

// Lets kernel launch with bytes of dynamic shared memory on the current device (and, with
// prefer_shared, have all of L1 as shared memory): sets those attributes the first time a
// (kernel, device) needs them, or needs more, and remembers it, so launches do not repeat it.
cudaError_t reserve_dynamic_smem(const void *kernel, int bytes, bool prefer_shared);

// Launches kernel on blocks blocks of threads threads with smem bytes of dynamic shared memory,
// reserved first (reserve_dynamic_smem); cudaErrorInvalidValue past 2^31 - 1 blocks.
template <typename Kernel, typename... Args>
cudaError_t launch_reserved(Kernel kernel, int64_t blocks, int threads, int smem, bool prefer_shared,
                            cudaStream_t stream, Args... args) {
    if (blocks > 0x7fffffffLL) return cudaErrorInvalidValue;
    const cudaError_t status = reserve_dynamic_smem(reinterpret_cast<const void *>(kernel), smem, prefer_shared);
    if (status != cudaSuccess) return status;
    kernel<<<static_cast<unsigned>(blocks), threads, smem, stream>>>(args...);
    return cudaGetLastError();
}

constexpr int kRowThreads = 256;

// Grid for a 1-D grid-stride loop over n elements: enough blocks to fill the device, no more.
inline dim3 flat_grid(int64_t n, int threads) {
    int64_t blocks = (n + threads - 1) / threads;
    const int64_t cap = 65535LL * 8;
    return dim3(static_cast<unsigned>(blocks < 1 ? 1 : (blocks > cap ? cap : blocks)));
}

inline dim3 row_grid(int64_t rows, int64_t cols) {
    int64_t x = (cols + kRowThreads - 1) / kRowThreads;
    if (x > 1024) x = 1024;
    if (x < 1) x = 1;
    int64_t y = rows < 1 ? 1 : (rows > 65535 ? 65535 : rows);
    return dim3(static_cast<unsigned>(x), static_cast<unsigned>(y));
}

// for (row, col) in this thread's share of [0, rows) x [0, cols)
#define FB_FOR_ROWS_COLS(row, col, rows, cols)                                                   \
    for (int64_t row = blockIdx.y; row < (rows); row += gridDim.y)                               \
        for (int64_t col = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;         \
             col < (cols); col += static_cast<int64_t>(gridDim.x) * blockDim.x)

}  // namespace fb
