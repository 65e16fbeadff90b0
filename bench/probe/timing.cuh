// What the probes share: a check that stops at the first CUDA error, and the median of 20
// CUDA-event timings of a call after 5 warm-up runs.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#define CK(x) do { auto e = (x); if (e) { printf("error %d at %s:%d\n", (int)e, __FILE__, __LINE__); exit(1); } } while (0)
static float median_ms(const std::function<cudaError_t()> &call) {
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  for (int i = 0; i < 5; i++) CK(call());
  std::vector<float> t;
  for (int i = 0; i < 20; i++) {
    cudaEventRecord(a);
    CK(call());
    cudaEventRecord(b);
    cudaEventSynchronize(b);
    float ms;
    cudaEventElapsedTime(&ms, a, b);
    t.push_back(ms);
  }
  std::sort(t.begin(), t.end());
  return t[10];
}
