package io.flashbutterfly.api;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_direct_kernel_grad;
import static io.flashbutterfly.testing.Accuracy.assertClose;
import static io.flashbutterfly.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.backend.cuda.CudaLongConv;
import io.flashbutterfly.bindings.fbnative.FlashButterflyNative;
import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.NativeLibraries;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Accuracy;
import io.flashbutterfly.testing.GateCase;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Poisoned;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The direct forward (products with each channel's Toeplitz matrix, cuda/src/direct_conv.cu)
 * against the CPU backend in float64, on fresh random inputs, outputs poisoned with NaN before
 * every run: fp16 and bf16, lengths from 1 to its longest (odd ones, ones past a 128-sample tile,
 * lengths that are no multiple of 8 or of 4, and past 1024 ones whose pairs of tiles leave some warps one
 * pair and others two), batches that leave a 16-row tile part empty,
 * kernels shorter than L, kernels of fp32 and of u's dtype, with and without D, with each gate;
 * and the direct backward (du by the transposed direct forward, dk by fb_direct_kernel_grad) up to
 * its longest sequence.
 */
@GpuTest
class DirectConvGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final int[] LENGTHS = {1, 7, 30, 64, 127, 128, 255, 256, 500, 1000, 1022, 1024, 1152, 1162, 1300, 1537,
            1920, 2048};

    /**
     * Every dtype, length and (B, H); by turns a kernel of one tap (every seventh case: D's share
     * of y is then large) or shorter than L (every third), an fp32 kernel (every second), D of fp32
     * or of u's dtype or none, and no gates, pre, post or both.
     */
    static List<Arguments> cases() {
        int[][] batchChannels = {{1, 1}, {17, 3}, {33, 2}, {4, 64}, {16, 2}};
        GateCase[] gateCases = {null, GateCase.PRE, GateCase.POST, GateCase.BOTH};
        List<Arguments> cases = new ArrayList<>();
        int i = 0;
        for (DType dtype : new DType[] {DType.FP16, DType.BF16}) {
            for (int length : LENGTHS) {
                for (int[] bh : batchChannels) {
                    i++;
                    int taps = i % 7 == 0 ? 1 : i % 3 == 0 ? Math.max(1, length / 2 + 1) : length;
                    DType kernelDtype = i % 2 == 0 ? DType.FP32 : dtype;
                    DType skipDtype = i % 4 == 1 ? null : i % 4 == 2 ? dtype : DType.FP32;
                    cases.add(Arguments.of(dtype, kernelDtype, bh[0], bh[1], length, taps, skipDtype,
                            gateCases[(i / 2) % gateCases.length]));
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} k={1} B={2} H={3} L={4} Lk={5} D={6} gates={7}")
    @MethodSource("cases")
    void directForwardMatchesTheFloat64Reference(DType dtype, DType kernelDtype, int batch, int channels, int length,
                                                 int taps, DType skipDtype, GateCase gateCase) {
        String what = dtype + " k=" + kernelDtype + " B=" + batch + " H=" + channels + " L=" + length + " Lk=" + taps
                + " D=" + skipDtype + " gates=" + gateCase;
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(batch, channels, length);
            Tensor u = Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("u " + what));
            Tensor k = Tensor.randn(arena, GPU, kernelDtype, Shape.of(channels, taps), Seeds.fresh("k " + what));
            Tensor d = skipDtype == null ? null
                    : Tensor.randn(arena, GPU, skipDtype, Shape.of(channels), Seeds.fresh("d " + what));
            Tensor pre = gateCase != null && gateCase.pre() ? Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("pre " + what)) : null;
            Tensor post = gateCase != null && gateCase.post() ? Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("post " + what)) : null;
            KernelSpectrum spectrum = LongConv.causal().spectrum(k, length);
            Tensor y = Poisoned.tensor(arena, GPU, dtype, shape);
            CudaLongConv.DIRECT.forward(u, spectrum.data(), spectrum.taps(), spectrum.geometry(), d, pre, post, y,
                    Stream.DEFAULT);
            Tensor want = LongConv.causal().forward(copy(arena, u), copy(arena, k), copy(arena, d),
                    new Gates(copy(arena, pre), copy(arena, post)));
            assertClose(y.toDoubleArray(), want.toDoubleArray(), Accuracy.compositionTolerance(dtype), what);
        }
    }

    /** The cases of the direct forward that the direct backward takes (L up to its longest), ungated. */
    static List<Arguments> backwardCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Arguments forward : cases()) {
            Object[] a = forward.get();
            if ((int) a[4] <= CudaLongConv.DIRECT_KERNEL_GRAD_MAX_LENGTH) {
                cases.add(Arguments.of(a[0], a[1], a[2], a[3], a[4], a[5], a[6]));
            }
        }
        return cases;
    }

    /**
     * The direct backward's du, dk and dD against the float64 reference, outputs poisoned; the
     * default takes that path for these shapes too.
     */
    @ParameterizedTest(name = "{0} k={1} B={2} H={3} L={4} Lk={5} D={6}")
    @MethodSource("backwardCases")
    void directBackwardMatchesTheFloat64Reference(DType dtype, DType kernelDtype, int batch, int channels, int length,
                                                  int taps, DType skipDtype) {
        String what = dtype + " k=" + kernelDtype + " B=" + batch + " H=" + channels + " L=" + length + " Lk=" + taps
                + " D=" + skipDtype;
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(batch, channels, length);
            Tensor u = Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("u " + what));
            Tensor dy = Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("dy " + what));
            Tensor k = Tensor.randn(arena, GPU, kernelDtype, Shape.of(channels, taps), Seeds.fresh("k " + what));
            Tensor d = skipDtype == null ? null
                    : Tensor.randn(arena, GPU, skipDtype, Shape.of(channels), Seeds.fresh("d " + what));
            KernelSpectrum spectrum = LongConv.causal().spectrum(k, length);
            assertNotNull(spectrum.taps(), "the direct backward reads the kept taps");
            assertEquals(CudaLongConv.BackwardDu.DIRECT,
                    CudaLongConv.INSTANCE.backwardDuPath(spectrum.geometry(), dtype, 0), what);
            Tensor du = Poisoned.tensor(arena, GPU, dtype, shape);
            Tensor dk = Poisoned.tensor(arena, GPU, kernelDtype, k.shape());
            Tensor dd = d == null ? null : Poisoned.tensor(arena, GPU, d.dtype(), d.shape());
            CudaLongConv.DIRECT.backward(dy, u, spectrum.data(), spectrum.taps(), spectrum.geometry(), d, du, dk, dd,
                    Stream.DEFAULT);
            Gradients want = LongConv.causal().backward(copy(arena, dy), copy(arena, u), copy(arena, k), copy(arena, d));
            assertClose(du.toDoubleArray(), want.du().toDoubleArray(), Accuracy.tolerance(dtype), "du " + what);
            assertClose(dk.toDoubleArray(), want.dk().toDoubleArray(), Accuracy.tolerance(kernelDtype), "dk " + what);
            if (d != null) {
                assertClose(dd.toDoubleArray(), want.dd().toDoubleArray(), Accuracy.tolerance(d.dtype()), "dD " + what);
            }
        }
    }

    /** The direct backward's dk is the same, bit for bit, from one run to the next (no atomics in its sums). */
    @Test
    void directKernelGradientIsTheSameEveryRun() {
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(48, 6, 1000);
            Tensor u = Tensor.randn(arena, GPU, DType.BF16, shape, Seeds.fresh("u same"));
            Tensor dy = Tensor.randn(arena, GPU, DType.BF16, shape, Seeds.fresh("dy same"));
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(6, 1000), Seeds.fresh("k same"));
            KernelSpectrum spectrum = LongConv.causal().spectrum(k, 1000);
            double[] first = null;
            for (int run = 0; run < 3; run++) {
                Tensor du = Poisoned.tensor(arena, GPU, DType.BF16, shape);
                Tensor dk = Poisoned.tensor(arena, GPU, DType.FP32, k.shape());
                CudaLongConv.DIRECT.backward(dy, u, spectrum.data(), spectrum.taps(), spectrum.geometry(), null, du, dk,
                        null, Stream.DEFAULT);
                double[] got = dk.toDoubleArray();
                if (first == null) {
                    first = got;
                    Gradients want = LongConv.causal().backward(copy(arena, dy), copy(arena, u), copy(arena, k), null);
                    assertClose(got, want.dk().toDoubleArray(), Accuracy.tolerance(DType.FP32), "dk");
                } else {
                    assertArrayEquals(first, got, "run " + run);
                }
            }
        }
    }

    /** Past the direct backward's longest sequence, and for fp32, the backward goes through transforms. */
    @Test
    void directBackwardStopsAtItsLongestSequence() {
        NativeLibraries.requireFlashButterfly();
        assertEquals(FlashButterflyNative.fb_direct_kernel_grad_max_length(), CudaLongConv.DIRECT_KERNEL_GRAD_MAX_LENGTH);
        try (Arena arena = Arena.ofConfined()) {
            int longest = (int) CudaLongConv.DIRECT_KERNEL_GRAD_MAX_LENGTH;
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(2, longest), 1);
            KernelSpectrum past = LongConv.causal().spectrum(k, longest + 1);
            assertNotEquals(CudaLongConv.BackwardDu.DIRECT, CudaLongConv.INSTANCE.backwardDuPath(past.geometry(), DType.BF16, 0));
            KernelSpectrum within = LongConv.causal().spectrum(k, longest);
            assertEquals(CudaLongConv.BackwardDu.DIRECT, CudaLongConv.INSTANCE.backwardDuPath(within.geometry(), DType.BF16, 0));
            assertNotEquals(CudaLongConv.BackwardDu.DIRECT, CudaLongConv.INSTANCE.backwardDuPath(within.geometry(), DType.FP32, 0));
            assertNotEquals(CudaLongConv.BackwardDu.DIRECT,
                    CudaLongConv.FLASH_BUTTERFLY.backwardDuPath(within.geometry(), DType.BF16, 0));
        }
    }

    /** fb_direct_kernel_grad refuses, launching nothing, what it does not take. */
    @Test
    void kernelGradientRefusesWhatItDoesNotTake() {
        NativeLibraries.requireFlashButterfly();
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.randn(arena, GPU, DType.BF16, Shape.of(2, 3, 64), 1);
            Tensor rows = Tensor.empty(arena, GPU, DType.FP32, Shape.of(3, 64));
            int bf16 = DType.BF16.nativeCode(), fp32 = DType.FP32.nativeCode();
            long longest = CudaLongConv.DIRECT_KERNEL_GRAD_MAX_LENGTH;
            MemorySegment x = u.data(), out = rows.data(), none = MemorySegment.NULL;
            Map<String, Integer> calls = new LinkedHashMap<>();
            calls.put("taps past the length", fb_direct_kernel_grad(x, x, out, 65, bf16, 2, 3, 64, none));
            calls.put("no taps", fb_direct_kernel_grad(x, x, out, 0, bf16, 2, 3, 64, none));
            calls.put("past the longest", fb_direct_kernel_grad(x, x, out, 1, bf16, 1, 1, longest + 1, none));
            calls.put("fp32", fb_direct_kernel_grad(x, x, out, 64, fp32, 2, 3, 64, none));
            calls.put("no u", fb_direct_kernel_grad(none, x, out, 64, bf16, 2, 3, 64, none));
            calls.put("no dy", fb_direct_kernel_grad(x, none, out, 64, bf16, 2, 3, 64, none));
            calls.put("no rows", fb_direct_kernel_grad(x, x, none, 64, bf16, 2, 3, 64, none));
            for (var call : calls.entrySet()) {
                assertEquals("cudaErrorInvalidValue", Cuda.errorName(call.getValue()), call.getKey());
            }
        }
    }

    /** KernelSpectrum.update(k) recomputes the taps with the spectrum. */
    @Test
    void updateRecomputesTheTaps() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.randn(arena, GPU, DType.BF16, Shape.of(3, 4, 200), 1);
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(4, 200), 2);
            Tensor other = Tensor.randn(arena, GPU, DType.FP32, Shape.of(4, 200), 3);
            KernelSpectrum spectrum = LongConv.causal().spectrum(k, 200);
            spectrum.update(other);
            Tensor y = Poisoned.tensor(arena, GPU, DType.BF16, u.shape());
            CudaLongConv.DIRECT.forward(u, spectrum.data(), spectrum.taps(), spectrum.geometry(), null, null, null, y,
                    Stream.DEFAULT);
            Tensor want = LongConv.causal().forward(copy(arena, u), copy(arena, other), null);
            assertClose(y.toDoubleArray(), want.toDoubleArray(), Accuracy.tolerance(DType.BF16), "after update");
        }
    }

    /** The Java bound is the native library's. */
    @Test
    void longestSequenceIsTheNativeLibrarys() {
        NativeLibraries.requireFlashButterfly();
        assertEquals(FlashButterflyNative.fb_direct_max_length(), CudaLongConv.DIRECT_MAX_LENGTH);
    }

    /** The regularised spectrum of a training step (LongConvKernel) keeps that step's taps for the direct forward. */
    @Test
    void regularisedSpectrumKeepsTheStepsTaps() {
        int batch = 5, channels = 8, length = 300;
        try (Arena arena = Arena.ofConfined()) {
            LongConvKernel kernel = LongConvKernel.create(arena, GPU, channels, length,
                    LongConvKernel.Init.DOUBLE_EXPONENTIAL, 7).regularization(KernelRegularization.DEFAULT);
            KernelSpectrum spectrum = kernel.spectrum(LongConv.causal(), length, true, 3, arena);
            Tensor u = Tensor.randn(arena, GPU, DType.BF16, Shape.of(batch, channels, length), Seeds.fresh("u reg"));
            for (long step : new long[] {3, 4}) { // the spectrum made for step 3, then updated for step 4
                if (step == 4) kernel.updateSpectrum(spectrum, true, step);
                Tensor y = Poisoned.tensor(arena, GPU, DType.BF16, u.shape());
                CudaLongConv.DIRECT.forward(u, spectrum.data(), spectrum.taps(), spectrum.geometry(), null, null, null,
                        y, Stream.DEFAULT);
                Tensor k = kernel.forward(arena, true, step); // the same step's regularised kernel
                Tensor want = LongConv.causal().forward(copy(arena, u), copy(arena, k), null);
                assertClose(y.toDoubleArray(), want.toDoubleArray(), Accuracy.tolerance(DType.BF16), "step " + step);
            }
        }
    }

    /**
     * The default keeps taps beside the spectrum where the direct forward takes the geometry
     * (no wrap-around, no anti-causal taps, L up to its longest), and none for other modes, longer
     * sequences or the algorithms that never run it. Its choice among the forwards is made per
     * length: two lengths of one FFT size (the direct forward's work follows L) are timed apart,
     * where for fp32 (which it does not take) they share one choice.
     */
    @Test
    void tapsAreKeptWhereTheDirectForwardMayRun() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(4, 64), 1);
            Tensor longK = Tensor.randn(arena, GPU, DType.FP32, Shape.of(4, 2049), 2);
            KernelSpectrum kept = LongConv.causal().spectrum(k, 2048);
            assertNotNull(kept.taps());
            assertEquals(Shape.of(4, kept.fftSize()), kept.taps().shape());
            assertNull(LongConv.causal().spectrum(longK, 2049).taps());
            assertNull(LongConv.circular().spectrum(k, 64).taps());
            assertNull(LongConv.bidirectional().spectrum(k, 64).taps());
            assertNull(LongConv.causal().algorithm(Algorithm.FLASH_BUTTERFLY).spectrum(k, 64).taps());
            assertNull(LongConv.causal().algorithm(Algorithm.CUFFT).spectrum(k, 64).taps());

            LongConv conv = LongConv.causal();
            KernelSpectrum shorter = conv.spectrum(Tensor.randn(arena, GPU, DType.FP32, Shape.of(4, 1500), 4), 1500);
            assertEquals(kept.fftSize(), shorter.fftSize()); // 4096 for both
            Tensor u = Tensor.randn(arena, GPU, DType.BF16, Shape.of(32, 4, 2048), 3);
            Tensor uShorter = Tensor.randn(arena, GPU, DType.BF16, Shape.of(32, 4, 1500), 5);
            assertNull(conv.chosenForward(kept, u));
            Tensor y = conv.forward(u, kept, null);
            Tensor want = conv.forward(copy(arena, u), copy(arena, k), null);
            assertClose(y.toDoubleArray(), want.toDoubleArray(), Accuracy.tolerance(DType.BF16), "default");
            assertTrue(Set.of("direct", "on-chip", "fused", "unfused").contains(conv.chosenForward(kept, u)),
                    "chosen: " + conv.chosenForward(kept, u));
            assertNull(conv.chosenForward(shorter, uShorter), "a length of the same FFT size is chosen apart");
            Tensor u32 = Tensor.randn(arena, GPU, DType.FP32, Shape.of(32, 4, 2048), 6);
            conv.forward(u32, kept, null);
            KernelSpectrum shorter32 = conv.spectrum(Tensor.randn(arena, GPU, DType.FP32, Shape.of(4, 1500), 7), 1500);
            assertEquals(conv.chosenForward(kept, u32),
                    conv.chosenForward(shorter32, Tensor.randn(arena, GPU, DType.FP32, Shape.of(32, 4, 1500), 8)),
                    "fp32, which the direct forward does not take: one choice for the FFT size");
        }
    }

    @Test
    void directForwardRefusesWhatItDoesNotTake() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(2, 64), 1);
            KernelSpectrum spectrum = LongConv.causal().spectrum(k, 64);
            Tensor fp32 = Tensor.randn(arena, GPU, DType.FP32, Shape.of(3, 2, 64), 2);
            Tensor y = Tensor.empty(arena, GPU, DType.FP32, fp32.shape());
            assertRejected(IllegalArgumentException.class,
                    "fp16 or bf16 sequences of at most " + CudaLongConv.DIRECT_MAX_LENGTH + " samples",
                    () -> CudaLongConv.DIRECT.forward(fp32, spectrum.data(), spectrum.taps(), spectrum.geometry(),
                            null, null, null, y, Stream.DEFAULT));
            KernelSpectrum circular = LongConv.circular().spectrum(k, 64);
            Tensor bf16 = Tensor.randn(arena, GPU, DType.BF16, Shape.of(3, 2, 64), 3);
            Tensor yb = Tensor.empty(arena, GPU, DType.BF16, bf16.shape());
            assertRejected(IllegalArgumentException.class, "no taps",
                    () -> CudaLongConv.DIRECT.forward(bf16, circular.data(), circular.taps(), circular.geometry(),
                            null, null, null, yb, Stream.DEFAULT));
        }
    }

    private static Tensor copy(Arena arena, Tensor t) {
        return t == null ? null : Accuracy.float64Copy(arena, t);
    }
}
