// cuFFT LTO callbacks of the fused forward long convolution: cuFFT links them into its own
// kernels at plan time, so the cast, zero-padding, spectrum product, truncation, skip term and
// output cast cost no pass over memory of their own. Compiled to LTO-IR (a fatbin) by
// tools/build-native.sh, not into libflashbutterfly.so. Signatures are cufftXt.h's
// cufftJITCallbackLoadR / StoreC / StoreR (float and float2 are cufftReal and cufftComplex).
#include "../src/elements.cuh"

namespace {

__device__ __forceinline__ const fb_fft_conv_params &params(void *info) {
    return *static_cast<const fb_fft_conv_params *>(info);
}

template <typename T>
__device__ __forceinline__ float load_u(void *data_in, unsigned long long offset, void *info) {
    const fb_fft_conv_params &p = params(info);
    const long long row = static_cast<long long>(offset / p.fft_size);
    const long long t = static_cast<long long>(offset) - row * p.fft_size;
    return t < p.length ? fb::to_float(static_cast<const T *>(data_in)[row * p.length + t]) : 0.0f;
}

template <typename T>
__device__ __forceinline__ void store_y(void *data_out, unsigned long long offset, float value, void *info) {
    const fb_fft_conv_params &p = params(info);
    const long long row = static_cast<long long>(offset / p.fft_size);
    const long long t = static_cast<long long>(offset) - row * p.fft_size;
    if (t >= p.length) return;
    const long long at = row * p.length + t;
    if (p.d != nullptr) value += p.d[row % p.channels] * fb::to_float(static_cast<const T *>(p.u)[at]);
    static_cast<T *>(data_out)[at] = fb::from_float<T>(value);
}

}  // namespace

extern "C" __device__ float fb_cb_load_u_fp32(void *in, unsigned long long offset, void *info, void *) {
    return load_u<float>(in, offset, info);
}
extern "C" __device__ float fb_cb_load_u_fp16(void *in, unsigned long long offset, void *info, void *) {
    return load_u<__half>(in, offset, info);
}
extern "C" __device__ float fb_cb_load_u_bf16(void *in, unsigned long long offset, void *info, void *) {
    return load_u<__nv_bfloat16>(in, offset, info);
}

extern "C" __device__ void fb_cb_store_times_kernel(void *out, unsigned long long offset, float2 x, void *info, void *) {
    const fb_fft_conv_params &p = params(info);
    const long long row = static_cast<long long>(offset / p.bins);
    const long long f = static_cast<long long>(offset) - row * p.bins;
    const float2 k = reinterpret_cast<const float2 *>(p.spectrum)[(row % p.channels) * p.bins + f];
    static_cast<float2 *>(out)[offset] = make_float2(x.x * k.x - x.y * k.y, x.x * k.y + x.y * k.x);
}

extern "C" __device__ void fb_cb_store_y_fp32(void *out, unsigned long long offset, float x, void *info, void *) {
    store_y<float>(out, offset, x, info);
}
extern "C" __device__ void fb_cb_store_y_fp16(void *out, unsigned long long offset, float x, void *info, void *) {
    store_y<__half>(out, offset, x, info);
}
extern "C" __device__ void fb_cb_store_y_bf16(void *out, unsigned long long offset, float x, void *info, void *) {
    store_y<__nv_bfloat16>(out, offset, x, info);
}
