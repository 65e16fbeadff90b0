// Element conversions to and from fp32 for every fb_dtype (host too: fill converts its value there), vector accesses, and the dispatch from the runtime dtype
// code to a template parameter. One place for it so every kernel converts the same way.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "flashbutterfly.h"

namespace fb {

template <typename T> __host__ __device__ __forceinline__ float to_float(T v);
template <> __host__ __device__ __forceinline__ float to_float<float>(float v) { return v; }
template <> __host__ __device__ __forceinline__ float to_float<__half>(__half v) { return __half2float(v); }
template <> __host__ __device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T> __host__ __device__ __forceinline__ T from_float(float v);
template <> __host__ __device__ __forceinline__ float from_float<float>(float v) { return v; }
template <> __host__ __device__ __forceinline__ __half from_float<__half>(float v) { return __float2half_rn(v); }
template <> __host__ __device__ __forceinline__ __nv_bfloat16 from_float<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

// kVec consecutive elements of a row moved with one access (the address kVec-element aligned).
template <typename T, int kVec>
struct alignas(kVec * sizeof(T)) Elements {
    T v[kVec];
};

// Calls f(T{}) with T the C++ type of dtype; returns false for an unknown code.
template <typename F> bool dispatch_dtype(fb_dtype dtype, F &&f) {
    switch (dtype) {
        case FB_FP32: f(float{}); return true;
        case FB_FP16: f(__half{}); return true;
        case FB_BF16: f(__nv_bfloat16{}); return true;
    }
    return false;
}

}  // namespace fb
