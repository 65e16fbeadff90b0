package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.*;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flashbutterfly.ops.ComplexMatrix;
import io.flashbutterfly.ops.StockhamButterfly;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.CudaException;
import io.flashbutterfly.runtime.NativeLibraries;
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
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The learned one-row kernel (fb_onchip_conv_learned, fb_learned_spectrum) against StockhamButterfly in float64. */
@GpuTest
class LearnedOnChipGpuTest {
    private static final Device GPU = Device.cuda(0);

    /** The bindings below are called directly: the library they look their symbols up in, loaded first. */
    @BeforeAll
    static void loadTheNativeLibrary() {
        NativeLibraries.requireFlashButterfly();
    }

    /**
     * Every pass kind and block shape: float2 values below 256, bf16 ones, narrow and wide blocks,
     * two rounds at N = 64K; odd lengths (element by element) and multiples of 4; shared and
     * per-channel matrices. The matrices are the DFT's plus noise of 0.2: one level taken wrongly
     * as the DFT then errs by over 20%, ten times the tolerance (at 0.02 it erred by 2.6-2.8%).
     */
    @ParameterizedTest(name = "{0} N={1} B={2} H={3} L={4} Lk={5} groups={6}")
    @CsvSource({"BF16,4,2,2,2,2,1", "BF16,16,1,3,9,7,1", "BF16,64,3,2,33,30,2", "FP16,512,2,3,256,256,3",
        "BF16,2048,2,2,1000,1000,1", "BF16,4096,1,3,2048,1500,3", "BF16,8192,2,2,4093,4000,1",
        "FP16,32768,1,2,16384,16384,2", "BF16,65536,1,1,32768,32768,1"})
    void matchesTheFloat64Reference(DType dtype, int fftSize, int batch, int channels, int length, int taps,
                                    int groups) {
        assumeTrue(fftSize <= OnChipLimit.learnedMaxFftSize(0, false), "past this device's learned forward limit");
        String seed = "learned on chip " + dtype + " N=" + fftSize + " L=" + length;
        int levels = fb_learned_levels(fftSize);
        assertEquals(StockhamButterfly.learnedLevels(fftSize / 2), levels, "levels per direction");
        StockhamButterfly[] butterflies = new StockhamButterfly[groups];
        for (int g = 0; g < groups; g++) butterflies[g] = StockhamButterfly.dft(fftSize).perturbed(0.2, Seeds.fresh(seed + g));
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.randn(arena, GPU, dtype, Shape.of(batch, channels, length), Seeds.fresh(seed + "u"));
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(channels, taps), Seeds.fresh(seed + "k"));
            Tensor d = Tensor.randn(arena, GPU, DType.FP32, Shape.of(channels), Seeds.fresh(seed + "d"));
            Tensor forward = matrices(arena, butterflies, levels, false);
            Tensor inverse = matrices(arena, butterflies, levels, true);
            Tensor spectrum = Tensor.empty(arena, GPU, DType.FP32, Shape.of(channels, fftSize / 2 + 1, 2));
            Tensor y = Poisoned.tensor(arena, GPU, dtype, u.shape());
            MemorySegment stream = Stream.DEFAULT.handle();
            Cuda.check(fb_learned_spectrum(k.data(), channels, taps, fftSize, forward.data(), levels, groups,
                    dtype.nativeCode(), spectrum.data(), stream), "fb_learned_spectrum");
            Cuda.check(fb_onchip_conv_learned(u.data(), spectrum.data(), d.data(), y.data(), dtype.nativeCode(), batch,
                    channels, length, fftSize, forward.data(), inverse.data(), levels, groups, stream),
                    "fb_onchip_conv_learned");

            double[] uv = u.toDoubleArray();
            double[] kv = k.toDoubleArray();
            double[] dv = d.toDoubleArray();
            double[] want = new double[uv.length];
            for (int h = 0; h < channels; h++) {
                double[][] rows = new double[batch][length];
                for (int b = 0; b < batch; b++) System.arraycopy(uv, (b * channels + h) * length, rows[b], 0, length);
                double[] kh = new double[taps];
                System.arraycopy(kv, h * taps, kh, 0, taps);
                double[][] conv = butterflies[groups == 1 ? 0 : h].convolve(rows, kh);
                for (int b = 0; b < batch; b++) {
                    for (int t = 0; t < length; t++) want[(b * channels + h) * length + t] = conv[b][t] + dv[h] * rows[b][t];
                }
            }
            Accuracy.assertClose(y.toDoubleArray(), want, Accuracy.tolerance(dtype), seed);
        }
    }

    /**
     * The backward (fb_onchip_conv_learned_backward) against StockhamButterfly.forwardBackward in
     * float64: du, dk, dD and every level's gradient of both directions, outputs poisoned; the
     * same pass kinds and block shapes as above up to N = 32K (its limit), shared and per-channel
     * matrices, with D and without.
     */
    @ParameterizedTest(name = "{0} N={1} B={2} H={3} L={4} Lk={5} groups={6} D={7}")
    @CsvSource({"BF16,4,2,2,2,2,1,true", "BF16,16,1,3,9,7,1,false", "BF16,64,3,2,33,30,2,true",
        "FP16,512,2,3,256,256,3,true", "BF16,1024,3,2,512,300,1,true", "BF16,2048,2,2,1000,1000,1,false",
        "BF16,4096,1,3,2048,1500,3,true", "BF16,8192,2,2,4093,4000,1,true", "FP16,16384,2,2,8192,8192,2,true",
        "BF16,32768,1,2,16384,16384,1,true"})
    void backwardMatchesTheFloat64Reference(DType dtype, int fftSize, int batch, int channels, int length, int taps,
                                            int groups, boolean withD) {
        assumeTrue(fftSize <= CudaStockhamButterfly.maxFftSize(0), "past this device's learned backward limit");
        String seed = "learned backward " + dtype + " N=" + fftSize + " L=" + length;
        int levels = fb_learned_levels(fftSize);
        StockhamButterfly[] butterflies = new StockhamButterfly[groups];
        for (int g = 0; g < groups; g++) butterflies[g] = StockhamButterfly.dft(fftSize).perturbed(0.2, Seeds.fresh(seed + g));
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.randn(arena, GPU, dtype, Shape.of(batch, channels, length), Seeds.fresh(seed + "u"));
            Tensor dy = Tensor.randn(arena, GPU, dtype, u.shape(), Seeds.fresh(seed + "dy"));
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(channels, taps), Seeds.fresh(seed + "k"));
            Tensor d = withD ? Tensor.randn(arena, GPU, DType.FP32, Shape.of(channels), Seeds.fresh(seed + "d")) : null;
            Tensor forward = matrices(arena, butterflies, levels, false);
            Tensor inverse = matrices(arena, butterflies, levels, true);
            Tensor spectrum = Tensor.empty(arena, GPU, DType.FP32, Shape.of(channels, fftSize / 2 + 1, 2));
            Tensor du = Poisoned.tensor(arena, GPU, dtype, u.shape());
            Tensor dk = Poisoned.tensor(arena, GPU, DType.FP32, k.shape());
            Tensor dd = withD ? Poisoned.tensor(arena, GPU, DType.FP32, Shape.of(channels)) : null;
            Tensor dForward = Poisoned.tensor(arena, GPU, DType.FP32, forward.shape());
            Tensor dInverse = Poisoned.tensor(arena, GPU, DType.FP32, inverse.shape());
            MemorySegment bytes = arena.allocate(Long.BYTES);
            Cuda.check(fb_learned_backward_scratch_bytes(batch, channels, fftSize, levels, groups, bytes),
                    "fb_learned_backward_scratch_bytes");
            Tensor scratch = Tensor.empty(arena, GPU, DType.FP32, Shape.of(Math.ceilDiv(bytes.get(JAVA_LONG, 0), 4)));
            MemorySegment stream = Stream.DEFAULT.handle();
            Cuda.check(fb_learned_spectrum(k.data(), channels, taps, fftSize, forward.data(), levels, groups,
                    dtype.nativeCode(), spectrum.data(), stream), "fb_learned_spectrum");
            Cuda.check(fb_onchip_conv_learned_backward(u.data(), dy.data(), k.data(), taps, spectrum.data(),
                    withD ? d.data() : MemorySegment.NULL, du.data(), dk.data(), withD ? dd.data() : MemorySegment.NULL,
                    dForward.data(), dInverse.data(), scratch.data(), dtype.nativeCode(), batch, channels, length,
                    fftSize, forward.data(), inverse.data(), levels, groups, stream), "fb_onchip_conv_learned_backward");

            double[] uv = u.toDoubleArray();
            double[] gv = dy.toDoubleArray();
            double[] kv = k.toDoubleArray();
            double[] dv = withD ? d.toDoubleArray() : new double[channels];
            double[] wantDu = new double[uv.length];
            double[] wantDk = new double[kv.length];
            double[] wantDd = new double[channels];
            double[] wantForward = new double[groups * Math.max(levels, 1) * 512];
            double[] wantInverse = new double[wantForward.length];
            for (int h = 0; h < channels; h++) {
                double[][] rows = new double[batch][length];
                double[][] grads = new double[batch][length];
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(uv, (b * channels + h) * length, rows[b], 0, length);
                    System.arraycopy(gv, (b * channels + h) * length, grads[b], 0, length);
                }
                double[] kh = new double[taps];
                System.arraycopy(kv, h * taps, kh, 0, taps);
                int group = groups == 1 ? 0 : h;
                StockhamButterfly.Result r = butterflies[group].forwardBackward(rows, kh, grads);
                for (int b = 0; b < batch; b++) {
                    for (int t = 0; t < length; t++) {
                        wantDu[(b * channels + h) * length + t] = r.du()[b][t] + dv[h] * grads[b][t];
                        wantDd[h] += grads[b][t] * rows[b][t];
                    }
                }
                System.arraycopy(r.dk(), 0, wantDk, h * taps, taps);
                for (int level = 0; level < levels; level++) {
                    r.dForward()[level].addInterleavedTo(wantForward, (group * levels + level) * 512);
                    r.dInverse()[level].addInterleavedTo(wantInverse, (group * levels + level) * 512);
                }
            }
            double tolerance = Accuracy.tolerance(dtype);
            Accuracy.assertClose(du.toDoubleArray(), wantDu, tolerance, seed + " du");
            Accuracy.assertClose(dk.toDoubleArray(), wantDk, tolerance, seed + " dk");
            if (withD) Accuracy.assertClose(dd.toDoubleArray(), wantDd, tolerance, seed + " dD");
            if (levels > 0) {
                Accuracy.assertClose(dForward.toDoubleArray(), wantForward, tolerance, seed + " dForward");
                Accuracy.assertClose(dInverse.toDoubleArray(), wantInverse, tolerance, seed + " dInverse");
            }
        }
    }

    /** (groups, levels, 16, 16, 2) fp32 on the GPU: each butterfly's forward or inverse matrices. */
    private static Tensor matrices(Arena arena, StockhamButterfly[] butterflies, int levels, boolean inverse) {
        double[] values = new double[butterflies.length * levels * 512];
        for (int g = 0; g < butterflies.length; g++) {
            ComplexMatrix[] m = inverse ? butterflies[g].inverseFactors() : butterflies[g].forwardFactors();
            for (int level = 0; level < levels; level++) m[level].addInterleavedTo(values, (g * levels + level) * 512);
        }
        Tensor t = Tensor.empty(arena, GPU, DType.FP32, Shape.of(butterflies.length, Math.max(levels, 1), 16, 16, 2));
        if (levels > 0) t.copyFrom(values);
        return t;
    }

    @Test
    void refusesFp32SequencesAndWrongLevels() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor k = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(1, 8));
            Tensor forward = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(1, 1, 16, 16, 2));
            Tensor spectrum = Tensor.empty(arena, GPU, DType.FP32, Shape.of(1, 17, 2));
            MemorySegment stream = Stream.DEFAULT.handle();
            assertEquals(1, fb_learned_levels(32));
            assertThrows(CudaException.class, () -> Cuda.check(fb_learned_spectrum(k.data(), 1, 8, 32, forward.data(), 1,
                    1, DType.FP32.nativeCode(), spectrum.data(), stream), "fb_learned_spectrum"));
            assertThrows(CudaException.class, () -> Cuda.check(fb_learned_spectrum(k.data(), 1, 8, 32, forward.data(), 2,
                    1, DType.BF16.nativeCode(), spectrum.data(), stream), "fb_learned_spectrum"));
        }
    }
}
