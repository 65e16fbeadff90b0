package io.flashbutterfly.api;

import io.flashbutterfly.backend.ConvBackend;
import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.backend.GatedBackward;
import io.flashbutterfly.backend.cpu.CpuLongConv;
import io.flashbutterfly.backend.cuda.CudaLongConv;
import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The long convolution y = conv(u, k) + D * u over u of shape (B, H, L), on the device the
 * tensors live on (a GPU through cuFFT and our kernels, or the CPU). Immutable and thread-safe.
 *
 * <pre>{@code
 * LongConv conv = LongConv.causal();
 * try (Arena arena = Arena.ofConfined()) {
 *     Device gpu = Device.cuda(0);
 *     Tensor u = Tensor.randn(arena, gpu, DType.BF16, Shape.of(16, 768, 4096), 1);
 *     Tensor k = Tensor.randn(arena, gpu, DType.FP32, Shape.of(768, 4096), 2);
 *     Tensor d = Tensor.randn(arena, gpu, DType.FP32, Shape.of(768), 3);
 *     KernelSpectrum kf = conv.spectrum(k, 4096);     // once; update(k) after k changes
 *     Tensor y = conv.forward(u, kf, d);              // (16, 768, 4096) bf16 on cuda:0
 *     Tensor dy = Tensor.randn(arena, gpu, DType.BF16, u.shape(), 4);
 *     Gradients g = conv.backward(dy, u, kf, d);      // du, dk, dD
 * }
 * }</pre>
 *
 * <p>Every forward and backward also comes with optional {@link Gates}, y = post * (conv(v, k) +
 * D * v) with v = pre * u; its gradients then include dpre and dpost.
 *
 * <p>Inputs may be fp32, fp16 or bf16 (fp64 too on the CPU); arithmetic is fp32 on a GPU and
 * fp64 on the CPU; y has u's dtype. The kernel and D may have any of those dtypes. Arguments are
 * checked up front, and exceptions name the argument at fault.
 *
 * <p>NaN and infinity propagate as IEEE arithmetic makes them: through the FFT a NaN or infinity
 * in one sequence (or in a channel's kernel) makes every output of that sequence (or channel)
 * NaN, and leaves the other sequences alone.
 */
public final class LongConv {
    private final Mode mode;
    private final Algorithm algorithm;

    private LongConv(Mode mode, Algorithm algorithm) {
        this.mode = Objects.requireNonNull(mode, "mode must not be null");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm must not be null");
    }

    /** A convolution in the given mode, algorithm AUTO. */
    public static LongConv of(Mode mode) { return new LongConv(mode, Algorithm.AUTO); }

    /** {@link Mode#CAUSAL}. */
    public static LongConv causal() { return of(Mode.CAUSAL); }

    /** {@link Mode#CIRCULAR}. */
    public static LongConv circular() { return of(Mode.CIRCULAR); }

    /** {@link Mode#BIDIRECTIONAL}. */
    public static LongConv bidirectional() { return of(Mode.BIDIRECTIONAL); }

    /** The same convolution computed by algorithm. */
    public LongConv algorithm(Algorithm algorithm) { return new LongConv(mode, algorithm); }

    /** This convolution's mode. */
    public Mode mode() { return mode; }

    /** This convolution's algorithm. */
    public Algorithm algorithm() { return algorithm; }

    /** The spectrum of kernel k (H, Lk) for sequences of length L, owned by k's arena. */
    public KernelSpectrum spectrum(Tensor k, long length) {
        return spectrum(k, length, k.owner(), Stream.DEFAULT);
    }

    /** {@link #spectrum(Tensor, long)} owned by owner, computed on stream. */
    public KernelSpectrum spectrum(Tensor k, long length, Arena owner, Stream stream) {
        Objects.requireNonNull(k, "k must not be null");
        if (k.shape().rank() != 2) throw new IllegalArgumentException("k must be (H, Lk), got " + k.shape());
        if (length < 1) throw new IllegalArgumentException("length must be >= 1, got " + length);
        ConvBackend backend = backend(k.device());
        ConvGeometry geometry = geometry(backend, length, k.shape().dim(1));
        return made(backend, geometry, k, owner, (data, taps) -> backend.updateSpectrum(data, taps, k, geometry, stream));
    }

    /**
     * Which forward implementation runs for u's shape with spectrum on a GPU under {@code AUTO}
     * or {@code CUFFT}: "direct", "on-chip", "monarch", "fused" or "unfused", as timed on the shape's first
     * call; null before that call, on the CPU, and for {@code FLASH_BUTTERFLY}, which chooses
     * nothing. Ungated calls; see the overload for gated ones, which are chosen apart.
     */
    public String chosenForward(KernelSpectrum spectrum, Tensor u) {
        return chosenForward(spectrum, u, Gates.NONE);
    }

    /** As {@link #chosenForward(KernelSpectrum, Tensor)}, for calls with these gates. */
    public String chosenForward(KernelSpectrum spectrum, Tensor u, Gates gates) {
        Objects.requireNonNull(spectrum, "spectrum must not be null");
        Objects.requireNonNull(u, "u must not be null");
        Objects.requireNonNull(gates, "gates must not be null (Gates.NONE for none)");
        if (!(spectrum.backend() instanceof CudaLongConv gpu)) return null;
        return gpu.chosenForward(spectrum.geometry(), u.numel() / spectrum.length(), u.dtype(), !gates.isEmpty(),
                u.device().index());
    }

    /**
     * The spectrum of kernel's regularised weights for one step, for sequences of length L, owned
     * by owner, computed on stream: on a GPU the regularisers run fused into the spectrum's
     * computation (see {@link LongConvKernel#spectrum}).
     */
    KernelSpectrum spectrum(LongConvKernel kernel, long length, KernelRegularization regularization, long seed,
                            Arena owner, Stream stream) {
        Tensor w = kernel.weights();
        if (length < 1) throw new IllegalArgumentException("length must be >= 1, got " + length);
        ConvBackend backend = backend(w.device());
        ConvGeometry geometry = geometry(backend, length, w.shape().dim(1));
        return made(backend, geometry, w, owner,
                (data, taps) -> backend.updateSpectrum(data, taps, w, regularization, seed, geometry, stream));
    }

    /** A spectrum of kernel k (or its weights) for geometry, computed by compute(spectrum, taps); nothing left open on failure. */
    private KernelSpectrum made(ConvBackend backend, ConvGeometry geometry, Tensor k, Arena owner,
                                BiConsumer<Tensor, Tensor> compute) {
        long channels = k.shape().dim(0);
        Tensor data = backend.emptySpectrum(owner, k.device(), channels, geometry);
        Tensor taps = null;
        try {
            taps = backend.emptyTaps(owner, k.device(), channels, geometry);
            compute.accept(data, taps);
        } catch (RuntimeException | OutOfMemoryError e) { // host memory runs out as an Error
            data.close();
            if (taps != null) taps.close();
            throw e;
        }
        return new KernelSpectrum(mode, geometry, backend, k, data, taps);
    }

    /**
     * y = conv(u, k) + d * u (d may be null); computes k's spectrum for this call only, and on a
     * GPU waits for the device when it frees it: keep a {@link KernelSpectrum} to reuse instead.
     */
    public Tensor forward(Tensor u, Tensor k, Tensor d) {
        return forward(u, k, d, Gates.NONE);
    }

    /** The gated forward y = post * (conv(v, k) + d * v), v = pre * u; k's spectrum as above. */
    public Tensor forward(Tensor u, Tensor k, Tensor d, Gates gates) {
        try (Arena scratch = Arena.ofConfined()) {
            return forward(u, spectrum(kernelFor(u, k), length(u), scratch, Stream.DEFAULT), d, gates);
        }
    }

    /** y = conv(u, k) + d * u (d may be null), as a new tensor owned by u's arena. */
    public Tensor forward(Tensor u, KernelSpectrum k, Tensor d) {
        return forward(u, k, d, Gates.NONE);
    }

    /** The gated forward (see {@link Gates}) as a new tensor owned by u's arena. */
    public Tensor forward(Tensor u, KernelSpectrum k, Tensor d, Gates gates) {
        checkCall(u, k, d, gates); // before anything is allocated
        return Outputs.written(u, u.shape(), u.dtype(), y -> forward(u, k, d, gates, y, Stream.DEFAULT));
    }

    /** Writes conv(u, k) + d * u into y (like u), ordered on stream; nothing synchronises. */
    public void forward(Tensor u, KernelSpectrum k, Tensor d, Tensor y, Stream stream) {
        forward(u, k, d, Gates.NONE, y, stream);
    }

    /** Writes the gated forward (see {@link Gates}) into y (like u), ordered on stream. */
    public void forward(Tensor u, KernelSpectrum k, Tensor d, Gates gates, Tensor y, Stream stream) {
        checkCall(u, k, d, gates);
        Checks.requireLike("y", y, u);
        k.backend().forward(u, k.data(), k.taps(), k.geometry(), d, gates.pre(), gates.post(), y, stream);
    }

    /** Gradients for output gradient dy; k's spectrum is computed for this call only (see above). */
    public Gradients backward(Tensor dy, Tensor u, Tensor k, Tensor d) {
        return backward(dy, u, k, d, Gates.NONE);
    }

    /** Gradients of the gated forward; k's spectrum is computed for this call only (see above). */
    public Gradients backward(Tensor dy, Tensor u, Tensor k, Tensor d, Gates gates) {
        try (Arena scratch = Arena.ofConfined()) {
            return backward(dy, u, spectrum(kernelFor(u, k), length(u), scratch, Stream.DEFAULT), d, gates);
        }
    }

    /** Gradients du, dk, dD (null without d) for output gradient dy, owned by u's arena. */
    public Gradients backward(Tensor dy, Tensor u, KernelSpectrum k, Tensor d) {
        return backward(dy, u, k, d, Gates.NONE);
    }

    /**
     * Gradients of the gated forward for output gradient dy, owned by u's arena: du, dk, dD (null
     * without d), dpre and dpost (each null without its gate).
     */
    public Gradients backward(Tensor dy, Tensor u, KernelSpectrum k, Tensor d, Gates gates) {
        checkCall(u, k, d, gates); // before anything is allocated
        Checks.requireLike("dy", dy, u);
        List<Tensor> made = new ArrayList<>(5);
        try {
            Gradients gradients = new Gradients(
                    Outputs.empty(made, u, u.shape(), u.dtype()),
                    Outputs.empty(made, u, k.kernelShape(), k.kernelDtype()),
                    d == null ? null : Outputs.empty(made, u, d.shape(), d.dtype()),
                    gates.pre() == null ? null : Outputs.empty(made, u, u.shape(), u.dtype()),
                    gates.post() == null ? null : Outputs.empty(made, u, u.shape(), u.dtype()));
            backward(dy, u, k, d, gates, gradients, Stream.DEFAULT);
            return gradients;
        } catch (RuntimeException e) {
            made.forEach(Tensor::close);
            throw e;
        }
    }

    /** Writes the gradients into out (shaped like u, the kernel and d), ordered on stream. */
    public void backward(Tensor dy, Tensor u, KernelSpectrum k, Tensor d, Gradients out, Stream stream) {
        backward(dy, u, k, d, Gates.NONE, out, stream);
    }

    /**
     * Writes the gated forward's gradients into out (shaped like u, the kernel, d and the gates:
     * out.dpre and out.dpost given exactly when their gates are), ordered on stream.
     */
    public void backward(Tensor dy, Tensor u, KernelSpectrum k, Tensor d, Gates gates, Gradients out, Stream stream) {
        checkCall(u, k, d, gates);
        Checks.requireLike("dy", dy, u);
        Objects.requireNonNull(out, "out must not be null");
        Checks.requireLike("out.du", out.du(), u);
        Checks.requireMatches("out.dk", out.dk(), k.kernelShape(), k.kernelDtype(), u.device());
        Outputs.requireGivenWith("out.dd", out.dd(), "d", d);
        Outputs.requireGivenWith("out.dpre", out.dpre(), "gates.pre", gates.pre());
        Outputs.requireGivenWith("out.dpost", out.dpost(), "gates.post", gates.post());
        GatedBackward.run(k.backend(), dy, u, k.data(), k.taps(), k.geometry(), d, gates.pre(), gates.post(), out.du(),
                out.dk(), out.dd(), out.dpre(), out.dpost(), stream);
    }

    private ConvBackend backend(Device device) {
        if (!device.isCuda()) return CpuLongConv.INSTANCE;
        return switch (algorithm) {
            case AUTO -> CudaLongConv.INSTANCE;
            case FLASH_BUTTERFLY -> CudaLongConv.FLASH_BUTTERFLY;
            case CUFFT -> CudaLongConv.CUFFT_ONLY;
        };
    }

    private ConvGeometry geometry(ConvBackend backend, long length, long kernelLength) {
        return switch (mode) {
            case CAUSAL -> {
                requireKernelLength(kernelLength <= length, kernelLength, "Lk <= L = " + length);
                yield new ConvGeometry(length, kernelLength, 0, backend.fastFftSize(length + kernelLength - 1));
            }
            case CIRCULAR -> {
                requireKernelLength(kernelLength <= length, kernelLength, "Lk <= L = " + length);
                yield new ConvGeometry(length, kernelLength, 0, length);
            }
            case BIDIRECTIONAL -> {
                long half = kernelLength / 2;
                requireKernelLength(kernelLength % 2 == 0 && half <= length, kernelLength,
                        "an even Lk = 2M with M <= L = " + length);
                yield new ConvGeometry(length, half, half, backend.fastFftSize(length + half));
            }
        };
    }

    private void requireKernelLength(boolean ok, long kernelLength, String expected) {
        if (!ok) {
            throw new IllegalArgumentException("k's length " + kernelLength + " does not fit " + mode + " mode: needs "
                    + expected);
        }
    }

    /** k, after checking it has u's channels. */
    private static Tensor kernelFor(Tensor u, Tensor k) {
        Objects.requireNonNull(u, "u must not be null");
        Objects.requireNonNull(k, "k must not be null");
        length(u); // u's rank first
        long channels = u.shape().dim(1);
        if (k.shape().rank() != 2 || k.shape().dim(0) != channels) {
            throw new IllegalArgumentException("k must be (H=" + channels + ", Lk), got " + k.shape());
        }
        return k;
    }

    private static long length(Tensor u) {
        if (u.shape().rank() != 3) throw new IllegalArgumentException("u must be (B, H, L), got " + u.shape());
        return u.shape().dim(2);
    }

    private static void checkCall(Tensor u, KernelSpectrum k, Tensor d, Gates gates) {
        Objects.requireNonNull(u, "u must not be null");
        Objects.requireNonNull(k, "k must not be null");
        long length = length(u);
        long channels = u.shape().dim(1);
        if (k.length() != length || k.channels() != channels) {
            throw new IllegalArgumentException("k's spectrum is for H=" + k.channels() + ", L=" + k.length()
                    + "; u is " + u.shape());
        }
        if (!k.data().device().equals(u.device())) {
            throw new IllegalArgumentException("k is on " + k.data().device() + " but u is on " + u.device());
        }
        if (d != null) {
            if (d.shape().rank() != 1 || d.shape().dim(0) != channels) {
                throw new IllegalArgumentException("d must be (H=" + channels + "), got " + d.shape());
            }
            if (!d.device().equals(u.device())) {
                throw new IllegalArgumentException("d is on " + d.device() + " but u is on " + u.device());
            }
        }
        Objects.requireNonNull(gates, "gates must not be null (Gates.NONE for none)");
        checkGate("gates.pre", gates.pre(), u);
        checkGate("gates.post", gates.post(), u);
    }

    /** A gate, when given, is open and shaped like u, of its dtype, on its device. */
    private static void checkGate(String name, Tensor gate, Tensor u) {
        if (gate == null) return;
        Checks.requireLike(name, gate, u);
        Checks.requireOpen(name, gate);
    }
}
