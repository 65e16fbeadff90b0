"""PyTorch peer for flashbutterfly's benchmark: the FFT long convolution as the paper's reference
code writes it (rfft of u at 2L, times the kernel's spectrum, irfft, truncate, + D*u), timed with
CUDA events like ours. The kernel spectrum is computed once outside the timing, as ours is.

Prints one line per shape: RESULT B H L dtype median_ms extra_bytes
(extra_bytes: peak memory allocated during the call beyond its inputs and output).
"""
import argparse
import statistics

import torch


def fftconv(u, k_f, d, fft_size):
    seqlen = u.shape[-1]
    u_f = torch.fft.rfft(u.to(dtype=k_f.real.dtype), n=fft_size)
    y = torch.fft.irfft(u_f * k_f, n=fft_size, norm="forward")[..., :seqlen]
    return (y + u * d.unsqueeze(-1)).to(dtype=u.dtype)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="bf16")
    parser.add_argument("--shapes", required=True, help="B,H,L;B,H,L;...")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    args = parser.parse_args()
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[args.dtype]
    print("peer: torch", torch.__version__, torch.cuda.get_device_name(0), flush=True)
    for shape in args.shapes.split(";"):
        b, h, l = (int(x) for x in shape.split(","))
        u = torch.randn(b, h, l, device="cuda").to(dtype)
        k = torch.randn(h, l, device="cuda")
        d = torch.randn(h, device="cuda")
        fft_size = 2 * l
        k_f = torch.fft.rfft(k, n=fft_size) / fft_size
        torch.cuda.synchronize()
        for _ in range(args.warmup):
            y = fftconv(u, k_f, d, fft_size)
        del y
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        times = []
        for _ in range(args.iterations):
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            start.record()
            y = fftconv(u, k_f, d, fft_size)
            end.record()
            end.synchronize()
            times.append(start.elapsed_time(end))
            del y
        extra = torch.cuda.max_memory_allocated() - base - u.numel() * u.element_size()
        print(f"RESULT {b} {h} {l} {args.dtype} {statistics.median(times):.5f} {max(extra, 0)}", flush=True)
        del u, k, d, k_f
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
