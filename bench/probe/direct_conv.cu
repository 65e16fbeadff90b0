// The direct (Toeplitz) kernels against the on-chip FFT kernels on the benchmark's short bf16
// shapes: the forward (fb_direct_conv against fb_onchip_conv), its error and dk's rows'
// (fb_direct_kernel_grad) against a float64 reference on random data first, and the backward's du and dk (fb_direct_conv transposed with
// fb_direct_kernel_grad, against fb_onchip_conv transposed with fb_onchip_kernel_grad); the median
// of 20 CUDA-event timings after 5 warm-ups of each on random inputs, and the memory floors (u, k,
// d and y once; the backward's u, dy, k, d, du, dk and dD once) at the device-to-device copy
// bandwidth measured here; the direct backward up to its longest sequence. Build and run on a GPU host:
//   nvcc -O2 -std=c++17 -I cuda/include -o /tmp/direct_conv bench/probe/direct_conv.cu \
//     -L DIR_OF_LIBFLASHBUTTERFLY -lflashbutterfly && /tmp/direct_conv
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <vector>
#include "flashbutterfly.h"
#include "timing.cuh"
// Relative error (norm of the difference over norm of the reference) of fb_direct_conv against
// float64 on random data, for one shape, with or without gates; the kernel's taps as rows of
// length values.
static double check(long long batch, long long channels, long long length, bool gates) {
  const long long n = batch * channels * length;
  std::mt19937 rng(1234 + length);
  std::normal_distribution<float> normal;
  std::vector<__nv_bfloat16> u(n), pre(n), post(n), y(n);
  std::vector<float> k(channels * length), d(channels);
  for (auto &x : u) x = __float2bfloat16_rn(normal(rng));
  for (auto &x : pre) x = __float2bfloat16_rn(normal(rng));
  for (auto &x : post) x = __float2bfloat16_rn(normal(rng));
  for (auto &x : k) x = normal(rng) / std::sqrt((float)length);
  for (auto &x : d) x = normal(rng);
  void *du, *dpre, *dpost, *dy, *dk, *dd;
  CK(cudaMalloc(&du, n * 2)); CK(cudaMalloc(&dpre, n * 2)); CK(cudaMalloc(&dpost, n * 2)); CK(cudaMalloc(&dy, n * 2));
  CK(cudaMalloc(&dk, channels * length * 4)); CK(cudaMalloc(&dd, channels * 4));
  CK(cudaMemcpy(du, u.data(), n * 2, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dpre, pre.data(), n * 2, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dpost, post.data(), n * 2, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dk, k.data(), channels * length * 4, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(dd, d.data(), channels * 4, cudaMemcpyHostToDevice));
  CK(cudaMemset(dy, 0xff, n * 2));  // poison: NaN
  CK(fb_direct_conv(du, (float *)dk, length, length, 1.0f, (float *)dd, gates ? dpre : nullptr, gates ? dpost : nullptr,
                    dy, FB_BF16, batch, channels, length, 0, 0));
  CK(cudaDeviceSynchronize());
  CK(cudaMemcpy(y.data(), dy, n * 2, cudaMemcpyDeviceToHost));
  double err = 0, ref = 0;
  std::vector<double> v(length);
  for (long long b = 0; b < batch; b++)
    for (long long h = 0; h < channels; h++) {
      const long long base = (b * channels + h) * length;
      for (long long i = 0; i < length; i++)
        v[i] = (double)__bfloat162float(u[base + i]) * (gates ? (double)__bfloat162float(pre[base + i]) : 1.0);
      for (long long i = 0; i < length; i++) {
        double s = d[h] * v[i];
        for (long long j = 0; j <= i; j++) s += v[j] * (double)k[h * length + i - j];
        if (gates) s *= (double)__bfloat162float(post[base + i]);
        const double got = (double)__bfloat162float(y[base + i]);
        err += (got - s) * (got - s);
        ref += s * s;
      }
    }
  cudaFree(du); cudaFree(dpre); cudaFree(dpost); cudaFree(dy); cudaFree(dk); cudaFree(dd);
  return std::sqrt(err / ref);
}

// Relative error of fb_direct_kernel_grad's rows against float64 on random bf16 u and dy (rows
// poisoned first): rows[h][m] = sum over b and t of dy[b][h][t] u[b][h][t - m], m < taps.
static double check_kernel_grad(long long batch, long long channels, long long length, long long taps) {
  const long long n = batch * channels * length;
  std::mt19937 rng(4321 + length);
  std::normal_distribution<float> normal;
  std::vector<__nv_bfloat16> u(n), dy(n);
  std::vector<float> rows(channels * taps);
  for (auto &x : u) x = __float2bfloat16_rn(normal(rng));
  for (auto &x : dy) x = __float2bfloat16_rn(normal(rng));
  void *du, *ddy, *drows;
  CK(cudaMalloc(&du, n * 2)); CK(cudaMalloc(&ddy, n * 2)); CK(cudaMalloc(&drows, channels * taps * 4));
  CK(cudaMemcpy(du, u.data(), n * 2, cudaMemcpyHostToDevice));
  CK(cudaMemcpy(ddy, dy.data(), n * 2, cudaMemcpyHostToDevice));
  CK(cudaMemset(drows, 0xff, channels * taps * 4));  // poison: NaN
  CK(fb_direct_kernel_grad(du, ddy, (float *)drows, taps, FB_BF16, batch, channels, length, 0));
  CK(cudaDeviceSynchronize());
  CK(cudaMemcpy(rows.data(), drows, channels * taps * 4, cudaMemcpyDeviceToHost));
  double err = 0, ref = 0;
  for (long long h = 0; h < channels; h++)
    for (long long m = 0; m < taps; m++) {
      double s = 0;
      for (long long b = 0; b < batch; b++) {
        const long long base = (b * channels + h) * length;
        for (long long t = m; t < length; t++)
          s += (double)__bfloat162float(dy[base + t]) * (double)__bfloat162float(u[base + t - m]);
      }
      const double got = rows[h * taps + m];
      err += (got - s) * (got - s);
      ref += s * s;
    }
  cudaFree(du); cudaFree(ddy); cudaFree(drows);
  return std::sqrt(err / ref);
}

// Device memory of n elements, filled with normal random values (bf16 when half, else fp32) as the
// benchmark's inputs are: zeros would flatter the tensor cores' power draw and the clocks.
static void *random_device(long long n, bool half, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> f(half ? 0 : n);
  std::vector<__nv_bfloat16> h(half ? n : 0);
  for (long long i = 0; i < n; i++) {
    if (half) h[i] = __float2bfloat16_rn(normal(rng)); else f[i] = normal(rng);
  }
  void *p;
  CK(cudaMalloc(&p, n * (half ? 2 : 4)));
  CK(cudaMemcpy(p, half ? (void *)h.data() : (void *)f.data(), n * (half ? 2 : 4), cudaMemcpyHostToDevice));
  return p;
}

int main() {
  int device = 0;
  cudaDeviceProp prop;
  CK(cudaGetDeviceProperties(&prop, device));
  printf("device %s\n", prop.name);
  // correctness: odd and padded lengths, a batch that leaves part of a row tile, gates
  long long checks[][3] = {{3, 5, 1}, {3, 5, 77}, {17, 3, 128}, {33, 4, 255}, {5, 3, 1000}, {2, 2, 2048}, {40, 2, 513}};
  double worst = 0;
  for (auto &c : checks)
    for (int gates = 0; gates < 2; gates++) {
      const double e = check(c[0], c[1], c[2], gates);
      worst = std::max(worst, std::isnan(e) ? 1e9 : e);
      printf("check B=%lld H=%lld L=%lld gates=%d rel_err=%.3g %s\n", c[0], c[1], c[2], gates, e, e < 2e-2 ? "ok" : "FAIL");
    }
  printf("worst rel_err %.3g\n", worst);
  // dk's rows: one tap, fewer taps than samples, a batch that leaves part of a row step, odd lengths,
  // several row steps with several groups of offsets a warp
  long long dk_checks[][4] = {{3, 5, 1, 1}, {20, 3, 77, 9}, {17, 3, 128, 128}, {33, 4, 255, 255},
                              {40, 2, 513, 300}, {5, 3, 1000, 1000}, {2, 2, 1024, 1024}, {16, 2, 1022, 1},
                              {40, 2, 1000, 1000}};
  double worst_dk = 0;
  for (auto &c : dk_checks) {
    const double e = check_kernel_grad(c[0], c[1], c[2], c[3]);
    worst_dk = std::max(worst_dk, std::isnan(e) ? 1e9 : e);
    printf("check dk B=%lld H=%lld L=%lld taps=%lld rel_err=%.3g %s\n", c[0], c[1], c[2], c[3], e,
           e < 1e-5 ? "ok" : "FAIL");
  }
  printf("worst dk rel_err %.3g\n", worst_dk);

  // copy bandwidth for the floor
  const size_t copy_bytes = size_t(1) << 30;
  void *ca, *cb;
  CK(cudaMalloc(&ca, copy_bytes)); CK(cudaMalloc(&cb, copy_bytes));
  const float copy_ms = median_ms([&] { return cudaMemcpyAsync(cb, ca, copy_bytes, cudaMemcpyDeviceToDevice, 0); });
  const double bandwidth = 2.0 * copy_bytes / (copy_ms * 1e-3);  // bytes read + written per second
  cudaFree(ca); cudaFree(cb);
  printf("copy bandwidth %.0f GB/s\n", bandwidth / 1e9);

  long long shapes[][3] = {{64, 768, 256}, {64, 768, 512}, {32, 768, 1024}, {32, 768, 2048}, {16, 768, 2048},
                           {16, 768, 1024}, {8, 768, 1024}, {128, 768, 256}};
  printf("%-14s %9s %9s %9s %7s %7s %10s %10s %9s %9s\n", "B,H,L", "onchip", "direct", "floor", "x_flr", "speedup",
         "bw_onchip", "bw_direct", "dk_direct", "bw_floor");
  for (auto &s : shapes) {
    long long batch = s[0], channels = s[1], length = s[2], fft = 2 * length, bins = fft / 2 + 1;
    void *u = random_device(batch * channels * length, true, 1), *y;
    void *spectrum = random_device(channels * bins * 2, false, 2), *d = random_device(channels, false, 3);
    void *k = random_device(channels * length, false, 4);
    CK(cudaMalloc(&y, batch * channels * length * 2));
    const float onchip = median_ms([&] {
      return fb_onchip_conv(u, (float *)spectrum, (float *)d, nullptr, nullptr, y, FB_BF16, batch, channels, length, fft, 0, 0);
    });
    const float direct = median_ms([&] {
      return fb_direct_conv(u, (float *)k, length, length, 1.0f, (float *)d, nullptr, nullptr, y, FB_BF16, batch, channels,
                            length, 0, 0);
    });
    // the backward's du and dk: on chip (the transposed forward, dk's FFT-row sums) and direct
    void *dy = random_device(batch * channels * length, true, 5), *rows;
    CK(cudaMalloc(&rows, channels * fft * 4));
    // the direct backward up to its longest sequence (-1: past it)
    const bool direct_backward = length <= fb_direct_kernel_grad_max_length();
    const float onchip_back = median_ms([&] {
      CK(fb_onchip_kernel_grad(u, dy, (float *)rows, FB_BF16, batch, channels, length, fft, 0));
      return fb_onchip_conv(dy, (float *)spectrum, (float *)d, nullptr, nullptr, y, FB_BF16, batch, channels, length, fft, 1, 0);
    });
    const float direct_back = !direct_backward ? -1.0f : median_ms([&] {
      CK(fb_direct_kernel_grad(u, dy, (float *)rows, length, FB_BF16, batch, channels, length, 0));
      return fb_direct_conv(dy, (float *)k, length, length, 1.0f, (float *)d, nullptr, nullptr, y, FB_BF16, batch, channels,
                            length, 1, 0);
    });
    const float direct_dk = !direct_backward ? -1.0f : median_ms([&] {
      return fb_direct_kernel_grad(u, dy, (float *)rows, length, FB_BF16, batch, channels, length, 0);
    });
    // floor: u and y in bf16, k as the bf16 kernel, d in fp32
    const double floor_ms = (2.0 * batch * channels * length * 2 + channels * length * 2 + channels * 4) / bandwidth * 1e3;
    // the backward's floor: u, dy and du in bf16, k and dk as bf16, d and dD in fp32, each once
    const double back_floor_ms =
        (3.0 * batch * channels * length * 2 + 2.0 * channels * length * 2 + 2.0 * channels * 4) / bandwidth * 1e3;
    printf("%lld,%lld,%-6lld %9.4f %9.4f %9.4f %7.2f %7.2f %10.4f %10.4f %9.4f %9.4f\n", batch, channels, length, onchip,
           direct, floor_ms, direct / floor_ms, onchip / direct, onchip_back, direct_back, direct_dk, back_floor_ms);
    cudaFree(u); cudaFree(y); cudaFree(spectrum); cudaFree(d); cudaFree(k); cudaFree(dy); cudaFree(rows);
  }
  return worst < 2e-2 && worst_dk < 1e-5 ? 0 : 1;
}
