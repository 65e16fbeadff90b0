package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.FiniteDifference;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The learned butterfly in the on-chip kernel's factorisation on the CPU backend: at the DFT it
 * is the causal convolution (the direct sums, forward and backward), its level gradients are
 * those of finite differences for shared and per-channel matrices, and bad arguments are refused.
 */
class StockhamButterflyConvCpuTest {
    @ParameterizedTest(name = "B={0} H={1} L={2} Lk={3} N={4} groups={5}")
    @CsvSource({"2,3,2,2,4,1", "1,2,9,7,16,2", "3,1,33,30,64,1", "2,2,200,100,512,2", "1,1,1000,1000,2048,1"})
    void atTheDftItIsTheCausalConvolution(int batch, int channels, int length, int taps, int fftSize, int groups) {
        LearnedConvolutionChecks.isTheCausalConvolution(
                arena -> StockhamButterflyConv.create(arena, Device.CPU, fftSize, groups, 0, 1), batch, channels, length,
                taps, "N=" + fftSize + " groups=" + groups);
    }

    /**
     * Every level entry's gradient against central differences of sum(dy * y), N = 32 (one
     * learned level per direction, and a fixed radix-2 pass), shared and per-channel matrices.
     */
    @ParameterizedTest(name = "groups={0}")
    @CsvSource({"1", "2"})
    void levelGradientsMatchFiniteDifferences(int groups) {
        int batch = 2, channels = 2, length = 10, taps = 6, fftSize = 32;
        SplittableRandom random = new SplittableRandom(Seeds.fresh("stockham cpu fd " + groups));
        try (Arena arena = Arena.ofConfined()) {
            StockhamButterflyConv conv = StockhamButterflyConv.create(arena, Device.CPU, fftSize, groups, 0.1,
                    random.nextLong());
            Shape shape = Shape.of(batch, channels, length);
            Tensor u = Tensor.of(arena, Device.CPU, DType.FP64, shape, random.doubles(batch * channels * length, -1, 1).toArray());
            Tensor k = Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels, taps),
                    random.doubles(channels * taps, -1, 1).toArray());
            double[] dy = random.doubles(batch * channels * length, -1, 1).toArray();
            double h = 1.0 / 4096;
            // fp32 tensors: values rounded to multiples of h keep value +- h exact in fp32
            double[][] levels = {rounded(conv.forwardLevels(), h), rounded(conv.inverseLevels(), h)};
            Tensor[] tensors = {conv.forwardLevels(), conv.inverseLevels()};
            DoubleSupplier loss = () -> {
                for (int i = 0; i < 2; i++) tensors[i].copyFrom(levels[i]);
                double[] y = conv.forward(u, k, null).toDoubleArray();
                double sum = 0;
                for (int i = 0; i < y.length; i++) sum += dy[i] * y[i];
                return sum;
            };
            LearnedGradients g = conv.backward(Tensor.of(arena, Device.CPU, DType.FP64, shape, dy), u, k, null);
            for (int i = 0; i < 2; i++) {
                double[] got = g.dFactors().get(i).toDoubleArray();
                for (int e = 0; e < got.length; e++) {
                    double want = FiniteDifference.central(levels[i], e, h, loss);
                    // a forward level enters the transforms of both u and k: its differences carry an O(h^2) term
                    assertEquals(want, got[e], 1e-6 * Math.max(1, Math.abs(want)), (i == 0 ? "dForward" : "dInverse") + "[" + e + "]");
                }
            }
        }
    }

    private static double[] rounded(Tensor t, double h) {
        double[] v = t.toDoubleArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.rint(v[i] / h) * h;
        t.copyFrom(v);
        return v;
    }

    /** The backward checks dy and its outputs (open, shaped) before it computes or allocates anything. */
    @Test
    void backwardRefusesABadDyOrAClosedOutputFirst() {
        try (Arena arena = Arena.ofConfined()) {
            StockhamButterflyConv conv = StockhamButterflyConv.create(arena, Device.CPU, 64, 1, 0, 0);
            Tensor u = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(1, 2, 20));
            Tensor k = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(2, 20));
            Tensor dyShort = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(1, 2, 19));
            assertRejected(IllegalArgumentException.class, "dy must be", () -> conv.backward(dyShort, u, k, null));
            LearnedGradients out = new LearnedGradients(Tensor.zeros(arena, Device.CPU, DType.FP32, u.shape()),
                    Tensor.zeros(arena, Device.CPU, DType.FP32, k.shape()), null,
                    List.of(Tensor.zeros(arena, Device.CPU, DType.FP32, conv.forwardLevels().shape()),
                            Tensor.zeros(arena, Device.CPU, DType.FP32, conv.inverseLevels().shape())));
            out.dFactors().get(1).close();
            assertRejected(IllegalStateException.class, "out.dFactors inverse is closed",
                    () -> conv.backward(u, u, k, null, out, Stream.DEFAULT));
        }
    }

    @Test
    void refusesWhatItCannotRun() {
        try (Arena arena = Arena.ofConfined()) {
            assertRejected(IllegalArgumentException.class, "power of two >= 4",
                    () -> StockhamButterflyConv.create(arena, Device.CPU, 48, 1, 0, 0));
            assertRejected(IllegalArgumentException.class, "groups must be >= 1",
                    () -> StockhamButterflyConv.create(arena, Device.CPU, 64, 0, 0, 0));
            assertRejected(IllegalArgumentException.class, "noise must be >= 0",
                    () -> StockhamButterflyConv.create(arena, Device.CPU, 64, 1, Double.NaN, 0));
            StockhamButterflyConv conv = StockhamButterflyConv.create(arena, Device.CPU, 64, 2, 0, 0);
            Tensor u = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(1, 2, 40));
            Tensor k = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(2, 30));
            assertRejected(IllegalArgumentException.class, "L + Lk - 1 <= N = 64", () -> conv.forward(u, k, null));
            Tensor u3 = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(1, 3, 20));
            Tensor k3 = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(3, 20));
            assertRejected(IllegalArgumentException.class, "these parameters have 2 groups", () -> conv.forward(u3, k3, null));
            conv.inverseLevels().close();
            Tensor k2 = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(2, 20));
            Tensor u2 = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(1, 2, 20));
            assertRejected(IllegalStateException.class, "inverse levels", () -> conv.forward(u2, k2, null));
        }
    }
}
