// Complex arithmetic on float2 (x real, y imaginary) and complex values as stored, one
// definition for every kernel.
#pragma once

#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_runtime.h>

namespace fb {

__host__ __device__ __forceinline__ float2 cmul(float2 a, float2 b) {
    return make_float2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

__host__ __device__ __forceinline__ float2 conj(float2 a) { return make_float2(a.x, -a.y); }

__host__ __device__ __forceinline__ float2 cadd(float2 a, float2 b) { return make_float2(a.x + b.x, a.y + b.y); }

__host__ __device__ __forceinline__ float2 csub(float2 a, float2 b) { return make_float2(a.x - b.x, a.y - b.y); }

// 1 / p for p = 2^k, exactly: the exponent negated in the bits (a constant where p is one).
__device__ __forceinline__ float power_of_two_reciprocal(int p) {
    return __int_as_float(0x7f000000 - __float_as_int(static_cast<float>(p)));
}

// exp(-+2 pi i num / den) to fp32 accuracy, den a power of two up to 2^24 (the scaling is exact).
__device__ __forceinline__ float2 exact_root(int64_t num, int64_t den, bool inverse = false) {
    float s, c;
    sincospif((inverse ? 2.0f : -2.0f) * static_cast<float>(num) * power_of_two_reciprocal(static_cast<int>(den)), &s, &c);
    return make_float2(c, s);
}

// Complex values as stored between steps: fp32 for the exact fp32 path, bf16 for the tensor-core
// path (its products round their operands to bf16 anyway; half the bytes moved per step).
__device__ __forceinline__ float2 load_value(const float2 *x, int64_t i) { return x[i]; }
// bf16 is the high half of an fp32: each half widened by one shift or mask (the library's conversion
// takes a byte permute and a shift for the high one).
__device__ __forceinline__ float2 load_value(const __nv_bfloat162 *x, int64_t i) {
    const uint32_t bits = *reinterpret_cast<const uint32_t *>(x + i);
    return make_float2(__uint_as_float(bits << 16), __uint_as_float(bits & 0xffff0000u));
}
__device__ __forceinline__ void store_value(float2 *x, int64_t i, float2 v) { x[i] = v; }
__device__ __forceinline__ void store_value(__nv_bfloat162 *x, int64_t i, float2 v) { x[i] = __float22bfloat162_rn(v); }

}  // namespace fb
