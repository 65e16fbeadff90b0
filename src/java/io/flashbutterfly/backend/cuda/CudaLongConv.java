package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.*;

import io.flashbutterfly.backend.ConvBackend;
import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.CufftException;
import io.flashbutterfly.runtime.NativeLibraryException;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The FFT long convolution on the GPU. The forward has five implementations, and
 * {@link #INSTANCE} runs the fastest of those that apply to a shape ({@link ForwardChoice}):
 * <ul>
 *   <li>direct (cuda/src/direct_conv.cu): no transform, products with each channel's Toeplitz
 *       matrix on tensor cores, u read once and y written once, for fp16/bf16 causal sequences
 *       of up to {@link #DIRECT_MAX_LENGTH} samples ({@link #directFits}), from the taps the
 *       spectrum keeps ({@link #emptyTaps}): its work grows as L^2, in tensor-core products
 *       with little index arithmetic, where the on-chip kernel is bound by instruction issue; the
 *       timing on a shape's first call decides between them;</li>
 *   <li>on chip (cuda/src/onchip_kernels.cuh): one kernel, u read once and y written once, for
 *       power-of-two FFT sizes up to the device's limit for the dtype ({@link #onChipFits}: on an
 *       H100 65536 for fp16/bf16, 32768 for fp32; two rows as one complex sequence up to 16384,
 *       one row as half as many complex values past it, for a batch of one, and for fp16/bf16
 *       where that transform is faster: N = 64, 512 and 16384);</li>
 *   <li>Monarch (cuda/src/monarch_conv.cu): each row as N/2 complex values, an outer pass (of
 *       two levels past 16 inner rows), on-chip inner steps on pairs of inner rows of a quarter of the
 *       on-chip limit (for fp16/bf16 an eighth, 8192 values, where that makes at most 8 rows), outer
 *       passes back, for power-of-two FFT sizes past the on-chip limit up to
 *       512 inner rows ({@link #monarchFits}; above
 *       {@link #ON_CHIP_MAX_FFT_SIZE} the FFT size is the smallest 7-smooth one, a power of two
 *       only for some (L, Lk), e.g. Lk = L with L a power of two);</li>
 *   <li>fused ({@link FusedForward}): two cuFFT transforms with LTO callbacks, nothing else
 *       (power-of-two sizes under 2^31 values);</li>
 *   <li>unfused: our kernels around plain cuFFT transforms, per call:</li>
 * </ul>
 * <ol>
 *   <li>cast + zero-pad u into an fp32 buffer of (B*H) rows of N;</li>
 *   <li>cuFFT R2C into a buffer of (B*H) spectra;</li>
 *   <li>multiply by the kernel's spectrum (precomputed, already scaled by 1/N);</li>
 *   <li>cuFFT C2R back into the first buffer;</li>
 *   <li>truncate to L, add D*u, cast to u's dtype, into y.</li>
 * </ol>
 * The transforms run out of place: on an H100, cuFFT's in-place R2C and C2R of 8M points took 1.2
 * and 1.8 times as long. The unfused forward's scratch is B*H*N floats plus B*H spectra, Monarch's
 * N/2 complex values per row (bf16 pairs for fp16/bf16 u), from the stream-ordered pool; nothing
 * synchronises, except the first call for a shape, which times the candidates.
 * Gates (pre, post): the direct, on-chip and Monarch forwards apply them as they load u and store y; the
 * cuFFT forwards transform pre * u from scratch of u's size ({@link GatedInput}) and gate y in
 * place after, one elementwise pass each.
 * The backward, for short causal fp16/bf16 sequences, runs the direct kernels: du as the direct
 * forward transposed, dk as tensor-core products of dy and u ({@link #directBackwardFits}). Else it
 * takes dk on chip or through cuFFT (a sum over the batch of spectrum products) and du = the
 * transposed convolution of dy + D*dy on the FlashButterfly path (the spectrum's conjugate:
 * {@link #backwardDuPath}), else through cuFFT with dk's transforms.
 */
public final class CudaLongConv implements ConvBackend {
    private static final Logger LOG = LogManager.getLogger(CudaLongConv.class);

    private enum Forward { FASTEST, FASTEST_CUFFT, FLASH_BUTTERFLY, ON_CHIP, MONARCH, DIRECT, FUSED, UNFUSED }

    /** Largest FFT size of the on-chip kernel (fb_onchip_conv) on any device, a power of two (fp16/bf16). */
    public static final long ON_CHIP_MAX_FFT_SIZE = 65536;

    /** The longest sequence the direct forward takes (fb_direct_max_length). */
    public static final long DIRECT_MAX_LENGTH = 2048;

    /** The longest sequence the direct backward's kernel gradient takes (fb_direct_kernel_grad_max_length). */
    public static final long DIRECT_KERNEL_GRAD_MAX_LENGTH = 1024;

    /** The default: the fastest forward per shape (plans live in {@link CufftPlanCache}). */
    public static final CudaLongConv INSTANCE = new CudaLongConv(Forward.FASTEST);
    /** The faster of the two cuFFT forwards per shape, never the on-chip kernel. */
    public static final CudaLongConv CUFFT_ONLY = new CudaLongConv(Forward.FASTEST_CUFFT);
    /**
     * The FlashButterfly forward: on chip where {@link #onChipFits} holds, else Monarch where
     * {@link #monarchFits} does; FFT sizes are powers of two.
     */
    public static final CudaLongConv FLASH_BUTTERFLY = new CudaLongConv(Forward.FLASH_BUTTERFLY);
    /** Always the on-chip kernel (where {@link #onChipFits} holds). */
    public static final CudaLongConv ON_CHIP = new CudaLongConv(Forward.ON_CHIP);
    /** Always the Monarch forward (where {@link #monarchFits} holds). */
    public static final CudaLongConv MONARCH = new CudaLongConv(Forward.MONARCH);
    /** Always the direct forward (where {@link #directFits} and {@link #directTakes} hold). */
    public static final CudaLongConv DIRECT = new CudaLongConv(Forward.DIRECT);
    /** The fused forward for power-of-two FFT sizes under 2^31 values where cuFFT links callbacks, else the separate kernels. */
    public static final CudaLongConv FUSED = new CudaLongConv(Forward.FUSED);
    /** Always kernels around plain transforms (for tests and benchmarks). */
    public static final CudaLongConv UNFUSED = new CudaLongConv(Forward.UNFUSED);

    private final Forward forward;
    private final ForwardChoice choice = new ForwardChoice();
    private volatile String fusedUnavailable;

    private CudaLongConv(Forward forward) {
        this.forward = forward;
    }

    @Override
    public String toString() {
        return "CudaLongConv[" + forward + "]";
    }

    /** Why this instance's fused forward falls back to separate kernels (null while it does not). */
    public String fusedForwardUnavailable() {
        return fusedUnavailable;
    }

    /**
     * A power of two up to {@link #ON_CHIP_MAX_FFT_SIZE} (the on-chip kernel's largest size for
     * fp16/bf16; for fp32 the largest is half that, and Monarch takes the size above), else the
     * smallest 2^a 3^b 5^c 7^d >= minimum: sizes cuFFT runs at full speed. Always a power of two
     * for {@link #FLASH_BUTTERFLY}.
     */
    @Override
    public long fastFftSize(long minimum) {
        long best = ConvGeometry.powerOfTwoAtLeast(minimum);
        if (best <= ON_CHIP_MAX_FFT_SIZE || forward == Forward.FLASH_BUTTERFLY) return best;
        for (long p7 = 1; p7 < best; p7 *= 7) {
            for (long p5 = p7; p5 < best; p5 *= 5) {
                for (long p3 = p5; p3 < best; p3 *= 3) {
                    long size = p3;
                    while (size < minimum) size *= 2;
                    best = Math.min(best, size);
                }
            }
        }
        return best;
    }

    @Override
    public Tensor emptySpectrum(Arena owner, Device device, long channels, ConvGeometry g) {
        return Tensor.empty(owner, device, DType.FP32, Shape.of(channels, g.bins(), 2));
    }

    /**
     * The kernel's FFT input rows (H, N) fp32, scaled by 1/N, which the direct forward and backward
     * read: kept by the instances that may run them, for geometries they take ({@link #directFits}).
     */
    @Override
    public Tensor emptyTaps(Arena owner, Device device, long channels, ConvGeometry g) {
        return mayRunDirect() && directFits(g) ? Tensor.empty(owner, device, DType.FP32, Shape.of(channels, g.fftSize()))
                : null;
    }

    /** Whether this instance may run the direct kernels: the default and DIRECT. */
    private boolean mayRunDirect() {
        return forward == Forward.FASTEST || forward == Forward.DIRECT;
    }

    @Override
    public void updateSpectrum(Tensor spectrum, Tensor taps, Tensor k, ConvGeometry g, Stream stream) {
        int device = NativeKernels.prepare(k);
        long channels = k.shape().dim(0);
        withKernelRows(device, channels, g, taps, stream, rows -> {
            Cuda.check(fb_kernel_to_fft_rows(k.data(), k.dtype().nativeCode(), channels, g.causalTaps(),
                    g.anticausalTaps(), rows, g.fftSize(), g.fftSize(), 1f / g.fftSize(),
                    stream.handle()), "fb_kernel_to_fft_rows");
            fft(device, CufftPlan.Type.R2C, g, channels, rows, spectrum.data(), stream);
        });
    }

    @Override
    public void updateSpectrum(Tensor spectrum, Tensor taps, Tensor weights, KernelRegularization regularization,
                               long seed, ConvGeometry g, Stream stream) {
        int device = weights.device().index();
        long channels = weights.shape().dim(0);
        withKernelRows(device, channels, g, taps, stream, rows -> {
            CudaKernelRegularizer.toFftRows(weights, regularization, seed, rows, g.causalTaps(),
                    g.anticausalTaps(), g.fftSize(), 1f / g.fftSize(), stream);
            fft(device, CufftPlan.Type.R2C, g, channels, rows, spectrum.data(), stream);
        });
    }

    /** Runs fill on the kernel's FFT input rows: in taps where the spectrum keeps them, else in scratch. */
    private static void withKernelRows(int device, long channels, ConvGeometry g, Tensor taps, Stream stream,
                                       Consumer<MemorySegment> fill) {
        if (taps != null) {
            fill.accept(taps.data());
            return;
        }
        try (Scratch real = realRows(device, channels, g, stream)) {
            fill.accept(real.segment());
        }
    }

    @Override
    public void forward(Tensor u, Tensor spectrum, Tensor taps, ConvGeometry g, Tensor d, Tensor pre, Tensor post,
                        Tensor y, Stream stream) {
        int device = NativeKernels.prepare(u);
        long rows = u.numel() / g.length();
        boolean fusedFits = FusedForward.fits(rows, g);
        boolean gated = pre != null || post != null;
        if (forward == Forward.FLASH_BUTTERFLY) requireFlashButterflyFits(g, u.dtype(), device); // before allocating
        try (CallOperand skip = SkipTerm.of(device, d, stream)) {
            Runnable onChip = () -> onChipForward(device, u, pre, post, spectrum, g, skip, y, false, stream);
            Runnable monarch = () -> monarchForward(device, u, pre, post, spectrum, g, skip, y, false, stream);
            Runnable direct = () -> directForward(u, pre, post, taps, g, skip, y, false, stream);
            // The cuFFT forwards on their input, u or pre * u (gated around them by cufftGated).
            Consumer<MemorySegment> unfusedOn = input -> unfusedForward(device, u, input, spectrum, g, skip, y, stream);
            Consumer<MemorySegment> fusedOn = input -> {
                if (fusedUnavailable == null && fusedFits) {
                    try {
                        FusedForward.run(device, u, input, spectrum, g, skip, y, stream);
                        return;
                    } catch (CufftException | NativeLibraryException | LinkageError e) {
                        fusedUnavailable = e.toString();
                        LOG.warn("cuFFT cannot link the fused forward's callbacks; using separate kernels: {}", e.toString());
                    }
                }
                unfusedOn.accept(input);
            };
            Runnable unfused = () -> cufftGated(device, u, pre, post, y, unfusedOn, stream);
            Runnable fused = () -> cufftGated(device, u, pre, post, y, fusedOn, stream);
            // The FlashButterfly path that takes this size, if one does.
            boolean onChipTakesIt = onChipFits(g, u.dtype(), device);
            Runnable flashButterfly = onChipTakesIt ? onChip : monarchFits(g, u.dtype(), device) ? monarch : null;
            switch (forward) {
                case ON_CHIP -> onChip.run();
                case MONARCH -> monarch.run();
                case DIRECT -> direct.run();
                case FUSED -> fused.run();
                case FLASH_BUTTERFLY -> flashButterfly.run(); // requireFlashButterflyFits held
                case UNFUSED -> unfused.run();
                case FASTEST -> {
                    List<ForwardChoice.Candidate> first = new ArrayList<>(2);
                    if (directTakes(u, taps)) first.add(new ForwardChoice.Candidate("direct", direct));
                    if (flashButterfly != null) {
                        first.add(new ForwardChoice.Candidate(onChipTakesIt ? "on-chip" : "monarch", flashButterfly));
                    }
                    choice.run(device, g, directMayTake(g, u.dtype()), rows, u.dtype(), gated,
                            withCufft(first, fused, unfused, fusedFits), stream);
                }
                case FASTEST_CUFFT -> choice.run(device, g, false, rows, u.dtype(), gated,
                        withCufft(List.of(), fused, unfused, fusedFits), stream);
            }
        }
    }

    /**
     * Runs a cuFFT forward (which takes no gates) on pre * u (u itself without pre), then gates its
     * output y by post in place.
     */
    private static void cufftGated(int device, Tensor u, Tensor pre, Tensor post, Tensor y,
                                   Consumer<MemorySegment> forwardOn, Stream stream) {
        try (CallOperand input = GatedInput.of(device, u, pre, stream)) {
            forwardOn.accept(input.pointer());
        }
        if (post != null) NativeKernels.multiply(y.data(), post.data(), y.data(), y.dtype(), y.numel(), stream);
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out, Stream stream) {
        NativeKernels.prepare(a);
        NativeKernels.multiply(a.data(), b.data(), out.data(), a.dtype(), a.numel(), stream);
    }

    /** The given candidates, then the cuFFT forwards that apply. */
    private static List<ForwardChoice.Candidate> withCufft(List<ForwardChoice.Candidate> first, Runnable fused,
                                                           Runnable unfused, boolean fusedFits) {
        List<ForwardChoice.Candidate> all = new ArrayList<>(first);
        if (fusedFits) all.add(new ForwardChoice.Candidate("fused", fused));
        all.add(new ForwardChoice.Candidate("unfused", unfused));
        return all;
    }

    /**
     * Which forward the default (or {@link #CUFFT_ONLY}) chose for this geometry, rows and dtype
     * on device, gated or not (chosen apart): "direct", "on-chip", "monarch", "fused" or "unfused"; null
     * before the first call of that shape, and for the instances that force a path.
     */
    public String chosenForward(ConvGeometry g, long rows, DType dtype, boolean gated, int device) {
        return choice.chosen(device, g, forward == Forward.FASTEST && directMayTake(g, dtype), rows, dtype, gated);
    }

    /**
     * Whether the direct forward takes this geometry and dtype: then FASTEST's choice for the shape
     * may include it, and follows L, not N (the direct forward's work follows L).
     */
    private static boolean directMayTake(ConvGeometry g, DType dtype) {
        return directFits(g) && directProducts(dtype);
    }

    /** The dtypes the direct forward takes: fp16 and bf16, its products' operands on tensor cores. */
    private static boolean directProducts(DType dtype) {
        return dtype == DType.FP16 || dtype == DType.BF16;
    }

    /**
     * True when the on-chip kernel takes this FFT size for dtype on the device: a power of two from
     * 2 up to what one block's shared memory holds there.
     */
    public static boolean onChipFits(ConvGeometry g, DType dtype, int device) {
        long n = g.fftSize();
        return n >= 2 && n <= OnChipLimit.maxFftSize(device, dtype) && Long.bitCount(n) == 1;
    }

    /**
     * y = post * (conv(v, k) + D*v), v = pre * u, on chip (null gates: none); transpose: conv^T (the
     * spectrum's conjugate), for du from dy.
     */
    private static void onChipForward(int device, Tensor u, Tensor pre, Tensor post, Tensor spectrum, ConvGeometry g,
                                      CallOperand skip, Tensor y, boolean transpose, Stream stream) {
        if (!onChipFits(g, u.dtype(), device)) {
            throw new IllegalArgumentException("the on-chip kernel needs a power-of-two FFT size from 2 to "
                    + OnChipLimit.maxFftSize(device, u.dtype()) + " for " + u.dtype() + " on cuda:" + device
                    + ", got " + g.fftSize());
        }
        Cuda.check(fb_onchip_conv(u.data(), spectrum.data(), skip.pointer(), pointer(pre), pointer(post),
                y.data(), u.dtype().nativeCode(), u.shape().dim(0), u.shape().dim(1), g.length(), g.fftSize(),
                transpose ? 1 : 0, stream.handle()), "fb_onchip_conv");
    }

    private static void requireFlashButterflyFits(ConvGeometry g, DType dtype, int device) {
        if (!onChipFits(g, dtype, device) && !monarchFits(g, dtype, device)) {
            throw new IllegalArgumentException("FLASH_BUTTERFLY needs a power-of-two FFT size from 2 to "
                    + OnChipLimit.monarchMaxFftSize(device, dtype, false) + " for " + dtype + " on cuda:" + device
                    + ", got " + g.fftSize() + " (AUTO and CUFFT take any size)");
        }
    }

    /** True when the fused forward takes rows of this geometry (else it runs the separate kernels). */
    public static boolean fusedFits(long rows, ConvGeometry g) {
        return FusedForward.fits(rows, g);
    }

    /**
     * True when the Monarch forward takes this FFT size for dtype on the device: a power of two
     * past the on-chip limit there, up to 512 inner rows of a quarter of that limit (the native
     * library's fb_monarch_max_fft_size): on an H100 16M for fp16/bf16, 8M for fp32.
     */
    public static boolean monarchFits(ConvGeometry g, DType dtype, int device) {
        long n = g.fftSize();
        return n > OnChipLimit.maxFftSize(device, dtype) && n <= OnChipLimit.monarchMaxFftSize(device, dtype, false)
                && Long.bitCount(n) == 1;
    }

    /**
     * True where the direct forward takes this geometry: a causal convolution (no wrap-around, no
     * anti-causal taps) of at most {@link #DIRECT_MAX_LENGTH} samples; {@link #directTakes} says for which u.
     */
    public static boolean directFits(ConvGeometry g) {
        return g.anticausalTaps() == 0 && g.length() <= DIRECT_MAX_LENGTH
                && g.fftSize() >= g.length() + g.causalTaps() - 1;
    }

    /**
     * True where the direct forward takes u with these taps (kept beside a spectrum whose geometry
     * {@link #directFits}): fp16 or bf16 (its products run on tensor cores), fewer than 2^31 rows.
     */
    public static boolean directTakes(Tensor u, Tensor taps) {
        return taps != null && directProducts(u.dtype()) && u.numel() / u.shape().dim(2) <= Integer.MAX_VALUE;
    }

    /**
     * y = post * (conv(v, k) + D*v), v = pre * u, as products with the kernel's Toeplitz matrix
     * (cuda/src/direct_conv.cu), k from the taps kept beside the spectrum.
     */
    private static void directForward(Tensor u, Tensor pre, Tensor post, Tensor taps, ConvGeometry g, CallOperand skip,
                                      Tensor y, boolean transpose, Stream stream) {
        if (!directTakes(u, taps) || !directFits(g)) {
            throw new IllegalArgumentException("the direct forward needs fp16 or bf16 sequences of at most "
                    + DIRECT_MAX_LENGTH + " samples in causal mode (under 2^31 rows), with the taps of a spectrum made"
                    + " for it; got " + u.dtype() + " " + u.shape() + ", N=" + g.fftSize()
                    + (taps == null ? ", no taps" : ""));
        }
        Shape rows = Shape.of(u.shape().dim(1), g.fftSize());
        if (!taps.shape().equals(rows) || taps.dtype() != DType.FP32 || !taps.device().equals(u.device())) {
            throw new IllegalArgumentException("taps must be " + rows + " fp32 on " + u.device() + ", got "
                    + taps.shape() + " " + taps.dtype() + " " + taps.device());
        }
        Cuda.check(fb_direct_conv(u.data(), taps.data(), g.fftSize(), g.causalTaps(), g.fftSize(), skip.pointer(),
                pointer(pre), pointer(post), y.data(), u.dtype().nativeCode(), u.shape().dim(0), u.shape().dim(1),
                g.length(), transpose ? 1 : 0, stream.handle()), "fb_direct_conv");
    }

    /** As {@link #onChipForward}, through Monarch. */
    private static void monarchForward(int device, Tensor u, Tensor pre, Tensor post, Tensor spectrum, ConvGeometry g,
                                       CallOperand skip, Tensor y, boolean transpose, Stream stream) {
        if (!monarchFits(g, u.dtype(), device)) {
            throw new IllegalArgumentException("the Monarch forward needs a power-of-two FFT size above "
                    + OnChipLimit.maxFftSize(device, u.dtype()) + " up to "
                    + OnChipLimit.monarchMaxFftSize(device, u.dtype(), false) + " for " + u.dtype() + " on cuda:" + device
                    + ", got " + g.fftSize());
        }
        long batch = u.shape().dim(0);
        long channels = u.shape().dim(1);
        long bytes = fb_monarch_conv_workspace_bytes(u.dtype().nativeCode(), batch, channels, g.fftSize());
        try (Scratch workspace = Scratch.allocate(device, bytes, stream)) {
            Cuda.check(fb_monarch_conv(u.data(), spectrum.data(), skip.pointer(), pointer(pre), pointer(post),
                    y.data(), u.dtype().nativeCode(), batch, channels, g.length(), g.fftSize(), transpose ? 1 : 0,
                    workspace.segment(), stream.handle()), "fb_monarch_conv");
        }
    }

    /** The ungated forward of input (laid out like u, of its dtype: u's data, or pre * u). */
    private static void unfusedForward(int device, Tensor u, MemorySegment input, Tensor spectrum, ConvGeometry g,
                                       CallOperand skip, Tensor y, Stream stream) {
        long channels = u.shape().dim(1);
        long rows = u.shape().dim(0) * channels;
        try (Scratch real = realRows(device, rows, g, stream);
             Scratch spectra = spectra(device, rows, g, stream)) {
            toFftRows(input, u.dtype(), rows, g, real, stream);
            fft(device, CufftPlan.Type.R2C, g, rows, real, spectra, stream);
            Cuda.check(fb_spectrum_multiply(spectra.segment(), spectrum.data(), rows, channels, g.bins(), 0,
                    stream.handle()), "fb_spectrum_multiply");
            fft(device, CufftPlan.Type.C2R, g, rows, spectra, real, stream);
            epilogue(real, g, u, input, skip, y, stream);
        }
    }

    /** A gate's device address, NULL for none. */
    private static MemorySegment pointer(Tensor gate) {
        return gate == null ? MemorySegment.NULL : gate.data();
    }

    @Override
    public void backward(Tensor dy, Tensor u, Tensor spectrum, Tensor taps, ConvGeometry g, Tensor d,
                         Tensor du, Tensor dk, Tensor dd, Stream stream) {
        int device = NativeKernels.prepare(u);
        // the shape's path, through transforms where these taps or rows do not suit the direct kernels
        BackwardDu duPath = directTakes(u, taps) ? backwardDuPath(g, u.dtype(), device)
                : transformedDuPath(g, u.dtype(), device);
        try (CallOperand skip = SkipTerm.of(device, d, stream)) {
            if (duPath == BackwardDu.DIRECT) {
                directKernelGradient(device, dy, u, g, dk, dd, stream);
                directForward(dy, null, null, taps, g, skip, du, true, stream);
                return;
            }
            if (duPath == BackwardDu.ON_CHIP && kernelGradientOnChip(g, u.dtype(), device)) {
                kernelGradientOnChip(device, dy, u, g, dk, stream);
                onChipForward(device, dy, null, null, spectrum, g, skip, du, true, stream);
            } else {
                backwardThroughSpectra(device, dy, u, spectrum, g, skip, duPath, du, dk, stream);
            }
            if (dd != null) skipGradient(device, dy, u, null, null, dd, stream);
        }
    }

    /**
     * True where this instance, when its backward goes through transforms (not the direct kernels:
     * {@link #backwardDuPath}), takes dk on chip (fb_onchip_kernel_grad: u and dy read once, no
     * spectra in device memory): with du on chip, FFT sizes up to that kernel's limit.
     */
    public boolean kernelGradientOnChip(ConvGeometry g, DType dtype, int device) {
        return forward != Forward.MONARCH && transformedDuPath(g, dtype, device) == BackwardDu.ON_CHIP
                && g.fftSize() <= OnChipLimit.kernelGradMaxFftSize(device);
    }

    /**
     * dk by fb_direct_kernel_grad: u and dy read once, the taps' sums in fp32 rows (an fp32 dk's own
     * memory, (H, taps) on this causal path, else scratch cast to dk); dD (when dd is not null) is tap 0's sum, sum over b and t of
     * dy * u, so it costs no pass of its own.
     */
    private static void directKernelGradient(int device, Tensor dy, Tensor u, ConvGeometry g, Tensor dk, Tensor dd,
                                             Stream stream) {
        long channels = u.shape().dim(1);
        long taps = g.causalTaps();
        boolean intoDk = dk.dtype() == DType.FP32;
        try (Scratch scratch = intoDk ? null : Scratch.allocate(device, channels * taps * 4, stream)) {
            MemorySegment rows = intoDk ? dk.data() : scratch.segment();
            Cuda.check(fb_direct_kernel_grad(u.data(), dy.data(), rows, taps, u.dtype().nativeCode(),
                    u.shape().dim(0), channels, g.length(), stream.handle()), "fb_direct_kernel_grad");
            if (!intoDk) {
                Cuda.check(fb_fft_rows_to_kernel(rows, taps, taps, channels, taps, 0, dk.data(),
                        dk.dtype().nativeCode(), 1f, stream.handle()), "fb_fft_rows_to_kernel");
            }
            if (dd != null) {
                Cuda.check(fb_fft_rows_to_kernel(rows, 1, taps, channels, 1, 0, dd.data(),
                        dd.dtype().nativeCode(), 1f, stream.handle()), "fb_fft_rows_to_kernel");
            }
        }
    }

    private static void kernelGradientOnChip(int device, Tensor dy, Tensor u, ConvGeometry g, Tensor dk,
                                             Stream stream) {
        long channels = u.shape().dim(1);
        try (Scratch rows = Scratch.allocate(device, channels * g.fftSize() * 4, stream)) {
            Cuda.check(fb_onchip_kernel_grad(u.data(), dy.data(), rows.segment(), u.dtype().nativeCode(),
                    u.shape().dim(0), channels, g.length(), g.fftSize(), stream.handle()), "fb_onchip_kernel_grad");
            kernelFromRows(rows.segment(), g, channels, dk, stream);
        }
    }

    /**
     * dk from dy's and u's cuFFT spectra; du by duPath (CUFFT: from dy's spectrum, else after every
     * spectrum buffer is back in the pool, so Monarch's workspace does not add to them).
     */
    private static void backwardThroughSpectra(int device, Tensor dy, Tensor u, Tensor spectrum, ConvGeometry g,
                                               CallOperand skip, BackwardDu duPath, Tensor du, Tensor dk,
                                               Stream stream) {
        long batch = u.shape().dim(0);
        long channels = u.shape().dim(1);
        long rows = batch * channels;
        // One real buffer serves every transform in turn: dy, u, dk's rows (channels <= rows), du.
        try (Scratch real = realRows(device, rows, g, stream);
             Scratch gradSpectra = spectra(device, rows, g, stream)) {
            toFftRows(dy.data(), dy.dtype(), rows, g, real, stream);
            fft(device, CufftPlan.Type.R2C, g, rows, real, gradSpectra, stream);
            try (Scratch inputSpectra = spectra(device, rows, g, stream);
                 Scratch kernelSpectra = spectra(device, channels, g, stream)) {
                toFftRows(u.data(), u.dtype(), rows, g, real, stream);
                fft(device, CufftPlan.Type.R2C, g, rows, real, inputSpectra, stream);
                // dk = taps of irfft(sum over batch of DY * conj(U)) / N
                Cuda.check(fb_spectrum_correlate(gradSpectra.segment(), inputSpectra.segment(),
                        kernelSpectra.segment(), batch, channels, g.bins(), 1f / g.fftSize(), stream.handle()),
                        "fb_spectrum_correlate");
                fft(device, CufftPlan.Type.C2R, g, channels, kernelSpectra, real, stream);
                kernelFromRows(real.segment(), g, channels, dk, stream);
            }
            if (duPath == BackwardDu.CUFFT) { // du = irfft(DY * conj(K)) + D * dy
                Cuda.check(fb_spectrum_multiply(gradSpectra.segment(), spectrum.data(), rows, channels, g.bins(),
                        1, stream.handle()), "fb_spectrum_multiply");
                fft(device, CufftPlan.Type.C2R, g, rows, gradSpectra, real, stream);
                epilogue(real, g, dy, dy.data(), skip, du, stream);
            }
        }
        if (duPath == BackwardDu.ON_CHIP) onChipForward(device, dy, null, null, spectrum, g, skip, du, true, stream);
        if (duPath == BackwardDu.MONARCH) monarchForward(device, dy, null, null, spectrum, g, skip, du, true, stream);
    }

    /** dk's taps (cast to its dtype) from rows of N correlation values per channel. */
    private static void kernelFromRows(MemorySegment rows, ConvGeometry g, long channels, Tensor dk, Stream stream) {
        Cuda.check(fb_fft_rows_to_kernel(rows, g.fftSize(), g.fftSize(), channels, g.causalTaps(),
                g.anticausalTaps(), dk.data(), dk.dtype().nativeCode(), 1f, stream.handle()), "fb_fft_rows_to_kernel");
    }

    /** How the backward computes du = conv^T(dy) + D*dy. */
    public enum BackwardDu {
        /**
         * The direct forward, transposed, with dk from fb_direct_kernel_grad (products on tensor
         * cores): no transform at all.
         */
        DIRECT,
        /** The on-chip kernel, transposed: dy read once, du written once. */
        ON_CHIP,
        /** The Monarch forward, transposed. */
        MONARCH,
        /** A product with dy's spectrum (which dk needs anyway) and one inverse cuFFT transform. */
        CUFFT
    }

    /**
     * The backward's du path for this size: the direct kernels where this instance may run the
     * direct forward and they take the shape ({@link #directBackwardFits}; dk then comes from them
     * too), else {@link #transformedDuPath}.
     */
    public BackwardDu backwardDuPath(ConvGeometry g, DType dtype, int device) {
        return mayRunDirect() && directBackwardFits(g, dtype) ? BackwardDu.DIRECT : transformedDuPath(g, dtype, device);
    }

    /**
     * True where the direct backward takes this geometry: fp16 or bf16, causal, up to {@link
     * #DIRECT_KERNEL_GRAD_MAX_LENGTH} samples, no more taps than samples (dk's kernel sums one
     * diagonal a tap).
     */
    public static boolean directBackwardFits(ConvGeometry g, DType dtype) {
        return directMayTake(g, dtype) && g.length() <= DIRECT_KERNEL_GRAD_MAX_LENGTH && g.causalTaps() <= g.length();
    }

    /**
     * The du path through transforms: the FlashButterfly kernel that takes it where this instance
     * may run that kernel, else cuFFT. The default takes Monarch only with one outer level: past
     * that, cuFFT's du (a product with dy's spectrum, which dk needs anyway, and one inverse
     * transform) beat a whole Monarch convolution (H100, whole backward: bf16 B=4 H=768 L=64K 18.9 ms
     * with Monarch's du vs 20.3 ms; B=1 H=256 L=1M 31.0 vs 30.3 ms, fp32 33.2 vs 30.6).
     */
    private BackwardDu transformedDuPath(ConvGeometry g, DType dtype, int device) {
        boolean onChip = forward != Forward.MONARCH && onChipFits(g, dtype, device);
        boolean monarch = forward != Forward.ON_CHIP && monarchFits(g, dtype, device);
        return switch (forward) {
            case FLASH_BUTTERFLY, ON_CHIP, MONARCH -> onChip ? BackwardDu.ON_CHIP
                    : monarch ? BackwardDu.MONARCH : BackwardDu.CUFFT;
            case FASTEST, DIRECT -> onChip ? BackwardDu.ON_CHIP
                    : monarch && g.fftSize() <= OnChipLimit.monarchMaxFftSize(device, dtype, true)
                    ? BackwardDu.MONARCH : BackwardDu.CUFFT;
            case FASTEST_CUFFT, FUSED, UNFUSED -> BackwardDu.CUFFT;
        };
    }

    /** Rows of N fp32 values: what the R2C reads and the C2R writes. */
    private static Scratch realRows(int device, long rows, ConvGeometry g, Stream stream) {
        return Scratch.allocate(device, rows * g.fftSize() * 4, stream);
    }

    /** Rows of N/2+1 complex fp32 values: what the R2C writes and the C2R reads. */
    private static Scratch spectra(int device, long rows, ConvGeometry g, Stream stream) {
        return Scratch.allocate(device, rows * g.bins() * 8, stream);
    }

    /** rows of L values of dtype at x, cast to fp32 and zero-padded to N. */
    private static void toFftRows(MemorySegment x, DType dtype, long rows, ConvGeometry g, Scratch real,
                                  Stream stream) {
        NativeKernels.castPad(x, dtype, g.length(), real.segment(), DType.FP32, g.fftSize(), rows, 1f, stream);
    }

    private static void fft(int device, CufftPlan.Type type, ConvGeometry g, long batch, Scratch in, Scratch out,
                            Stream stream) {
        fft(device, type, g, batch, in.segment(), out.segment(), stream);
    }

    /** Out of place, real rows packed (N apart). */
    private static void fft(int device, CufftPlan.Type type, ConvGeometry g, long batch, MemorySegment in,
                            MemorySegment out, Stream stream) {
        CufftPlanCache.shared().execute(device, type, g.fftSize(), batch, in, out,
                type == CufftPlan.Type.R2C, stream);
    }

    /** out = the convolution's rows truncated to L + D * (the input at data, laid out like x), cast. */
    private static void epilogue(Scratch conv, ConvGeometry g, Tensor x, MemorySegment data, CallOperand skip, Tensor out,
                                 Stream stream) {
        long channels = x.shape().dim(1);
        Cuda.check(fb_conv_epilogue(conv.segment(), g.fftSize(), data,
                skip.pointer(), out.data(), x.dtype().nativeCode(),
                x.numel() / g.length(), channels, g.length(), stream.handle()), "fb_conv_epilogue");
    }

    @Override
    public void skipGradient(Tensor dy, Tensor u, Tensor pre, Tensor post, Tensor dd, Stream stream) {
        skipGradient(NativeKernels.prepare(u), dy, u, pre, post, dd, stream);
    }

    private static void skipGradient(int device, Tensor dy, Tensor u, Tensor pre, Tensor post, Tensor dd,
                                     Stream stream) {
        long channels = u.shape().dim(1);
        try (Scratch sums = Scratch.allocate(device, channels * 4, stream)) {
            Cuda.check(fb_skip_grad(dy.data(), u.data(), pre == null ? MemorySegment.NULL : pre.data(),
                    post == null ? MemorySegment.NULL : post.data(), u.dtype().nativeCode(), u.shape().dim(0),
                    channels, u.shape().dim(2), sums.segment(), stream.handle()), "fb_skip_grad");
            NativeKernels.castPad(sums.segment(), DType.FP32, channels, dd.data(), dd.dtype(), channels, 1, 1f, stream);
        }
    }
}
