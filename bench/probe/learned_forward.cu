// The learned on-chip forward (fb_onchip_conv_learned) against the fixed one (fb_onchip_conv) on
// the same bf16 shapes, and the learned backward against the fixed path's on-chip backward
// kernels: what learning the radix-16 levels costs at run time. Median of 20
// CUDA-event timings after 5 warm-up runs; the data are zeros (the kernels' time does not depend
// on them). Build and run on a GPU host against the library:
//   nvcc -O2 -std=c++17 -I cuda/include -o /tmp/learned_forward bench/probe/learned_forward.cu \
//     -L DIR_OF_LIBFLASHBUTTERFLY -lflashbutterfly && /tmp/learned_forward [SHAPE_INDEX]
#include <cuda_runtime.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>
#include "flashbutterfly.h"
#include "timing.cuh"
int main(int argc, char **argv) {
  long long shapes[][3] = {{64, 768, 256}, {64, 768, 512}, {32, 768, 1024}, {32, 768, 2048},
                           {16, 768, 4096}, {16, 768, 8192}, {8, 768, 16384}};
  const int only = argc > 1 ? atoi(argv[1]) : -1;  // one shape's index (for a profiler), else all
  printf("B H L fixed_ms learned_ms learned/fixed fixed_one_row_ms learned/one_row fixed_bwd_ms learned_bwd_ms "
         "learned_bwd/fixed_bwd\n");
  for (int index = 0; index < static_cast<int>(sizeof shapes / sizeof shapes[0]); index++) {
    if (only >= 0 && index != only) continue;
    auto &s = shapes[index];
    long long batch = s[0], channels = s[1], length = s[2], fft = 2 * length, bins = fft / 2 + 1;
    int levels = fb_learned_levels(fft);
    void *u, *y, *spectrum, *d, *k, *matrices;
    CK(cudaMalloc(&u, batch * channels * length * 2));
    CK(cudaMalloc(&y, batch * channels * length * 2));
    CK(cudaMalloc(&spectrum, batch * channels * bins * 8));  // B * H rows for the one-row call
    CK(cudaMalloc(&d, channels * 4));
    CK(cudaMalloc(&k, channels * length * 4));
    CK(cudaMalloc(&matrices, 2 * (levels + 1) * 512 * 4));
    cudaMemset(u, 0, batch * channels * length * 2);
    cudaMemset(spectrum, 0, batch * channels * bins * 8);
    cudaMemset(d, 0, channels * 4);
    cudaMemset(k, 0, channels * length * 4);
    cudaMemset(matrices, 0, 2 * (levels + 1) * 512 * 4);
    float *forward = static_cast<float *>(matrices), *inverse = forward + (levels + 1) * 512;
    float fixed = median_ms([&] { return fb_onchip_conv(u, (float *)spectrum, (float *)d, nullptr, nullptr, y, FB_BF16,
                                                        batch, channels, length, fft, 0, 0); });
    // the fixed kernel's one-row form, the learned kernel's: a batch of one takes it, so the same
    // rows as B * H channels of one batch row, in one call
    float one_row = median_ms([&] {
      return fb_onchip_conv(u, (float *)spectrum, nullptr, nullptr, nullptr, y, FB_BF16, 1, batch * channels, length,
                            fft, 0, 0);
    });
    CK(fb_learned_spectrum((float *)k, channels, length, fft, forward, levels, 1, FB_BF16, (float *)spectrum, 0));
    float learned = median_ms([&] { return fb_onchip_conv_learned(u, (float *)spectrum, (float *)d, y, FB_BF16, batch,
                                                                  channels, length, fft, forward, inverse, levels, 1, 0); });
    // the backward: the fixed path's on-chip kernels (du as the transposed convolution, dk's rows;
    // where dk's kernel takes the size) against the learned backward (du, dk, dD, both directions' levels)
    size_t scratch_bytes = 0;
    CK(fb_learned_backward_scratch_bytes(batch, channels, fft, levels, 1, &scratch_bytes));
    void *scratch, *dk, *dd, *grads, *rows;
    CK(cudaMalloc(&scratch, scratch_bytes));
    CK(cudaMalloc(&dk, channels * length * 4));
    CK(cudaMalloc(&dd, channels * 4));
    CK(cudaMalloc(&grads, 2 * (levels + 1) * 512 * 4));
    CK(cudaMalloc(&rows, channels * fft * 4));
    int64_t grad_max = 0;
    CK(fb_onchip_kernel_grad_max_fft_size(0, &grad_max));
    float fixed_bwd = fft > grad_max ? -1.0f : median_ms([&] {
      cudaError_t e = fb_onchip_conv(u, (float *)spectrum, (float *)d, nullptr, nullptr, y, FB_BF16, batch, channels,
                                     length, fft, 1, 0);
      return e ? e : fb_onchip_kernel_grad(u, u, (float *)rows, FB_BF16, batch, channels, length, fft, 0);
    });
    float *forward_grad = static_cast<float *>(grads), *inverse_grad = forward_grad + (levels + 1) * 512;
    float learned_bwd = median_ms([&] {
      return fb_onchip_conv_learned_backward(u, u, (float *)k, length, (float *)spectrum, (float *)d, y, (float *)dk,
                                             (float *)dd, forward_grad, inverse_grad, scratch, FB_BF16, batch,
                                             channels, length, fft, forward, inverse, levels, 1, 0);
    });
    printf("%lld %lld %lld %.4f %.4f %.2f %.4f %.2f %.4f %.4f %.2f\n", batch, channels, length, fixed, learned,
           learned / fixed, one_row, learned / one_row, fixed_bwd, learned_bwd, learned_bwd / fixed_bwd);
    cudaFree(u); cudaFree(y); cudaFree(spectrum); cudaFree(d); cudaFree(k); cudaFree(matrices);
    cudaFree(scratch); cudaFree(dk); cudaFree(dd); cudaFree(grads); cudaFree(rows);
  }
  return 0;
}
