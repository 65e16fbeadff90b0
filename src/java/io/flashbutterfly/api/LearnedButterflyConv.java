package io.flashbutterfly.api;

import io.flashbutterfly.backend.ButterflySizes;
import io.flashbutterfly.backend.ConvBackend;
import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.backend.LearnedButterflyBackend;
import io.flashbutterfly.backend.cpu.CpuLearnedButterfly;
import io.flashbutterfly.backend.cpu.CpuLongConv;
import io.flashbutterfly.backend.cuda.CudaLearnedButterfly;
import io.flashbutterfly.backend.cuda.CudaLongConv;
import io.flashbutterfly.ops.ButterflyFactor;
import io.flashbutterfly.ops.ComplexMatrix;
import io.flashbutterfly.ops.LearnedButterfly;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The paper's learned butterfly: the causal convolution y = conv(u, k) + D * u through the
 * two-level FFT of size N = n1 * n2 whose six factor matrices ({@link ButterflyFactor}) are
 * trainable parameters. They start at the exact DFT, where y is the exact causal convolution
 * (what {@link LongConv#causal()} computes), optionally plus noise; {@link #backward} gives the
 * gradients of u, k, D and every factor, which an optimiser such as
 * {@link io.flashbutterfly.ops.Adam} applies to {@link #factors()}. One set of factors serves
 * every channel (groups 1) or each channel has its own (groups = H).
 *
 * <p>Factors are fp32 tensors (groups, rows, cols, 2) of (re, im) pairs on the device the
 * convolution runs on. On a GPU the transforms are complex fp32 matrix products in cuBLAS
 * ({@link CudaLearnedButterfly}); on the CPU they run in float64 ({@link LearnedButterfly}).
 *
 * <pre>{@code
 * LearnedButterflyConv conv = LearnedButterflyConv.create(arena, device, 32, 64, 1, 0.0, 7); // N = 2048
 * Tensor y = conv.forward(u, k, d);                          // u (B, H, L <= 1024), k (H, Lk), L + Lk - 1 <= N
 * LearnedGradients g = conv.backward(dy, u, k, d);           // du, dk, dd and one gradient per factor
 * for (int f = 0; f < 6; f++) adam.step(conv.factors().get(f), g.dFactors().get(f));
 * }</pre>
 */
public final class LearnedButterflyConv implements LearnedConvolution {
    private final int n1;
    private final int n2;
    private final int groups;
    private final List<Tensor> factors;

    private LearnedButterflyConv(int n1, int n2, int groups, List<Tensor> factors) {
        this.n1 = n1;
        this.n2 = n2;
        this.groups = groups;
        this.factors = List.copyOf(factors);
    }

    /**
     * Factors of the DFT of size n1 * n2 plus N(0, noise) on every real and imaginary part (each
     * group its own draw from seed), groups sets of them, on device, owned by owner.
     */
    public static LearnedButterflyConv create(Arena owner, Device device, int n1, int n2, int groups, double noise,
                                              long seed) {
        Objects.requireNonNull(owner, "owner must not be null");
        Objects.requireNonNull(device, "device must not be null");
        if (n1 < 1 || n2 < 1) throw new IllegalArgumentException("n1 and n2 must be >= 1, got " + n1 + ", " + n2);
        Math.multiplyExact(n1, n2); // N fits an int
        if (groups < 1) throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        if (!(noise >= 0)) throw new IllegalArgumentException("noise must be >= 0, got " + noise);
        double[][] values = new double[ButterflyFactor.values().length][];
        for (ButterflyFactor f : ButterflyFactor.values()) {
            values[f.ordinal()] = new double[Math.multiplyExact(2 * groups, f.rows(n1, n2) * f.cols(n1, n2))];
        }
        for (int g = 0; g < groups; g++) {
            ComplexMatrix[] initial = LearnedButterfly.dft(n1, n2).perturbed(noise, seed + g).factors();
            for (ButterflyFactor f : ButterflyFactor.values()) {
                initial[f.ordinal()].addInterleavedTo(values[f.ordinal()], g * 2 * f.rows(n1, n2) * f.cols(n1, n2));
            }
        }
        List<Tensor> made = new ArrayList<>();
        try {
            for (ButterflyFactor f : ButterflyFactor.values()) {
                made.add(Tensor.of(owner, device, DType.FP32, Shape.of(groups, f.rows(n1, n2), f.cols(n1, n2), 2),
                        values[f.ordinal()]));
            }
        } catch (RuntimeException e) {
            made.forEach(Tensor::close);
            throw e;
        }
        return new LearnedButterflyConv(n1, n2, groups, made);
    }

    /**
     * Exact DFT factors for sequences of length up to L and kernels up to L taps: N the least
     * power of two {@code >= 2L - 1}, n1 the largest power of two {@code <= sqrt(N)}, n2 = N / n1.
     */
    public static LearnedButterflyConv forLength(Arena owner, Device device, long length, int groups) {
        if (length < 1 || length > 1L << 29) {
            throw new IllegalArgumentException("length must be in [1, 2^29], got " + length);
        }
        int n = (int) ConvGeometry.powerOfTwoAtLeast(2 * length - 1);
        int n1 = 1 << (Integer.numberOfTrailingZeros(n) / 2);
        return create(owner, device, n1, n / n1, groups, 0, 0);
    }

    /** The inner factor size n1. */
    public int n1() { return n1; }

    /** The outer factor size n2. */
    public int n2() { return n2; }

    /** The FFT size N = n1 * n2: u's length L and the kernel's Lk need {@code L + Lk - 1 <= N}. */
    public int fftSize() { return n1 * n2; }

    /** The number of factor sets: 1 (shared by the channels) or H. */
    public int groups() { return groups; }

    /** The factors (the parameters), in {@link ButterflyFactor} order. */
    public List<Tensor> factors() { return factors; }

    /** {@link #factors()}. */
    @Override
    public List<Tensor> parameters() { return factors; }

    /** One factor. */
    public Tensor factor(ButterflyFactor f) { return factors.get(f.ordinal()); }

    @Override
    public Tensor forward(Tensor u, Tensor k, Tensor d) {
        return LearnedCall.forward(this, u, k, d, () -> check(u, k, d));
    }

    @Override
    public void forward(Tensor u, Tensor k, Tensor d, Tensor y, Stream stream) {
        ButterflySizes s = check(u, k, d);
        Checks.requireLike("y", y, u);
        Checks.requireOpen("y", y);
        backend(u.device()).forward(u, k, d, factors, s, y, stream);
    }

    @Override
    public LearnedGradients backward(Tensor dy, Tensor u, Tensor k, Tensor d) {
        return LearnedCall.backward(this, dy, u, k, d, () -> check(u, k, d));
    }

    @Override
    public void backward(Tensor dy, Tensor u, Tensor k, Tensor d, LearnedGradients out, Stream stream) {
        ButterflySizes s = check(u, k, d);
        LearnedCall.checkBackward(dy, u, k, d, out, factors,
                Arrays.stream(ButterflyFactor.values()).map(Enum::name).toList());
        backend(u.device()).backward(dy, u, k, d, factors, s, out.du(), out.dk(), out.dFactors(), stream);
        if (d != null) convBackend(u.device()).skipGradient(dy, u, null, null, out.dd(), stream);
    }

    /** The call's sizes, after checking u, k and d against each other and the factors. */
    private ButterflySizes check(Tensor u, Tensor k, Tensor d) {
        for (ButterflyFactor f : ButterflyFactor.values()) Checks.requireOpen("factor " + f, factor(f));
        LearnedCall call = LearnedCall.check(u, k, d, factors.get(0).device(), fftSize(), groups);
        if ((long) call.batch() * fftSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("B * N must be below 2^31 (one channel's block in one product); got B="
                    + call.batch() + ", N=" + fftSize());
        }
        return new ButterflySizes(call.batch(), call.channels(), call.length(), call.taps(), n1, n2, groups);
    }

    private static LearnedButterflyBackend backend(Device device) {
        return device.isCuda() ? CudaLearnedButterfly.INSTANCE : CpuLearnedButterfly.INSTANCE;
    }

    private static ConvBackend convBackend(Device device) {
        return device.isCuda() ? CudaLongConv.INSTANCE : CpuLongConv.INSTANCE;
    }
}
