// Complex arithmetic on float2 (x real, y imaginary), one definition for every kernel.
#pragma once

#include <cuda_runtime.h>

namespace fb {

__host__ __device__ __forceinline__ float2 cmul(float2 a, float2 b) {
    return make_float2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

__host__ __device__ __forceinline__ float2 conj(float2 a) { return make_float2(a.x, -a.y); }

__host__ __device__ __forceinline__ float2 cadd(float2 a, float2 b) { return make_float2(a.x + b.x, a.y + b.y); }

__host__ __device__ __forceinline__ float2 csub(float2 a, float2 b) { return make_float2(a.x - b.x, a.y - b.y); }

}  // namespace fb
