// The current device's limits that launch shapes depend on, and how many blocks of a shape it
// holds at once.
#pragma once

#include <algorithm>
#include <cstdint>

#include <cuda_runtime.h>

namespace fb {

struct DeviceLimits {
    int smem_limit = 0, smem_per_sm = 0, sms = 0;
};

// Dynamic shared memory the runtime reserves per resident block, on every GPU of compute capability 8.0+.
constexpr int kReservedSmemPerBlock = 1024;

// The shared memory a block may take on device, in bytes: the device's opt-in limit, or less where
// the environment variable FLASHBUTTERFLY_SMEM_PER_BLOCK holds a smaller positive number, so that a
// larger GPU makes a smaller one's size choices (an A100's 166912, 101376 for sm_86 and sm_89).
cudaError_t smem_per_block(int device, int &bytes);

// The current device's limits, false where a query failed: smem_limit is smem_per_block's, and
// smem_per_sm at most that plus the reservation (as on every GPU it is), so a cap lowers both.
inline bool current_device_limits(DeviceLimits &device) {
    int id = 0;
    if (cudaGetDevice(&id) != cudaSuccess || smem_per_block(id, device.smem_limit) != cudaSuccess ||
        cudaDeviceGetAttribute(&device.smem_per_sm, cudaDevAttrMaxSharedMemoryPerMultiprocessor, id) != cudaSuccess ||
        cudaDeviceGetAttribute(&device.sms, cudaDevAttrMultiProcessorCount, id) != cudaSuccess) {
        return false;
    }
    device.smem_per_sm = std::min(device.smem_per_sm, device.smem_limit + kReservedSmemPerBlock);
    return true;
}

// Blocks of threads threads and smem bytes of shared memory the device holds at once, from their
// threads, the register budget of 64 per thread (FB_ONCHIP_BOUNDS', not what the compiler used,
// so that a count depends on the kernel's shape and the device alone) and shared memory.
inline int64_t resident_blocks(const DeviceLimits &device, int threads, size_t smem) {
    constexpr int kMaxThreadsPerSm = 2048, kMaxBlocksPerSm = 32;
    constexpr int kRegistersPerSm = 65536, kRegistersPerThread = 64;
    int64_t per_sm = kMaxThreadsPerSm / threads;
    per_sm = std::min<int64_t>(per_sm, kRegistersPerSm / (kRegistersPerThread * threads));
    per_sm = std::min<int64_t>(per_sm, device.smem_per_sm / static_cast<int64_t>(smem + kReservedSmemPerBlock));
    return std::max<int64_t>(1, std::min<int64_t>(per_sm, kMaxBlocksPerSm)) * device.sms;
}

}  // namespace fb
