// R2C load callbacks: u cast to fp32 and zero-padded to the FFT size as cuFFT reads it.
// Signature: cufftXt.h's cufftJITCallbackLoadR (cufftReal is float).
#include "callback_params.cuh"

namespace {

template <typename T>
__device__ __forceinline__ float load_u(void *data_in, unsigned long long offset, void *info) {
    const fb_fft_conv_params &p = fb_callbacks::params(info);
    long long row, t;
    fb_callbacks::split(offset, p.fft_size, p.inverse_fft_size, row, t);
    return t < p.length ? fb::to_float(static_cast<const T *>(data_in)[row * p.length + t]) : 0.0f;
}

}  // namespace

__device__ float fb_cb_load_u_fp32(void *in, unsigned long long offset, void *info, void *) {
    return load_u<float>(in, offset, info);
}
__device__ float fb_cb_load_u_fp16(void *in, unsigned long long offset, void *info, void *) {
    return load_u<__half>(in, offset, info);
}
__device__ float fb_cb_load_u_bf16(void *in, unsigned long long offset, void *info, void *) {
    return load_u<__nv_bfloat16>(in, offset, info);
}
