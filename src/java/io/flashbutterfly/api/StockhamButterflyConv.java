package io.flashbutterfly.api;

import io.flashbutterfly.backend.StockhamButterflyBackend;
import io.flashbutterfly.backend.StockhamSizes;
import io.flashbutterfly.backend.cpu.CpuStockhamButterfly;
import io.flashbutterfly.backend.cuda.CudaStockhamButterfly;
import io.flashbutterfly.ops.StockhamButterfly;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Objects;

/**
 * The learned butterfly in the FlashButterfly kernel's own factorisation: the causal convolution
 * y = conv(u, k) + D * u through the on-chip kernel's transform, where the 16 x 16 matrix of
 * every radix-16 level of the forward transform and of the inverse is a trainable parameter
 * ({@link StockhamButterfly} has the math). They start at the DFT (optionally plus noise), where y
 * is the exact causal convolution; {@link #backward} gives the gradients of u, k, D and both
 * directions' matrices, which an optimiser such as {@link io.flashbutterfly.ops.Adam} applies to
 * {@link #forwardLevels()} and {@link #inverseLevels()}. One set serves every channel (groups
 * 1) or each channel has its own (groups = H).
 *
 * <p>On a GPU this runs in the fixed path's own on-chip kernel, with the learned matrices loaded
 * where the kernel computes the DFT's, so a learned forward costs what a fixed one does; it takes
 * bf16 and fp16 sequences (the levels are tensor-core products) and FFT sizes up to the backward's
 * limit, {@link CudaStockhamButterfly#maxFftSize}: 32768 where a block's shared memory holds it, as
 * an H100's does, 16384 on an A100. On the CPU it runs in float64 for any dtype.
 * {@link LearnedButterflyConv} learns a two-level factorisation instead, for fp32 on the GPU too.
 *
 * <pre>{@code
 * StockhamButterflyConv conv = StockhamButterflyConv.create(arena, device, 2048, 1, 0.0, 7);
 * Tensor y = conv.forward(u, k, d);                    // u (B, H, L <= 1024) bf16, k (H, Lk), L + Lk - 1 <= 2048
 * LearnedGradients g = conv.backward(dy, u, k, d);     // du, dk, dd, then the forward and inverse levels' gradients
 * adam.step(conv.forwardLevels(), g.dFactors().get(0));
 * adam.step(conv.inverseLevels(), g.dFactors().get(1));
 * }</pre>
 */
public final class StockhamButterflyConv implements LearnedConvolution {
    private static final int LEVEL_VALUES = 16 * 16 * 2;

    private final int fftSize;
    private final int levels;
    private final int groups;
    private final Tensor forwardLevels;
    private final Tensor inverseLevels;
    private final List<Tensor> parameters;

    private StockhamButterflyConv(int fftSize, int levels, int groups, Tensor forwardLevels, Tensor inverseLevels) {
        this.fftSize = fftSize;
        this.levels = levels;
        this.groups = groups;
        this.forwardLevels = forwardLevels;
        this.inverseLevels = inverseLevels;
        this.parameters = List.of(forwardLevels, inverseLevels);
    }

    /**
     * The DFT's matrices for FFT size N (a power of two from 4; on a GPU up to {@link
     * CudaStockhamButterfly#maxFftSize}) plus
     * N(0, noise) on every real and imaginary part (each group its own draw from seed), groups
     * sets of them, on device, owned by owner.
     */
    public static StockhamButterflyConv create(Arena owner, Device device, int fftSize, int groups, double noise,
                                               long seed) {
        Objects.requireNonNull(owner, "owner must not be null");
        Objects.requireNonNull(device, "device must not be null");
        if (fftSize < 4 || Integer.bitCount(fftSize) != 1) {
            throw new IllegalArgumentException("the FFT size must be a power of two >= 4, got " + fftSize);
        }
        int deviceMax = device.isCuda() ? CudaStockhamButterfly.maxFftSize(device.index()) : Integer.MAX_VALUE;
        if (fftSize > deviceMax) {
            throw new IllegalArgumentException("on " + device + " the FFT size goes up to " + deviceMax + ", got " + fftSize);
        }
        if (groups < 1) throw new IllegalArgumentException("groups must be >= 1, got " + groups);
        if (!(noise >= 0)) throw new IllegalArgumentException("noise must be >= 0, got " + noise);
        int levels = StockhamButterfly.learnedLevels(fftSize / 2);
        double[] forward = new double[Math.multiplyExact(groups, Math.max(levels, 1) * LEVEL_VALUES)];
        double[] inverse = new double[forward.length];
        for (int g = 0; g < groups; g++) {
            StockhamButterfly b = StockhamButterfly.dft(fftSize).perturbed(noise, seed + g);
            for (int level = 0; level < levels; level++) {
                b.forwardFactors()[level].addInterleavedTo(forward, (g * levels + level) * LEVEL_VALUES);
                b.inverseFactors()[level].addInterleavedTo(inverse, (g * levels + level) * LEVEL_VALUES);
            }
        }
        // (groups, levels, 16, 16, 2); with no learned level (N <= 16) one unused level keeps the tensors non-empty
        Shape shape = Shape.of(groups, Math.max(levels, 1), 16, 16, 2);
        Tensor f = Tensor.of(owner, device, DType.FP32, shape, forward);
        try {
            return new StockhamButterflyConv(fftSize, levels, groups, f, Tensor.of(owner, device, DType.FP32, shape, inverse));
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** The exact DFT's matrices for sequences and kernels up to L, N = {@link #fftSizeFor}(L). */
    public static StockhamButterflyConv forLength(Arena owner, Device device, long length, int groups) {
        return create(owner, device, fftSizeFor(length), groups, 0, 0);
    }

    /** The FFT size for sequences and kernels up to L: the least power of two {@code >= 2L - 1}. */
    public static int fftSizeFor(long length) {
        if (length < 2 || length > 1 << 29) throw new IllegalArgumentException("length must be in [2, 2^29], got " + length);
        return Math.toIntExact(Long.highestOneBit(2 * length - 1) << 1);
    }

    /** The FFT size N: u's length L and the kernel's Lk need {@code L + Lk - 1 <= N}. */
    public int fftSize() { return fftSize; }

    /** The learned matrices per direction (0 for {@code N <= 16}, whose transform has no radix-16 level). */
    public int levels() { return levels; }

    /** The number of matrix sets: 1 (shared by the channels) or H. */
    public int groups() { return groups; }

    /** The forward transform's matrices, fp32 (groups, levels, 16, 16, 2), row-major (re, im) pairs (a parameter). */
    public Tensor forwardLevels() { return forwardLevels; }

    /** The inverse transform's matrices, like {@link #forwardLevels()} (a parameter). */
    public Tensor inverseLevels() { return inverseLevels; }

    /** {@link #forwardLevels()} and {@link #inverseLevels()}. */
    @Override
    public List<Tensor> parameters() { return parameters; }

    @Override
    public Tensor forward(Tensor u, Tensor k, Tensor d) {
        return LearnedCall.forward(this, u, k, d, () -> check(u, k, d));
    }

    @Override
    public void forward(Tensor u, Tensor k, Tensor d, Tensor y, Stream stream) {
        StockhamSizes s = check(u, k, d);
        Checks.requireLike("y", y, u);
        Checks.requireOpen("y", y);
        backend(u.device()).forward(u, k, d, forwardLevels, inverseLevels, s, y, stream);
    }

    /** {@inheritDoc} dFactors: the forward, then the inverse matrices' gradients. */
    @Override
    public LearnedGradients backward(Tensor dy, Tensor u, Tensor k, Tensor d) {
        return LearnedCall.backward(this, dy, u, k, d, () -> check(u, k, d));
    }

    @Override
    public void backward(Tensor dy, Tensor u, Tensor k, Tensor d, LearnedGradients out, Stream stream) {
        StockhamSizes s = check(u, k, d);
        LearnedCall.checkBackward(dy, u, k, d, out, parameters, List.of("forward", "inverse"));
        backend(u.device()).backward(dy, u, k, d, forwardLevels, inverseLevels, s, out.du(), out.dk(), out.dd(),
                out.dFactors().get(0), out.dFactors().get(1), stream);
    }

    /** The call's sizes, after checking u, k and d against each other and the matrices. */
    private StockhamSizes check(Tensor u, Tensor k, Tensor d) {
        Checks.requireOpen("forward levels", forwardLevels);
        Checks.requireOpen("inverse levels", inverseLevels);
        LearnedCall call = LearnedCall.check(u, k, d, forwardLevels.device(), fftSize, groups);
        if (u.device().isCuda()) {
            if (!CudaStockhamButterfly.takes(u.dtype())) {
                throw new IllegalArgumentException("on a GPU this form takes bf16 or fp16 sequences (its levels are"
                        + " tensor-core products), got " + u.dtype() + "; LearnedButterflyConv learns fp32 ones");
            }
            Checks.requireFp32("k", k);
            if (d != null) Checks.requireFp32("d", d);
        }
        return new StockhamSizes(call.batch(), call.channels(), call.length(), call.taps(), fftSize, levels, groups);
    }

    private static StockhamButterflyBackend backend(Device device) {
        return device.isCuda() ? CudaStockhamButterfly.INSTANCE : CpuStockhamButterfly.INSTANCE;
    }
}
