// cuFFT R2C and C2R in place against out of place, batched, at the FFT sizes of the benchmark's
// long shapes: why the unfused forward transforms out of place. Median of 10 CUDA-event timings
// after 3 warm-up runs, one line per (rows, N). Build and run on a GPU host:
//   nvcc -O2 -o /tmp/cufft_in_place bench/probe/cufft_in_place.cu -lcufft && /tmp/cufft_in_place
#include <cufft.h>
#include <cuda_runtime.h>
#include <cstdio>
#include <vector>
#include <algorithm>
#define CK(x) do { auto e = (x); if (e) { printf("error %d at %s:%d\n", (int)e, __FILE__, __LINE__); exit(1);} } while (0)
static float timeit(cufftHandle p, bool r2c, void* in, void* out) {
  cudaEvent_t a, b; cudaEventCreate(&a); cudaEventCreate(&b);
  for (int i = 0; i < 3; i++) r2c ? cufftExecR2C(p, (float*)in, (cufftComplex*)out) : cufftExecC2R(p, (cufftComplex*)in, (float*)out);
  std::vector<float> t;
  for (int i = 0; i < 10; i++) {
    cudaEventRecord(a);
    CK(r2c ? cufftExecR2C(p, (float*)in, (cufftComplex*)out) : cufftExecC2R(p, (cufftComplex*)in, (float*)out));
    cudaEventRecord(b); cudaEventSynchronize(b); float ms; cudaEventElapsedTime(&ms, a, b); t.push_back(ms);
  }
  std::sort(t.begin(), t.end()); return t[5];
}
int main() {
  long long shapes[][2] = {{32, 1 << 23}, {256, 1 << 21}, {6144, 1 << 15}, {3072, 1 << 17}};
  for (auto& s : shapes) {
    long long batch = s[0], n = s[1], bins = n / 2 + 1;
    void *buf, *cbuf; CK(cudaMalloc(&buf, batch * (n + 2) * 4)); CK(cudaMalloc(&cbuf, batch * bins * 8));
    cudaMemset(buf, 0, batch * (n + 2) * 4); cudaMemset(cbuf, 0, batch * bins * 8);
    size_t ws;
    cufftHandle ip, op, ipi, opi;
    long long nn[1] = {n}, rin[1] = {n + 2}, cin[1] = {bins}, rtight[1] = {n};
    cufftCreate(&ip); CK(cufftMakePlanMany64(ip, 1, nn, rin, 1, n + 2, cin, 1, bins, CUFFT_R2C, batch, &ws));
    cufftCreate(&op); CK(cufftMakePlanMany64(op, 1, nn, rtight, 1, n, cin, 1, bins, CUFFT_R2C, batch, &ws));
    cufftCreate(&ipi); CK(cufftMakePlanMany64(ipi, 1, nn, cin, 1, bins, rin, 1, n + 2, CUFFT_C2R, batch, &ws));
    cufftCreate(&opi); CK(cufftMakePlanMany64(opi, 1, nn, cin, 1, bins, rtight, 1, n, CUFFT_C2R, batch, &ws));
    float a = timeit(ip, true, buf, buf), b = timeit(op, true, buf, cbuf);
    float c = timeit(ipi, false, buf, buf), d = timeit(opi, false, cbuf, buf);
    double gb = batch * n * 4.0 + batch * bins * 8.0;
    printf("batch %lld n %lld: R2C in place %.3f ms, out of place %.3f ms; C2R in place %.3f, out of place %.3f; one pass of input and output at 2.94 TB/s %.3f ms\n",
           batch, n, a, b, c, d, gb / 2.94e9);
    cufftDestroy(ip); cufftDestroy(op); cufftDestroy(ipi); cufftDestroy(opi); cudaFree(buf); cudaFree(cbuf);
  }
}
