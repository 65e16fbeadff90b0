package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.backend.cuda.CudaLongConv;
import io.flashbutterfly.backend.cuda.NativeKernels;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Accuracy;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Poisoned;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cuFFT path against the CPU backend in float64, on fresh random inputs, outputs poisoned
 * with NaN before every run: every mode and dtype, lengths from 1 to 65536 (odd ones and
 * 7-smooth ones included), B in {1, 4}, H in {1, 3, 256}, kernels shorter than L too.
 */
@GpuTest
class LongConvGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final int[] LENGTHS = {1, 7, 8, 255, 256, 372, 784, 1000, 1024, 1134, 4096, 8192, 16384, 65536};
    /** Above this many elements per case the float64 reference would dominate the suite's time. */
    private static final long MAX_ELEMENTS = 1L << 21;

    static List<Arguments> forwardCases() {
        int[][] batchChannels = {{1, 1}, {1, 3}, {1, 256}, {4, 1}, {4, 3}, {4, 256}};
        return caseGrid(new DType[] {DType.FP32, DType.FP16, DType.BF16}, LENGTHS, batchChannels,
                length -> Math.max(1, length / 2 - 1));
    }

    /**
     * Every mode, dtype, length and (B, H) within MAX_ELEMENTS; by turns a kernel shorter than L
     * (every third case, half of it from shorterHalf), an fp32 kernel (every second) and no D
     * (two cases in four: one with each kernel dtype).
     */
    private static List<Arguments> caseGrid(DType[] dtypes, int[] lengths, int[][] batchChannels,
                                            IntUnaryOperator shorterHalf) {
        List<Arguments> cases = new ArrayList<>();
        int i = 0;
        for (Mode mode : Mode.values()) {
            for (DType dtype : dtypes) {
                for (int length : lengths) {
                    for (int[] bh : batchChannels) {
                        if ((long) bh[0] * bh[1] * length > MAX_ELEMENTS) continue;
                        i++;
                        int half = i % 3 == 0 ? shorterHalf.applyAsInt(length) : length;
                        int taps = mode == Mode.BIDIRECTIONAL ? 2 * half : half;
                        DType kernelDtype = i % 2 == 0 ? DType.FP32 : dtype;
                        cases.add(Arguments.of(mode, dtype, kernelDtype, bh[0], bh[1], length, taps, i % 4 >= 2));
                    }
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1} k={2} B={3} H={4} L={5} Lk={6} D={7}")
    @MethodSource("forwardCases")
    void forwardMatchesTheFloat64Reference(Mode mode, DType dtype, DType kernelDtype, int batch, int channels,
                                           int length, int taps, boolean skip) {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.draw(arena, mode, dtype, kernelDtype, batch, channels, length, taps, skip);
            LongConv conv = LongConv.of(mode);
            Tensor y = Poisoned.tensor(arena, GPU, dtype, in.u.shape());
            conv.forward(in.u, conv.spectrum(in.k, length), in.d, y, Stream.DEFAULT);
            Tensor want = conv.forward(in.reference(in.u), in.reference(in.k), in.d == null ? null : in.reference(in.d));
            assertClose(y.toDoubleArray(), want.toDoubleArray(), Accuracy.tolerance(dtype), in.describe());
        }
    }

    static List<Arguments> backwardCases() {
        return caseGrid(new DType[] {DType.FP32, DType.BF16, DType.FP16}, new int[] {1, 7, 256, 1000, 4096},
                new int[][] {{1, 1}, {4, 3}, {2, 256}}, length -> Math.max(1, length / 3));
    }

    @ParameterizedTest(name = "{0} {1} k={2} B={3} H={4} L={5} Lk={6} D={7}")
    @MethodSource("backwardCases")
    void backwardMatchesTheFloat64Reference(Mode mode, DType dtype, DType kernelDtype, int batch, int channels,
                                            int length, int taps, boolean skip) {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.draw(arena, mode, dtype, kernelDtype, batch, channels, length, taps, skip);
            Tensor dy = Tensor.randn(arena, GPU, dtype, in.u.shape(), Seeds.fresh("dy" + in.describe()));
            LongConv conv = LongConv.of(mode);
            Gradients got = new Gradients(Poisoned.tensor(arena, GPU, dtype, in.u.shape()),
                    Poisoned.tensor(arena, GPU, kernelDtype, in.k.shape()),
                    skip ? Poisoned.tensor(arena, GPU, in.d.dtype(), in.d.shape()) : null);
            conv.backward(dy, in.u, conv.spectrum(in.k, length), in.d, got, Stream.DEFAULT);
            Gradients want = conv.backward(in.reference(dy), in.reference(in.u), in.reference(in.k),
                    skip ? in.reference(in.d) : null);
            assertClose(got.du().toDoubleArray(), want.du().toDoubleArray(), Accuracy.tolerance(dtype), "du " + in.describe());
            assertClose(got.dk().toDoubleArray(), want.dk().toDoubleArray(), Accuracy.tolerance(kernelDtype), "dk " + in.describe());
            if (skip) {
                assertClose(got.dd().toDoubleArray(), want.dd().toDoubleArray(), Accuracy.tolerance(DType.FP32), "dD " + in.describe());
            }
        }
    }

    @Test
    void spectrumIsReusedAcrossBatchesAndStreamsAndFollowsUpdates() {
        try (Arena arena = Arena.ofConfined(); Stream stream = Stream.create(0)) {
            LongConv conv = LongConv.causal();
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(8, 512), Seeds.fresh("reuse k"));
            KernelSpectrum spectrum = conv.spectrum(k, 512);
            for (int batch : new int[] {1, 3, 16}) {
                Tensor u = Tensor.randn(arena, GPU, DType.BF16, Shape.of(batch, 8, 512), Seeds.fresh("reuse" + batch));
                Tensor y = Tensor.empty(arena, GPU, DType.BF16, u.shape());
                NativeKernels.fill(y, Float.NaN, stream);
                conv.forward(u, spectrum, null, y, stream);
                stream.synchronize();
                Tensor want = LongConv.causal().forward(Accuracy.float64Copy(arena, u), Accuracy.float64Copy(arena, k), null);
                assertClose(y.toDoubleArray(), want.toDoubleArray(), 2e-2, "batch " + batch);
            }
            Tensor k2 = Tensor.randn(arena, GPU, DType.FP32, Shape.of(8, 512), Seeds.fresh("reuse k2"));
            spectrum.update(k2);
            Tensor u = Tensor.randn(arena, GPU, DType.FP32, Shape.of(2, 8, 512), Seeds.fresh("reuse after"));
            Tensor want = LongConv.causal().forward(Accuracy.float64Copy(arena, u), Accuracy.float64Copy(arena, k2), null);
            assertClose(conv.forward(u, spectrum, null).toDoubleArray(), want.toDoubleArray(), 1e-5, "after update");
        }
    }

    @Test
    void everyForwardImplementationMatchesTheReference() {
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : new DType[] {DType.FP32, DType.FP16, DType.BF16}) {
                for (int length : new int[] {1, 2, 5, 7, 33, 256, 1000, 1024, 4096, 8192, 12000, 16384, 65536}) {
                    Inputs in = Inputs.draw(arena, Mode.CAUSAL, dtype, DType.FP32, 3, 3, length, length, length > 1);
                    KernelSpectrum spectrum = LongConv.causal().spectrum(in.k, length);
                    ConvGeometry geometry = spectrum.geometry();
                    Map<String, CudaLongConv> paths = new LinkedHashMap<>();
                    if (CudaLongConv.fusedFits(in.u.numel() / length, geometry)) paths.put("fused", CudaLongConv.FUSED);
                    paths.put("unfused", CudaLongConv.UNFUSED);
                    assertEveryPathMatches(arena, in, spectrum, paths);
                    assertNull(CudaLongConv.FUSED.fusedForwardUnavailable(), "cuFFT could not link the fused forward's callbacks");
                }
            }
        }
    }

    static List<Arguments> powerOfTwoCases() {
        List<Arguments> cases = new ArrayList<>();
        for (DType dtype : new DType[] {DType.FP32, DType.FP16, DType.BF16}) {
            for (int length = 16; length <= 1 << 22; length *= 2) {
                if (length <= 1 << 13) {  // N <= 16384: the one-row form, and the two-row one where picked
                    cases.add(Arguments.of(dtype, length, 1));
                    cases.add(Arguments.of(dtype, length, 2));
                } else {  // rows travel alone: one batch size, by turns
                    cases.add(Arguments.of(dtype, length, Integer.numberOfTrailingZeros(length) % 2 == 1 ? 2 : 1));
                }
            }
        }
        // 8M: Monarch's longest for bf16 (N = 16M, a 32-point second outer step), past it for fp32
        cases.add(Arguments.of(DType.BF16, 1 << 23, 1));
        cases.add(Arguments.of(DType.FP32, 1 << 23, 1));
        return cases;
    }

    /**
     * Causal, every power of two from 16 to 4M, and 8M (one channel at the long end), through the
     * default and through the FlashButterfly path that takes the FFT size on this device: the
     * on-chip kernel, or Monarch with one or two outer steps. On chip both batches of one and two:
     * two rows of a channel travel as one complex sequence where the kernel picks that form (up to
     * N = 16384; for fp16/bf16 not at N = 64, 512 and 16384) and a single row alone as half as
     * many complex values; past it two rows for odd powers, one for even ones (in Monarch every
     * row travels alone).
     */
    @ParameterizedTest(name = "{0} L={1} B={2}")
    @MethodSource("powerOfTwoCases")
    void everyPowerOfTwoLengthMatchesTheReference(DType dtype, int length, int batch) {
        int channels = length <= 1 << 16 ? 3 : 1;
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.draw(arena, Mode.CAUSAL, dtype, DType.FP32, batch, channels, length, length, true);
            Map<String, CudaLongConv> paths = new LinkedHashMap<>();
            paths.put("default", CudaLongConv.INSTANCE);
            KernelSpectrum spectrum = LongConv.causal().spectrum(in.k, length);
            ConvGeometry geometry = spectrum.geometry();
            if (CudaLongConv.onChipFits(geometry, dtype, 0) || CudaLongConv.monarchFits(geometry, dtype, 0)) {
                paths.put("flash butterfly", CudaLongConv.FLASH_BUTTERFLY);
            } else { // fp32 at 8M: an FFT size past Monarch's on this device
                Tensor y = Tensor.empty(arena, GPU, dtype, in.u.shape());
                var e = assertThrows(IllegalArgumentException.class,
                        () -> CudaLongConv.FLASH_BUTTERFLY.forward(in.u, spectrum.data(), geometry, in.d, y, Stream.DEFAULT));
                assertTrue(e.getMessage().contains("power-of-two FFT size"), e.getMessage());
            }
            assertEveryPathMatches(arena, in, spectrum, paths);
        }
    }

    /**
     * Monarch at odd lengths and outer sizes of one level that an H100 takes (FFT size L + Lk - 1
     * exactly, a power of two: bf16 and fp16 at 8 inner rows of 8192 values and 8 and 16 of
     * 16384, fp32 at 8 of 8192; rows whose data reach into the third or fourth inner row's span,
     * not only the first two's),
     * against the float64 reference through every path that takes the size.
     */
    @ParameterizedTest(name = "{0} B={1} H={2} L={3} Lk={4} D={5}")
    @CsvSource({"BF16,2,3,65537,65536,true", "FP16,1,2,100001,31072,false", "BF16,1,1,131073,131072,true",
        "FP16,1,1,200001,62144,true", "BF16,1,1,300001,224288,false", "FP16,1,1,262145,262144,true",
        "FP32,1,2,65537,65536,true"})
    void monarchTakesOddLengthsAndEveryOuterSize(DType dtype, int batch, int channels, int length, int taps,
                                                 boolean skip) {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.draw(arena, Mode.CAUSAL, dtype, DType.FP32, batch, channels, length, taps, skip);
            KernelSpectrum spectrum = LongConv.causal().spectrum(in.k, length);
            assertEquals(length + taps - 1, spectrum.geometry().fftSize(), in.describe());
            assertTrue(CudaLongConv.monarchFits(spectrum.geometry(), dtype, 0), in.describe());
            Map<String, CudaLongConv> paths = new LinkedHashMap<>();
            paths.put("default", CudaLongConv.INSTANCE);
            assertEveryPathMatches(arena, in, spectrum, paths);
        }
    }

    /**
     * The causal forward through each of the given paths, and through the on-chip kernel or
     * Monarch where they take the FFT size, against the float64 reference; outputs poisoned.
     */
    private static void assertEveryPathMatches(Arena arena, Inputs in, KernelSpectrum spectrum,
                                               Map<String, CudaLongConv> paths) {
        ConvGeometry geometry = spectrum.geometry();
        DType dtype = in.u.dtype();
        if (CudaLongConv.onChipFits(geometry, dtype, 0)) paths.put("on chip", CudaLongConv.ON_CHIP);
        if (CudaLongConv.monarchFits(geometry, dtype, 0)) paths.put("monarch", CudaLongConv.MONARCH);
        Tensor want = LongConv.causal().forward(in.reference(in.u), in.reference(in.k),
                in.d == null ? null : in.reference(in.d));
        for (var path : paths.entrySet()) {
            Tensor y = Poisoned.tensor(arena, GPU, dtype, in.u.shape());
            path.getValue().forward(in.u, spectrum.data(), geometry, in.d, y, Stream.DEFAULT);
            assertClose(y.toDoubleArray(), want.toDoubleArray(), Accuracy.tolerance(dtype),
                    path.getKey() + " " + in.describe());
        }
    }

    static List<Arguments> backwardPathCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            for (DType dtype : new DType[] {DType.FP32, DType.BF16}) {
                // on chip (two rows as one sequence, one row alone; dk on chip up to N = 16K: values in
                // fp32 below 256, element by element for odd lengths, at its limit, past it), then
                // Monarch with one and two outer levels
                for (int[] bhl : new int[][] {{5, 2, 7}, {2, 3, 255}, {3, 2, 1000}, {1, 3, 4096}, {4, 1, 8192},
                        {2, 1, 16384}, {2, 2, 1 << 16}, {1, 1, 1 << 20}}) {
                    // circular: the causal case's FFT size, a power of two
                    int length = mode == Mode.CIRCULAR ? 2 * Integer.highestOneBit(2 * bhl[2] - 1) : bhl[2];
                    cases.add(Arguments.of(mode, dtype, bhl[0], bhl[1], length));
                }
            }
        }
        return cases;
    }

    /**
     * The backward through each du path that takes the size (the transposed on-chip kernel or
     * Monarch, and cuFFT) and the default's against the float64 reference: du, dk (on chip or
     * through cuFFT's spectra) and dD, outputs poisoned.
     */
    @ParameterizedTest(name = "{0} {1} B={2} H={3} L={4}")
    @MethodSource("backwardPathCases")
    void everyBackwardPathMatchesTheReference(Mode mode, DType dtype, int batch, int channels, int length) {
        try (Arena arena = Arena.ofConfined()) {
            int taps = mode == Mode.BIDIRECTIONAL ? 2 * length : length;
            Inputs in = Inputs.draw(arena, mode, dtype, DType.FP32, batch, channels, length, taps, true);
            Tensor dy = Tensor.randn(arena, GPU, dtype, in.u.shape(), Seeds.fresh("dy" + in.describe()));
            LongConv conv = LongConv.of(mode);
            Gradients want = conv.backward(in.reference(dy), in.reference(in.u), in.reference(in.k), in.reference(in.d));
            KernelSpectrum spectrum = conv.spectrum(in.k, length);
            ConvGeometry geometry = spectrum.geometry();
            Map<String, CudaLongConv> paths = new LinkedHashMap<>();
            paths.put("default", CudaLongConv.INSTANCE);
            paths.put("flash butterfly", CudaLongConv.FLASH_BUTTERFLY);
            paths.put("cufft", CudaLongConv.CUFFT_ONLY);
            CudaLongConv.BackwardDu expected = CudaLongConv.onChipFits(geometry, dtype, 0) ? CudaLongConv.BackwardDu.ON_CHIP
                    : CudaLongConv.BackwardDu.MONARCH;
            assertEquals(expected, CudaLongConv.FLASH_BUTTERFLY.backwardDuPath(geometry, dtype, 0), in.describe());
            if (geometry.fftSize() <= 4096) {  // dk's on-chip kernel takes that much on any device
                assertTrue(CudaLongConv.FLASH_BUTTERFLY.kernelGradientOnChip(geometry, dtype, 0), in.describe());
            }
            for (var path : paths.entrySet()) {
                Tensor du = Poisoned.tensor(arena, GPU, dtype, in.u.shape());
                Tensor dk = Poisoned.tensor(arena, GPU, DType.FP32, in.k.shape());
                Tensor dd = Poisoned.tensor(arena, GPU, DType.FP32, in.d.shape());
                path.getValue().backward(dy, in.u, spectrum.data(), spectrum.taps(), geometry, in.d, du, dk, dd,
                        Stream.DEFAULT);
                String what = path.getKey() + " " + in.describe();
                assertClose(du.toDoubleArray(), want.du().toDoubleArray(), Accuracy.tolerance(dtype), "du " + what);
                assertClose(dk.toDoubleArray(), want.dk().toDoubleArray(), Accuracy.tolerance(dtype), "dk " + what);
                assertClose(dd.toDoubleArray(), want.dd().toDoubleArray(), Accuracy.tolerance(DType.FP32), "dD " + what);
            }
        }
    }

    @Test
    void theDefaultSaysWhichForwardItChose() {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.draw(arena, Mode.CAUSAL, DType.BF16, DType.FP32, 5, 3, 3001, 3001, true);
            KernelSpectrum spectrum = LongConv.causal().spectrum(in.k, 3001);
            ConvGeometry geometry = spectrum.geometry();
            assertNull(CudaLongConv.INSTANCE.chosenForward(geometry, 15, DType.BF16, false, 0),
                    "no choice before the shape's first call");
            Tensor y = Poisoned.tensor(arena, GPU, DType.BF16, in.u.shape());
            CudaLongConv.INSTANCE.forward(in.u, spectrum.data(), geometry, in.d, y, Stream.DEFAULT);
            String chosen = CudaLongConv.INSTANCE.chosenForward(geometry, 15, DType.BF16, false, 0);
            assertTrue(Set.of("on-chip", "fused", "unfused").contains(chosen),
                    "chose " + chosen);
            // gated calls are timed apart: the ungated choice says nothing of them
            assertNull(CudaLongConv.INSTANCE.chosenForward(geometry, 15, DType.BF16, true, 0),
                    "no gated choice before the first gated call");
            CudaLongConv.INSTANCE.forward(in.u, spectrum.data(), geometry, in.d, null, in.u, y, Stream.DEFAULT);
            assertNotNull(
                    CudaLongConv.INSTANCE.chosenForward(geometry, 15, DType.BF16, true, 0), "gated choice");
        }
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Mode.class)
    void everyAlgorithmGivesTheSameResult(Mode mode) {
        try (Arena arena = Arena.ofConfined()) {
            int taps = mode == Mode.BIDIRECTIONAL ? 2000 : 1000;
            int length = mode == Mode.CIRCULAR ? 1024 : 1000; // FLASH_BUTTERFLY's circular sizes are powers of two
            Inputs in = Inputs.draw(arena, mode, DType.BF16, DType.FP32, 4, 5, length, taps * length / 1000, true);
            LongConv conv = LongConv.of(mode);
            Tensor want = conv.forward(in.reference(in.u), in.reference(in.k), in.reference(in.d));
            for (Algorithm algorithm : Algorithm.values()) {
                LongConv chosen = conv.algorithm(algorithm);
                Tensor y = Poisoned.tensor(arena, GPU, DType.BF16, in.u.shape());
                chosen.forward(in.u, chosen.spectrum(in.k, length), in.d, y, Stream.DEFAULT);
                assertClose(y.toDoubleArray(), want.toDoubleArray(), Accuracy.tolerance(DType.BF16), algorithm + " " + in.describe());
            }
        }
    }

    @Test
    void flashButterflySaysWhichSizesItTakes() {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.draw(arena, Mode.CIRCULAR, DType.BF16, DType.FP32, 2, 3, 1000, 1000, false);
            LongConv conv = LongConv.circular().algorithm(Algorithm.FLASH_BUTTERFLY);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> conv.forward(in.u, in.k, null));
            assertTrue(e.getMessage().contains("power-of-two FFT size"), e.getMessage());
        }
    }

    /** One case's GPU inputs and their float64 CPU copies. */
    private record Inputs(Arena arena, String describe, Tensor u, Tensor k, Tensor d) {
        static Inputs draw(Arena arena, Mode mode, DType dtype, DType kernelDtype, int batch, int channels,
                           int length, int taps, boolean skip) {
            String describe = mode + " " + dtype + " k=" + kernelDtype + " B=" + batch + " H=" + channels + " L="
                    + length + " Lk=" + taps + " D=" + skip;
            Tensor u = Tensor.randn(arena, GPU, dtype, Shape.of(batch, channels, length), Seeds.fresh("u" + describe));
            Tensor k = Tensor.randn(arena, GPU, kernelDtype, Shape.of(channels, taps), Seeds.fresh("k" + describe));
            Tensor d = skip ? Tensor.randn(arena, GPU, DType.FP32, Shape.of(channels), Seeds.fresh("d" + describe)) : null;
            return new Inputs(arena, describe, u, k, d);
        }

        Tensor reference(Tensor t) {
            return Accuracy.float64Copy(arena, t);
        }
    }
}
