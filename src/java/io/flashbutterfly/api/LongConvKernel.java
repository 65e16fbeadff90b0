package io.flashbutterfly.api;

import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.ops.KernelRegularizer;
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
 * The regularisers run in float64 on the host for now, whatever the weights' device.
 *
 * <pre>{@code
 * LongConvKernel kernel = LongConvKernel.create(arena, device, 768, 4096, LongConvKernel.Init.RANDOM, 42)
 *         .regularization(KernelRegularization.DEFAULT);
 * Tensor k = kernel.forward(arena, true, step);        // training: dropout drawn for this step
 * ... dk from LongConv.backward ...
 * Tensor dw = kernel.backward(arena, dk);              // the weights' gradient
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
    private KernelRegularizer.Pass lastPass;

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
        int taps = Math.toIntExact(weights.shape().dim(1));
        lastPass = KernelRegularizer.forward(weights.toDoubleArray(), taps, regularization, training,
                seed * 0x9E3779B97F4A7C15L + step);
        Tensor k = Tensor.empty(owner, weights.device(), weights.dtype(), weights.shape());
        k.copyFrom(lastPass.kernel());
        return k;
    }

    /** The weights' gradient for the gradient dk of the kernel the last {@link #forward} returned. */
    public Tensor backward(Arena owner, Tensor dk) {
        Objects.requireNonNull(dk, "dk must not be null");
        if (lastPass == null) throw new IllegalStateException("backward needs a forward first");
        if (!dk.shape().equals(weights.shape())) {
            throw new IllegalArgumentException("dk must be " + weights.shape() + ", got " + dk.shape());
        }
        Tensor dw = Tensor.empty(owner, weights.device(), weights.dtype(), weights.shape());
        dw.copyFrom(KernelRegularizer.backward(lastPass, dk.toDoubleArray()));
        return dw;
    }
}
