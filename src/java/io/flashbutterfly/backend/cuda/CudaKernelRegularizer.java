package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.*;

import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The kernel regularisers on a GPU (cuda/src/kernel_regularizer.cu; {@link
 * io.flashbutterfly.ops.KernelRegularizer} is the float64 reference): on fp32 weights
 * (channels, taps), dropout drawn from a seed as {@link io.flashbutterfly.ops.DropoutMask}.
 */
public final class CudaKernelRegularizer {
    private CudaKernelRegularizer() {}

    /** k = the regularised weights (fp32, like weights, on their GPU). */
    public static void forward(Tensor weights, KernelRegularization r, long seed, Tensor k, Stream stream) {
        check(weights, k, "k");
        long taps = weights.shape().dim(1);
        // FFT rows of n = taps points with every tap causal: the kernel itself
        toFftRows(weights, r, seed, k.data(), taps, 0, taps, 1f, stream);
    }

    /** dw = the weights' gradient for the regularised kernel's gradient dk (fp32, like weights). */
    public static void backward(Tensor weights, Tensor dk, KernelRegularization r, long seed, Tensor dw,
                                Stream stream) {
        check(weights, dk, "dk");
        check(weights, dw, "dw");
        int device = NativeKernels.prepare(weights);
        try (Scratch masked = Scratch.allocate(device, weights.numel() * 4, stream)) {
            Cuda.check(fb_regularized_kernel_backward(weights.data(), dk.data(), weights.shape().dim(0),
                    weights.shape().dim(1), r.smoothWidth(), (float) r.squash(), (float) r.dropout(), seed,
                    masked.segment(), dw.data(), stream.handle()), "fb_regularized_kernel_backward");
        }
    }

    /**
     * Rows of n points (n apart) holding the regularised weights' causal and anti-causal taps
     * times scale, zero elsewhere: the kernel spectrum's transform input (fb_kernel_to_fft_rows).
     */
    static void toFftRows(Tensor weights, KernelRegularization r, long seed, MemorySegment dst, long causalTaps,
                          long anticausalTaps, long n, float scale, Stream stream) {
        if (weights.dtype() != DType.FP32) throw new IllegalArgumentException("weights must be fp32, got " + weights.dtype());
        if (causalTaps + anticausalTaps != weights.shape().dim(1)) {
            throw new IllegalArgumentException("the weights have " + weights.shape().dim(1) + " taps, not "
                    + causalTaps + " + " + anticausalTaps);
        }
        NativeKernels.prepare(weights);
        Cuda.check(fb_regularized_kernel_to_fft_rows(weights.data(), weights.shape().dim(0), causalTaps,
                anticausalTaps, r.smoothWidth(), (float) r.squash(), (float) r.dropout(), seed, dst, n, n, scale,
                stream.handle()), "fb_regularized_kernel_to_fft_rows");
    }

    private static void check(Tensor weights, Tensor other, String name) {
        if (weights.dtype() != DType.FP32 || other.dtype() != DType.FP32 || !weights.shape().equals(other.shape())
                || !weights.device().isCuda() || !weights.device().equals(other.device())) {
            throw new IllegalArgumentException("weights and " + name + " must be fp32 tensors of one shape on one GPU, got "
                    + weights.dtype() + " " + weights.shape() + " " + weights.device() + " and " + other.dtype() + " "
                    + other.shape() + " " + other.device());
        }
    }
}
