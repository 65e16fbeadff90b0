// The shared-memory limit the size choices follow (device_limits.cuh).
#include "device_limits.cuh"
#include "flashbutterfly.h"

#include <cstdlib>

namespace {

// FLASHBUTTERFLY_SMEM_PER_BLOCK as a positive byte count, read once; 0 where unset or not one.
long smem_cap() {
    static const long cap = [] {
        const char *text = std::getenv("FLASHBUTTERFLY_SMEM_PER_BLOCK");
        if (text == nullptr || *text == '\0') return 0L;
        char *end = nullptr;
        const long bytes = std::strtol(text, &end, 10);
        return *end == '\0' && bytes > 0 ? bytes : 0L;
    }();
    return cap;
}

}  // namespace

cudaError_t fb::smem_per_block(int device, int &bytes) {
    const cudaError_t status = cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
    const long cap = smem_cap();
    if (status == cudaSuccess && cap > 0 && cap < bytes) bytes = static_cast<int>(cap);
    return status;
}

extern "C" FB_API cudaError_t fb_smem_per_block(int device, int *bytes) {
    if (bytes == nullptr) return cudaErrorInvalidValue;
    return fb::smem_per_block(device, *bytes);
}
