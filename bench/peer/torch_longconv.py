"""Peers for flashbutterfly's benchmark, on the same GPU and shapes, timed with CUDA events like ours:

- torch: the FFT long convolution as the paper's reference code writes it (rfft of u at 2L,
  times the kernel's spectrum, irfft, truncate, + D*u); the kernel's spectrum is computed once
  outside the timing, as ours is.
- flashfftconv: HazyResearch's FlashFFTConv, when it is importable (it says so when it is not).

With --gates, the gated convolution y = post * (conv(v, k) + D*v), v = pre * u, pre and post
shaped like u: torch gates around the transforms; FlashFFTConv takes both gates itself
(conv(u, k, pre, post), which needs both) and adds post * D * v after.

Prints one line per implementation and shape:
RESULT implementation B H L dtype median_ms extra_bytes
(extra_bytes: peak memory allocated during the call beyond its inputs and output).
"""
import argparse
import statistics
import time

import torch


def torch_fftconv(u, k_f, d, fft_size, pre=None, post=None):
    seqlen = u.shape[-1]
    v = u if pre is None else u * pre
    v_f = torch.fft.rfft(v.to(dtype=k_f.real.dtype), n=fft_size)
    y = torch.fft.irfft(v_f * k_f, n=fft_size, norm="forward")[..., :seqlen] + v * d.unsqueeze(-1)
    if post is not None:
        y = y * post
    return y.to(dtype=u.dtype)


def flashfftconv_call(conv, u, k, d, pre, post):
    if pre is None:
        return conv(u, k) + u * d.unsqueeze(-1).to(u.dtype)
    return conv(u, k, pre, post) + post * (pre * u) * d.unsqueeze(-1).to(u.dtype)


def measure(name, call, shape, dtype_name, out_bytes, warmup, iterations):
    # At least 200 ms of warm-up, as the library's benchmark does: an idle GPU clocks down.
    began = time.perf_counter()
    runs = 0
    while runs < warmup or time.perf_counter() - began < 0.2:
        y = call()
        torch.cuda.synchronize()
        runs += 1
    del y
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    times = []
    for _ in range(iterations):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        y = call()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
        del y
    extra = max(torch.cuda.max_memory_allocated() - base - out_bytes, 0)
    b, h, l = shape
    print(f"RESULT {name} {b} {h} {l} {dtype_name} {statistics.median(times):.5f} {extra}", flush=True)


def flashfftconv_factory():
    try:
        from flashfftconv import FlashFFTConv
    except Exception as e:  # not installed, or built for another GPU
        print(f"peer: flashfftconv not importable ({type(e).__name__}: {e}); its columns are left out", flush=True)
        return None
    return FlashFFTConv


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dtype", default="bf16")
    parser.add_argument("--shapes", required=True, help="B,H,L;B,H,L;...")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--gates", action="store_true", help="the gated convolution (pre and post gates)")
    args = parser.parse_args()
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[args.dtype]
    print("peer: torch", torch.__version__, torch.cuda.get_device_name(0), flush=True)
    flash = flashfftconv_factory()
    for shape in args.shapes.split(";"):
        b, h, l = (int(x) for x in shape.split(","))
        u = torch.randn(b, h, l, device="cuda").to(dtype)
        k = torch.randn(h, l, device="cuda")
        d = torch.randn(h, device="cuda")
        pre = torch.randn(b, h, l, device="cuda").to(dtype) if args.gates else None
        post = torch.randn(b, h, l, device="cuda").to(dtype) if args.gates else None
        out_bytes = u.numel() * u.element_size()
        fft_size = 2 * l
        k_f = torch.fft.rfft(k, n=fft_size) / fft_size
        measure("torch", lambda: torch_fftconv(u, k_f, d, fft_size, pre, post), (b, h, l), args.dtype, out_bytes,
                args.warmup, args.iterations)
        if flash is not None and dtype != torch.float32:
            try:
                conv = flash(fft_size, dtype=dtype).cuda()
                measure("flashfftconv", lambda: flashfftconv_call(conv, u, k, d, pre, post), (b, h, l), args.dtype,
                        out_bytes, args.warmup, args.iterations)
                del conv
            except Exception as e:
                print(f"peer: flashfftconv failed at B={b} H={h} L={l}: {type(e).__name__}: {e}", flush=True)
        del u, k, d, k_f, pre, post
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
