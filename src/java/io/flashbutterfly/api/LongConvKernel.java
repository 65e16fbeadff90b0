package io.flashbutterfly.api;

import io.flashbutterfly.backend.cuda.CudaKernelRegularizer;
import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.ops.KernelRegularizer;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A long-convolution kernel as a trainable parameter: raw weights (H, taps), and on every
 * forward the regularised kernel the convolution uses (smooth, squash, dropout: see
 * {@link KernelRegularization}); {@link #backward} turns the kernel's gradient into the weights'.
 * On a GPU the regularisers run on the device (cuda/src/kernel_regularizer.cu), and
 * {@link #spectrum} fuses them into the kernel spectrum's computation: no regularised kernel is
 * written in between. On the CPU they run in float64 ({@link KernelRegularizer}), the reference.
 *
 * <pre>{@code
 * LongConvKernel kernel = LongConvKernel.create(arena, device, 768, 4096, LongConvKernel.Init.RANDOM, 42)
 *         .regularization(KernelRegularization.DEFAULT);
 * KernelSpectrum kf = kernel.spectrum(conv, 4096, true, 0, arena);  // training: dropout drawn for step 0
 * ... y = conv.forward(u, kf, d); dk from conv.backward(dy, u, kf, d) ...
 * Tensor dw = kernel.backward(arena, dk);                            // the weights' gradient for that step
 * kernel.updateSpectrum(kf, true, 1);                                 // the next step, in place
 * }</pre>
 */
public final class LongConvKernel {
    /** Initial weights, as in the paper's code. */
    public enum Init {
        /** 0.002 * N(0, 1). */
        RANDOM,
        /**
         * N(0, 1) * exp(-rate_h * t / taps), with decay rates spaced geometrically from 1 to
         * taps / 4 over the channels: some channels keep long memory, others short.
         */
        DOUBLE_EXPONENTIAL
    }

    private final Tensor weights;
    private final long seed;
    private KernelRegularization regularization = KernelRegularization.NONE;
    /** The regularisation and dropout seed of the last forward or spectrum (what backward differentiates). */
    private KernelRegularization lastRegularization;
    private long lastSeed;

    private LongConvKernel(Tensor weights, long seed) {
        this.weights = weights;
        this.seed = seed;
    }

    /** Weights (channels, taps) in fp32 on device, owned by owner, drawn from seed. */
    public static LongConvKernel create(Arena owner, Device device, long channels, long taps, Init init, long seed) {
        Objects.requireNonNull(init, "init must not be null");
        int h = Math.toIntExact(channels);
        int n = Math.toIntExact(taps);
        SplittableRandom random = new SplittableRandom(seed);
        double[] w = new double[Math.multiplyExact(h, n)];
        for (int c = 0; c < h; c++) {
            double rate = h == 1 ? 1 : Math.pow(Math.max(1.0, n / 4.0), c / (double) (h - 1));
            for (int t = 0; t < n; t++) {
                double noise = random.nextGaussian();
                w[c * n + t] = init == Init.RANDOM ? 0.002 * noise : noise * Math.exp(-rate * t / n);
            }
        }
        return new LongConvKernel(Tensor.of(owner, device, DType.FP32, Shape.of(channels, taps), w), seed);
    }

    /** Sets the regularisers applied on each forward; returns this. */
    public LongConvKernel regularization(KernelRegularization regularization) {
        this.regularization = Objects.requireNonNull(regularization, "regularization must not be null");
        return this;
    }

    /** The raw weights (the parameter an optimiser updates). */
    public Tensor weights() { return weights; }

    /** The regularisers applied on each forward. */
    public KernelRegularization regularization() { return regularization; }

    /**
     * The kernel for one step: the regularised weights, as a new tensor like the weights owned by
     * owner. Dropout applies when training, with a mask drawn from the kernel's seed and step.
     */
    public Tensor forward(Arena owner, boolean training, long step) {
        remember(training, step);
        Tensor k = Tensor.empty(owner, weights.device(), weights.dtype(), weights.shape());
        try {
            if (weights.device().isCuda()) {
                CudaKernelRegularizer.forward(weights, lastRegularization, lastSeed, k, Stream.DEFAULT);
            } else {
                k.copyFrom(hostPass().kernel());
            }
            return k;
        } catch (RuntimeException e) {
            k.close();
            throw e;
        }
    }

    /**
     * The spectrum of this step's kernel for conv's sequences of length L, owned by owner: as
     * {@code conv.spectrum(forward(owner, training, step), length)}, but on a GPU the regularisers
     * run fused into the spectrum's computation. {@link #updateSpectrum} recomputes it in place
     * for the next steps.
     */
    public KernelSpectrum spectrum(LongConv conv, long length, boolean training, long step, Arena owner) {
        Objects.requireNonNull(conv, "conv must not be null");
        Objects.requireNonNull(owner, "owner must not be null");
        KernelRegularization r = stepRegularization(training);
        KernelSpectrum spectrum = conv.spectrum(this, length, r, stepSeed(step), owner, Stream.DEFAULT);
        remember(training, step); // only once the step's spectrum exists
        return spectrum;
    }

    /** Recomputes spectrum (made by {@link #spectrum} from this kernel) for another step. */
    public void updateSpectrum(KernelSpectrum spectrum, boolean training, long step) {
        Objects.requireNonNull(spectrum, "spectrum must not be null");
        if (!spectrum.kernelShape().equals(weights.shape()) || !spectrum.data().device().equals(weights.device())) {
            throw new IllegalArgumentException("spectrum must be made from this kernel (" + weights.shape() + " on "
                    + weights.device() + "), got one of " + spectrum.kernelShape() + " on " + spectrum.data().device());
        }
        spectrum.backend().updateSpectrum(spectrum.data(), spectrum.taps(), weights, stepRegularization(training),
                stepSeed(step), spectrum.geometry(), Stream.DEFAULT);
        remember(training, step);
    }

    /**
     * The weights' gradient for the gradient dk of the kernel of the last {@link #forward} or
     * {@link #spectrum} / {@link #updateSpectrum} step. It differentiates the regularisers at the
     * weights as they are now: call it before an optimiser changes them.
     */
    public Tensor backward(Arena owner, Tensor dk) {
        Objects.requireNonNull(dk, "dk must not be null");
        if (lastRegularization == null) throw new IllegalStateException("backward needs a forward first");
        if (!dk.shape().equals(weights.shape())) {
            throw new IllegalArgumentException("dk must be " + weights.shape() + ", got " + dk.shape());
        }
        if (!dk.device().equals(weights.device())) {
            throw new IllegalArgumentException("dk must be on " + weights.device() + ", got " + dk.device());
        }
        Tensor dw = Tensor.empty(owner, weights.device(), weights.dtype(), weights.shape());
        try {
            if (weights.device().isCuda()) {
                CudaKernelRegularizer.backward(weights, dk, lastRegularization, lastSeed, dw, Stream.DEFAULT);
            } else {
                dw.copyFrom(KernelRegularizer.backward(hostPass(), dk.toDoubleArray()));
            }
            return dw;
        } catch (RuntimeException e) {
            dw.close();
            throw e;
        }
    }

    /** Records the step backward differentiates. */
    private void remember(boolean training, long step) {
        lastRegularization = stepRegularization(training);
        lastSeed = stepSeed(step);
    }

    /** The regularisation a step uses: dropout only when training. */
    private KernelRegularization stepRegularization(boolean training) {
        return training ? regularization : regularization.withDropout(0);
    }

    /** The dropout seed of a step, from the kernel's seed. */
    private long stepSeed(long step) {
        return seed * 0x9E3779B97F4A7C15L + step;
    }

    /** The last step's regularisation on the host, in float64. */
    private KernelRegularizer.Pass hostPass() {
        return KernelRegularizer.forward(weights.toDoubleArray(), Math.toIntExact(weights.shape().dim(1)),
                lastRegularization, true, lastSeed);
    }
}
