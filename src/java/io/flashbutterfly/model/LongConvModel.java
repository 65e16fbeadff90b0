package io.flashbutterfly.model;

import io.flashbutterfly.api.ChannelLinear;
import io.flashbutterfly.api.Gelu;
import io.flashbutterfly.api.Gradients;
import io.flashbutterfly.api.KernelSpectrum;
import io.flashbutterfly.api.LinearGradients;
import io.flashbutterfly.api.LongConv;
import io.flashbutterfly.api.LongConvKernel;
import io.flashbutterfly.ops.Adam;
import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.ops.MseLoss;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A small nonlinear sequence model from one input channel to one output channel, trainable on
 * the CPU and on a GPU. For u of shape (B, 1, L):
 *
 * <pre>
 *   a = w_in u + b_in              (B, H, L)   {@link ChannelLinear}, 1 to H channels
 *   c = causal_conv(a, k) + D * a  (B, H, L)   {@link LongConv}, k from a {@link LongConvKernel} of L taps
 *   g = gelu(c)                                {@link Gelu}
 *   y = w_out g + b_out            (B, 1, L)   {@link ChannelLinear}, H to 1 channel
 * </pre>
 *
 * Parameters are fp32 on one device: w_in ~ N(0, 1), w_out ~ N(0, 1 / H), the kernel's RANDOM
 * init, zero biases and D. {@link #trainStep} takes one step of mean squared error and Adam on
 * every parameter. Activations of a call belong to the scratch arena it is given.
 */
public final class LongConvModel {
    private final LongConv conv = LongConv.causal();
    private final Tensor inWeight;
    private final Tensor inBias;
    private final LongConvKernel kernel;
    private final Tensor skip;
    private final Tensor outWeight;
    private final Tensor outBias;
    private Activations last;

    /** What backward needs from the forward before it. */
    private record Activations(Tensor u, Tensor a, KernelSpectrum k, Tensor c, Tensor g) {}

    private LongConvModel(Tensor inWeight, Tensor inBias, LongConvKernel kernel, Tensor skip, Tensor outWeight,
                          Tensor outBias) {
        this.inWeight = inWeight;
        this.inBias = inBias;
        this.kernel = kernel;
        this.skip = skip;
        this.outWeight = outWeight;
        this.outBias = outBias;
    }

    /**
     * A model of H = channels hidden channels for sequences of length L on device, its parameters
     * owned by owner and drawn from seed; the kernel regularised by regularization on each forward.
     */
    public static LongConvModel create(Arena owner, Device device, int channels, int length,
                                       KernelRegularization regularization, long seed) {
        if (channels < 1 || length < 1) {
            throw new IllegalArgumentException("channels and length must be >= 1, got " + channels + ", " + length);
        }
        SplittableRandom random = new SplittableRandom(seed);
        Tensor inWeight = normal(owner, device, Shape.of(channels, 1), 1, random.split());
        Tensor outWeight = normal(owner, device, Shape.of(1, channels), 1 / Math.sqrt(channels), random.split());
        LongConvKernel kernel = LongConvKernel.create(owner, device, channels, length, LongConvKernel.Init.RANDOM,
                random.nextLong()).regularization(regularization);
        return new LongConvModel(inWeight, Tensor.zeros(owner, device, DType.FP32, Shape.of(channels)), kernel,
                Tensor.zeros(owner, device, DType.FP32, Shape.of(channels)), outWeight,
                Tensor.zeros(owner, device, DType.FP32, Shape.of(1)));
    }

    private static Tensor normal(Arena owner, Device device, Shape shape, double sd, SplittableRandom random) {
        double[] values = new double[Math.toIntExact(shape.numel())];
        for (int i = 0; i < values.length; i++) values[i] = sd * random.nextGaussian();
        return Tensor.of(owner, device, DType.FP32, shape, values);
    }

    /** The parameters, in the order {@link #backward} gives their gradients: w_in, b_in, the kernel's weights, D, w_out, b_out. */
    public List<Tensor> parameters() {
        return List.of(inWeight, inBias, kernel.weights(), skip, outWeight, outBias);
    }

    /** The long-convolution kernel (its weights are among the parameters). */
    public LongConvKernel kernel() { return kernel; }

    /**
     * y (B, 1, L) for u (B, 1, L) fp32 on the model's device, owned by scratch with the
     * activations kept for {@link #backward}; kernel dropout applies when training, drawn for step.
     */
    public Tensor forward(Arena scratch, Tensor u, boolean training, long step) {
        Objects.requireNonNull(u, "u must not be null");
        long length = kernel.weights().shape().dim(1);
        if (u.shape().rank() != 3 || u.shape().dim(1) != 1 || u.shape().dim(2) != length) {
            throw new IllegalArgumentException("u must be (B, 1, L=" + length + "), got " + u.shape());
        }
        long channels = inWeight.shape().dim(0);
        Shape hidden = Shape.of(u.shape().dim(0), channels, length);
        Tensor a = empty(scratch, hidden);
        ChannelLinear.forward(u, inWeight, inBias, a, Stream.DEFAULT);
        // This step's spectrum, owned by scratch (one per call, freed with it); on a GPU the kernel's
        // regularisers run fused into its computation, with no regularised kernel in between.
        KernelSpectrum k = kernel.spectrum(conv, length, training, step, scratch);
        Tensor c = empty(scratch, hidden);
        conv.forward(a, k, skip, c, Stream.DEFAULT);
        Tensor g = empty(scratch, hidden);
        Gelu.forward(c, g, Stream.DEFAULT);
        Tensor y = empty(scratch, u.shape());
        ChannelLinear.forward(g, outWeight, outBias, y, Stream.DEFAULT);
        last = new Activations(u, a, k, c, g);
        return y;
    }

    /**
     * The parameters' gradients (in {@link #parameters()} order, owned by scratch) for the output
     * gradient dy of the last {@link #forward}, whose scratch arena must still be open.
     */
    public List<Tensor> backward(Arena scratch, Tensor dy) {
        Activations f = last;
        if (f == null) throw new IllegalStateException("backward needs a forward first");
        LinearGradients out = new LinearGradients(empty(scratch, f.g().shape()), empty(scratch, outWeight.shape()),
                empty(scratch, outBias.shape()));
        ChannelLinear.backward(dy, f.g(), outWeight, outBias, out, Stream.DEFAULT);
        Tensor dc = empty(scratch, f.c().shape());
        Gelu.backward(out.dx(), f.c(), dc, Stream.DEFAULT);
        Gradients mid = new Gradients(empty(scratch, f.a().shape()), empty(scratch, kernel.weights().shape()),
                empty(scratch, skip.shape()));
        conv.backward(dc, f.a(), f.k(), skip, mid, Stream.DEFAULT);
        LinearGradients in = new LinearGradients(empty(scratch, f.u().shape()), empty(scratch, inWeight.shape()),
                empty(scratch, inBias.shape()));
        ChannelLinear.backward(mid.du(), f.u(), inWeight, inBias, in, Stream.DEFAULT);
        return List.of(in.dw(), in.dbias(), kernel.backward(scratch, mid.dk()), mid.dd(), out.dw(), out.dbias());
    }

    /**
     * One training step on the batch u against target (the outputs' values, row-major): forward
     * with kernel dropout drawn for step, mean squared error, backward, and an Adam step on every
     * parameter. Returns the batch's loss before the step.
     */
    public double trainStep(Arena scratch, Tensor u, double[] target, Adam adam, long step) {
        MseLoss loss = MseLoss.of(scratch, forward(scratch, u, true, step), target);
        List<Tensor> gradients = backward(scratch, loss.gradient());
        List<Tensor> parameters = parameters();
        for (int i = 0; i < parameters.size(); i++) adam.step(parameters.get(i), gradients.get(i));
        return loss.value();
    }

    /** The mean squared error of the model's outputs for u against target, without dropout. */
    public double loss(Arena scratch, Tensor u, double[] target) {
        return MseLoss.value(forward(scratch, u, false, 0), target);
    }

    private Tensor empty(Arena scratch, Shape shape) {
        return Tensor.empty(scratch, inWeight.device(), DType.FP32, shape);
    }
}
