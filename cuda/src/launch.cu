// The launch attributes launch.cuh sets once per kernel and device.
#include "launch.cuh"

#include <map>
#include <mutex>
#include <utility>

namespace fb {

cudaError_t reserve_dynamic_smem(const void *kernel, int bytes, bool prefer_shared) {
    int device = 0;
    cudaError_t status = cudaGetDevice(&device);
    if (status != cudaSuccess) return status;
    static std::mutex mutex;
    static std::map<std::pair<const void *, int>, int> reserved;  // (kernel, device) -> bytes allowed
    std::lock_guard<std::mutex> lock(mutex);
    const auto key = std::make_pair(kernel, device);
    const auto known = reserved.find(key);
    if (known != reserved.end() && known->second >= bytes) return cudaSuccess;
    status = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
    if (status != cudaSuccess) return status;
    if (prefer_shared) {
        status = cudaFuncSetAttribute(kernel, cudaFuncAttributePreferredSharedMemoryCarveout,
                                      cudaSharedmemCarveoutMaxShared);
        if (status != cudaSuccess) return status;
    }
    reserved[key] = bytes;
    return cudaSuccess;
}

}  // namespace fb
