// The optional elementwise gates of the forward, y = post * (conv(pre * u, k) + d * pre * u), as
// the kernels that fuse them read them (onchip_kernels.cuh, monarch_conv.cu): a gate has u's layout
// and dtype, and a null pointer is no gate, a factor of 1.
#pragma once

#include <cstdint>

#include "elements.cuh"

namespace fb {

// The gate's factor for element i.
template <typename T> __device__ __forceinline__ float gate_factor(const T *gate, int64_t i) {
    return gate != nullptr ? to_float(gate[i]) : 1.0f;
}

// kVec factors of a gate from element i (kVec-element aligned), kept as stored until used. Not
// loaded (load false: past the data, or a row that is not there) they read as 0 from a gate, 1
// without one: never read from memory that is not the gate's.
template <typename T, int kVec>
struct GateGroup {
    Elements<T, kVec> factors{};
    bool present;

    __device__ __forceinline__ GateGroup(const T *gate, int64_t i, bool load = true) : present(gate != nullptr) {
        if (present && load) factors = *reinterpret_cast<const Elements<T, kVec> *>(gate + i);
    }

    __device__ __forceinline__ float operator[](int k) const { return present ? to_float(factors.v[k]) : 1.0f; }
};

}  // namespace fb
