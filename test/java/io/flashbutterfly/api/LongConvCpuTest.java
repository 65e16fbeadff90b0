package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.DirectConvolution;
import io.flashbutterfly.testing.FiniteDifference;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The CPU backend against the direct-sum definitions, forward and backward, in every mode. */
class LongConvCpuTest {
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            for (int length : new int[] {1, 2, 7, 8, 33, 100}) {
                for (int[] bh : new int[][] {{1, 1}, {3, 2}}) {
                    int full = mode == Mode.BIDIRECTIONAL ? 2 * length : length;
                    cases.add(Arguments.of(mode, bh[0], bh[1], length, full, true));
                    int shorter = mode == Mode.BIDIRECTIONAL ? 2 * Math.max(1, length / 3) : Math.max(1, length / 3);
                    cases.add(Arguments.of(mode, bh[0], bh[1], length, shorter, length % 2 == 0));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} B={1} H={2} L={3} Lk={4} skip={5}")
    @MethodSource("cases")
    void forwardAndBackwardMatchTheDefinitions(Mode mode, int batch, int channels, int length, int taps, boolean skip) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("cpu" + mode + batch + channels + length + taps));
        double[] u = random.doubles(batch * channels * length, -1, 1).toArray();
        double[] k = random.doubles(channels * taps, -1, 1).toArray();
        double[] d = skip ? random.doubles(channels, -1, 1).toArray() : null;
        double[] dy = random.doubles(u.length, -1, 1).toArray();
        try (Arena arena = Arena.ofConfined()) {
            Tensor ut = Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(batch, channels, length), u);
            Tensor kt = Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels, taps), k);
            Tensor dt = skip ? Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels), d) : null;
            Tensor dyt = Tensor.of(arena, Device.CPU, DType.FP64, ut.shape(), dy);
            LongConv conv = LongConv.of(mode);
            KernelSpectrum spectrum = conv.spectrum(kt, length);
            String what = mode + " B=" + batch + " H=" + channels + " L=" + length + " Lk=" + taps;
            assertClose(conv.forward(ut, spectrum, dt).toDoubleArray(),
                    DirectConvolution.forward(mode, u, k, d, batch, channels, length, taps), 1e-12, "y " + what);
            Gradients g = conv.backward(dyt, ut, spectrum, dt);
            double[][] want = DirectConvolution.backward(mode, dy, u, k, d, batch, channels, length, taps);
            assertClose(g.du().toDoubleArray(), want[0], 1e-12, "du " + what);
            assertClose(g.dk().toDoubleArray(), want[1], 1e-12, "dk " + what);
            if (skip) {
                assertClose(g.dd().toDoubleArray(), want[2], 1e-12, "dD " + what);
            } else {
                assertNull(g.dd());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void backwardIsTheDerivativeOfForward(Mode mode) {
        // loss(u, k, d) = sum(w * conv(u, k) + w * d * u) is linear in each argument, so a central
        // difference is exact up to rounding: an independent check that backward fits forward.
        int batch = 2;
        int channels = 2;
        int length = 9;
        int taps = mode == Mode.BIDIRECTIONAL ? 8 : 5;
        SplittableRandom random = new SplittableRandom(Seeds.fresh("fd" + mode));
        double[] u = random.doubles(batch * channels * length, -1, 1).toArray();
        double[] k = random.doubles(channels * taps, -1, 1).toArray();
        double[] d = random.doubles(channels, -1, 1).toArray();
        double[] w = random.doubles(u.length, -1, 1).toArray();
        LongConv conv = LongConv.of(mode);
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(batch, channels, length);
            Gradients g = conv.backward(Tensor.of(arena, Device.CPU, DType.FP64, shape, w),
                    Tensor.of(arena, Device.CPU, DType.FP64, shape, u),
                    Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels, taps), k),
                    Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels), d));
            double[][] analytic = {g.du().toDoubleArray(), g.dk().toDoubleArray(), g.dd().toDoubleArray()};
            double[][] params = {u, k, d};
            double h = 1e-3;
            for (int p = 0; p < 3; p++) {
                for (int i = 0; i < params[p].length; i++) {
                    double numeric = FiniteDifference.central(params[p], i, h,
                            () -> loss(conv, arena, u, k, d, w, shape, taps));
                    assertEquals(numeric, analytic[p][i], 1e-9, mode + " parameter " + p + "[" + i + "]");
                }
            }
        }
    }

    private static double loss(LongConv conv, Arena arena, double[] u, double[] k, double[] d, double[] w,
                               Shape shape, int taps) {
        double[] y = conv.forward(Tensor.of(arena, Device.CPU, DType.FP64, shape, u),
                Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(shape.dim(1), taps), k),
                Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(shape.dim(1)), d)).toDoubleArray();
        double sum = 0;
        for (int i = 0; i < y.length; i++) sum += w[i] * y[i];
        return sum;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FP32", "FP16", "BF16"})
    void lowPrecisionInputsGiveOutputsOfTheirDtype(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(2, 3, 300);
            Tensor u = Tensor.randn(arena, Device.CPU, dtype, shape, Seeds.fresh("lp" + dtype));
            Tensor k = Tensor.randn(arena, Device.CPU, dtype, Shape.of(3, 300), Seeds.fresh("lpk" + dtype));
            Tensor y = LongConv.causal().forward(u, k, null);
            assertEquals(dtype, y.dtype());
            double[] want = DirectConvolution.forward(Mode.CAUSAL, u.toDoubleArray(), k.toDoubleArray(), null, 2, 3, 300, 300);
            assertClose(y.toDoubleArray(), want, dtype == DType.FP32 ? 1e-6 : 2e-2, dtype.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void everyAlgorithmRunsTheJavaFftOnTheCpu(Algorithm algorithm) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(2, 3, 100), Seeds.fresh("algorithm u"));
            Tensor k = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(3, 100), Seeds.fresh("algorithm k"));
            Tensor want = LongConv.causal().forward(u, k, null);
            Tensor got = LongConv.causal().algorithm(algorithm).forward(u, k, null);
            assertEquals(algorithm, LongConv.causal().algorithm(algorithm).algorithm());
            assertClose(got.toDoubleArray(), want.toDoubleArray(), 1e-12, algorithm.toString());
        }
    }

    @Test
    void oneSpectrumServesEveryBatchSizeAndFollowsUpdates() {
        try (Arena arena = Arena.ofConfined()) {
            LongConv conv = LongConv.causal();
            Tensor k = Tensor.randn(arena, Device.CPU, DType.FP64, Shape.of(2, 16), 1);
            KernelSpectrum spectrum = conv.spectrum(k, 16);
            for (int batch : new int[] {1, 5}) {
                Tensor u = Tensor.randn(arena, Device.CPU, DType.FP64, Shape.of(batch, 2, 16), batch);
                assertClose(conv.forward(u, spectrum, null).toDoubleArray(),
                        DirectConvolution.forward(Mode.CAUSAL, u.toDoubleArray(), k.toDoubleArray(), null, batch, 2, 16, 16),
                        1e-12, "batch " + batch);
            }
            Tensor k2 = Tensor.randn(arena, Device.CPU, DType.FP64, Shape.of(2, 16), 2);
            spectrum.update(k2);
            Tensor u = Tensor.randn(arena, Device.CPU, DType.FP64, Shape.of(1, 2, 16), 9);
            assertClose(conv.forward(u, spectrum, null).toDoubleArray(),
                    DirectConvolution.forward(Mode.CAUSAL, u.toDoubleArray(), k2.toDoubleArray(), null, 1, 2, 16, 16),
                    1e-12, "after update");
        }
    }
}
