// Store callbacks: the R2C's product with the kernel's spectrum, and the C2R's truncation to L,
// D*u skip term and cast into y. Signatures: cufftXt.h's cufftJITCallbackStoreC / StoreR
// (cufftComplex is float2, cufftReal is float).
#include "callback_params.cuh"

namespace {

template <typename T>
__device__ __forceinline__ void store_y(void *data_out, unsigned long long offset, float value, void *info) {
    const fb_fft_conv_params &p = fb_callbacks::params(info);
    long long row, t;
    fb_callbacks::split(offset, p.fft_size, p.inverse_fft_size, row, t);
    if (t >= p.length) return;
    const long long at = row * p.length + t;
    if (p.d != nullptr) value += p.d[row % p.channels] * fb::to_float(static_cast<const T *>(p.u)[at]);
    static_cast<T *>(data_out)[at] = fb::from_float<T>(value);
}

}  // namespace

__device__ void fb_cb_store_times_kernel(void *out, unsigned long long offset, float2 x, void *info, void *) {
    const fb_fft_conv_params &p = fb_callbacks::params(info);
    long long row, f;
    fb_callbacks::split(offset, p.bins, p.inverse_bins, row, f);
    const float2 k = reinterpret_cast<const float2 *>(p.spectrum)[(row % p.channels) * p.bins + f];
    static_cast<float2 *>(out)[offset] = make_float2(x.x * k.x - x.y * k.y, x.x * k.y + x.y * k.x);
}

__device__ void fb_cb_store_y_fp32(void *out, unsigned long long offset, float x, void *info, void *) {
    store_y<float>(out, offset, x, info);
}
__device__ void fb_cb_store_y_fp16(void *out, unsigned long long offset, float x, void *info, void *) {
    store_y<__half>(out, offset, x, info);
}
__device__ void fb_cb_store_y_bf16(void *out, unsigned long long offset, float x, void *info, void *) {
    store_y<__nv_bfloat16>(out, offset, x, info);
}
