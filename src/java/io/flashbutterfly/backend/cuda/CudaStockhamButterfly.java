package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.*;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.flashbutterfly.backend.StockhamButterflyBackend;
import io.flashbutterfly.backend.StockhamSizes;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The learned butterfly in the on-chip kernel's factorisation on the GPU: the on-chip
 * convolution kernel itself with each radix-16 level's learned matrix in place of the DFT's
 * (cuda/src/onchip_kernels.cuh, onchip_conv_learned), its spectrum from k through the learned
 * forward transform, and its backward (cuda/src/learned_backward.cu). bf16 and fp16 sequences
 * only: the levels are tensor-core products with bf16 operands.
 */
public final class CudaStockhamButterfly implements StockhamButterflyBackend {
    /** The one instance. */
    public static final CudaStockhamButterfly INSTANCE = new CudaStockhamButterfly();

    private static final long COMPLEX_BYTES = 8;

    private CudaStockhamButterfly() {}

    /**
     * The largest FFT size this form takes, forward and backward, on a device: where the backward's
     * block fits the device's shared memory, at most 32768 (one round of 16 values per thread of a
     * pass): 32768 on sm_90, 16384 on an A100, 8192 with 99 KiB per block.
     */
    public static int maxFftSize(int device) {
        return (int) OnChipLimit.learnedMaxFftSize(device, true);
    }

    /** Whether the GPU runs sequences of dtype in this form. */
    public static boolean takes(DType dtype) {
        return dtype == DType.BF16 || dtype == DType.FP16;
    }

    @Override
    public void forward(Tensor u, Tensor k, Tensor d, Tensor forward, Tensor inverse, StockhamSizes s, Tensor y,
                        Stream stream) {
        int device = NativeKernels.prepare(u);
        try (Scratch spectrum = spectrum(device, k, forward, s, u.dtype(), stream)) {
            Cuda.check(fb_onchip_conv_learned(u.data(), spectrum.segment(), skip(d), y.data(), u.dtype().nativeCode(),
                    s.batch(), s.channels(), s.length(), s.fftSize(), forward.data(), inverse.data(), s.levels(),
                    s.groups(), stream.handle()), "fb_onchip_conv_learned");
        }
    }

    @Override
    public void backward(Tensor dy, Tensor u, Tensor k, Tensor d, Tensor forward, Tensor inverse, StockhamSizes s,
                         Tensor du, Tensor dk, Tensor dd, Tensor dForward, Tensor dInverse, Stream stream) {
        int device = NativeKernels.prepare(u);
        long bytes;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            Cuda.check(fb_learned_backward_scratch_bytes(s.batch(), s.channels(), s.fftSize(), s.levels(), s.groups(), out),
                    "fb_learned_backward_scratch_bytes");
            bytes = out.get(JAVA_LONG, 0);
        }
        try (Scratch spectrum = spectrum(device, k, forward, s, u.dtype(), stream);
             Scratch scratch = Scratch.allocate(device, bytes, stream)) {
            Cuda.check(fb_onchip_conv_learned_backward(u.data(), dy.data(), k.data(), s.taps(), spectrum.segment(),
                    skip(d), du.data(), dk.data(), skip(dd), dForward.data(), dInverse.data(), scratch.segment(),
                    u.dtype().nativeCode(), s.batch(), s.channels(), s.length(), s.fftSize(), forward.data(),
                    inverse.data(), s.levels(), s.groups(), stream.handle()), "fb_onchip_conv_learned_backward");
        }
        if (s.levels() == 0) { // N <= 16: no learned level, the tensors' one placeholder level gets no gradient
            NativeKernels.fill(dForward, 0, stream);
            NativeKernels.fill(dInverse, 0, stream);
        }
    }

    /** k's spectrum through the learned forward transform, (channels, N/2 + 1) complex fp32. */
    private static Scratch spectrum(int device, Tensor k, Tensor forward, StockhamSizes s, DType dtype, Stream stream) {
        Scratch spectrum = Scratch.allocate(device, (long) s.channels() * (s.fftSize() / 2 + 1) * COMPLEX_BYTES, stream);
        try {
            Cuda.check(fb_learned_spectrum(k.data(), s.channels(), s.taps(), s.fftSize(), forward.data(), s.levels(),
                    s.groups(), dtype.nativeCode(), spectrum.segment(), stream.handle()), "fb_learned_spectrum");
            return spectrum;
        } catch (RuntimeException e) {
            spectrum.close();
            throw e;
        }
    }

    private static MemorySegment skip(Tensor t) {
        return t == null ? MemorySegment.NULL : t.data();
    }
}
