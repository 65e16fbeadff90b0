package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.ops.Adam;
import io.flashbutterfly.ops.ButterflyFactor;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.CpuTensors;
import io.flashbutterfly.testing.FiniteDifference;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The learned butterfly on the CPU backend: at the exact DFT it is the causal convolution (the
 * direct sums, forward and backward), and its gradients, of the factors too, are those of finite
 * differences for shared and per-channel factors.
 */
class LearnedButterflyConvCpuTest {
    @ParameterizedTest(name = "B={0} H={1} L={2} Lk={3} {4}x{5} groups={6}")
    @CsvSource({"2,3,8,8,4,4,1", "1,2,33,20,8,8,2", "3,1,7,3,3,5,1", "2,2,100,100,16,16,2", "1,1,1,1,1,1,1"})
    void atTheExactDftItIsTheCausalConvolution(int batch, int channels, int length, int taps, int n1, int n2,
                                               int groups) {
        LearnedConvolutionChecks.isTheCausalConvolution(
                arena -> LearnedButterflyConv.create(arena, Device.CPU, n1, n2, groups, 0, 1), batch, channels, length,
                taps, n1 + "x" + n2 + " groups=" + groups);
    }

    @ParameterizedTest(name = "groups={0}")
    @CsvSource({"1", "2"})
    void gradientsMatchFiniteDifferences(int groups) {
        int batch = 2, channels = 2, length = 6, taps = 4, n1 = 3, n2 = 3;
        SplittableRandom random = new SplittableRandom(Seeds.fresh("learned cpu fd " + groups));
        try (Arena arena = Arena.ofConfined()) {
            LearnedButterflyConv conv = LearnedButterflyConv.create(arena, Device.CPU, n1, n2, groups, 0.1,
                    random.nextLong());
            double[] u = random.doubles(batch * channels * length, -1, 1).toArray();
            double[] k = random.doubles(channels * taps, -1, 1).toArray();
            double[] d = random.doubles(channels, -1, 1).toArray();
            double[] dy = random.doubles(u.length, -1, 1).toArray();
            Shape shape = Shape.of(batch, channels, length);
            Tensor dyt = Tensor.of(arena, Device.CPU, DType.FP64, shape, dy);
            double h = 1.0 / 4096;
            // Factors are fp32 tensors: rounded to multiples of h, value +- h stays exact in fp32 (a
            // step across a binade would otherwise lose the value's last bit).
            double[][] factors = new double[6][];
            for (ButterflyFactor f : ButterflyFactor.values()) {
                factors[f.ordinal()] = conv.factor(f).toDoubleArray();
                for (int i = 0; i < factors[f.ordinal()].length; i++) {
                    factors[f.ordinal()][i] = Math.rint(factors[f.ordinal()][i] / h) * h;
                }
                conv.factor(f).copyFrom(factors[f.ordinal()]);
            }
            DoubleSupplier loss = () -> {
                for (ButterflyFactor f : ButterflyFactor.values()) conv.factor(f).copyFrom(factors[f.ordinal()]);
                Tensor y = conv.forward(Tensor.of(arena, Device.CPU, DType.FP64, shape, u),
                        Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels, taps), k),
                        Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels), d));
                double[] yv = y.toDoubleArray();
                double sum = 0;
                for (int i = 0; i < yv.length; i++) sum += dy[i] * yv[i];
                return sum;
            };
            LearnedGradients g = conv.backward(dyt, Tensor.of(arena, Device.CPU, DType.FP64, shape, u),
                    Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels, taps), k),
                    Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels), d));
            check("du", g.du(), u, h, loss);
            check("dk", g.dk(), k, h, loss);
            check("dD", g.dd(), d, h, loss);
            for (ButterflyFactor f : ButterflyFactor.values()) {
                check("d" + f, g.dFactors().get(f.ordinal()), factors[f.ordinal()], h, loss);
            }
        }
    }

    /**
     * u, k and D enter the loss linearly, so central differences are exact for them; a factor
     * enters the transforms of both u and k, so its differences carry an O(h^2) term.
     */
    private static void check(String name, Tensor gradient, double[] values, double h, DoubleSupplier loss) {
        double[] got = gradient.toDoubleArray();
        assertEquals(values.length, got.length, name + " length");
        for (int i = 0; i < values.length; i++) {
            double want = FiniteDifference.central(values, i, h, loss);
            assertEquals(want, got[i], 1e-6 * Math.max(1, Math.abs(want)), name + "[" + i + "]"); // got: fp32
        }
    }

    /**
     * The point of learning the factors: fitted by Adam to a map no causal convolution gives (the
     * kernel reversed in time, an anti-causal convolution), the loss falls a hundredfold from
     * where the exact DFT factors start (it reached 2e-5 of it when written).
     */
    @Test
    void trainingTheFactorsFitsAMapTheExactDftCannot() {
        int batch = 16, channels = 1, length = 8, n1 = 4, n2 = 4;
        SplittableRandom random = new SplittableRandom(Seeds.fresh("learned cpu training"));
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(batch, channels, length);
            double[] uv = random.doubles(batch * length, -1, 1).toArray();
            double[] kv = random.doubles(length, -1, 1).toArray();
            double[] target = new double[uv.length];
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < length; t++) {
                    for (int j = 0; t + j < length; j++) target[b * length + t] += kv[j] * uv[b * length + t + j];
                }
            }
            Tensor u = Tensor.of(arena, Device.CPU, DType.FP64, shape, uv);
            Tensor k = Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels, length), kv);
            LearnedButterflyConv conv = LearnedButterflyConv.create(arena, Device.CPU, n1, n2, 1, 0, 1);
            Adam adam = new Adam(0.01);
            double first = Double.NaN;
            double last = Double.NaN;
            for (int step = 0; step < 300; step++) {
                double[] y = conv.forward(u, k, null).toDoubleArray();
                double[] dy = new double[y.length];
                double loss = 0;
                for (int i = 0; i < y.length; i++) {
                    dy[i] = 2 * (y[i] - target[i]) / y.length;
                    loss += (y[i] - target[i]) * (y[i] - target[i]) / y.length;
                }
                if (step == 0) first = loss;
                last = loss;
                LearnedGradients g = conv.backward(Tensor.of(arena, Device.CPU, DType.FP64, shape, dy), u, k, null);
                for (ButterflyFactor f : ButterflyFactor.values()) {
                    adam.step(conv.factor(f), g.dFactors().get(f.ordinal()));
                }
            }
            assertTrue(last < first / 100, "the loss fell from " + first + " to " + last + " only");
        }
    }

    @Test
    void forLengthPicksAPowerOfTwoForFullLengthKernels() {
        try (Arena arena = Arena.ofConfined()) {
            LearnedButterflyConv conv = LearnedButterflyConv.forLength(arena, Device.CPU, 1000, 1);
            assertEquals(2048, conv.fftSize());
            assertEquals(32, conv.n1());
            assertEquals(64, conv.n2());
            assertEquals(1, LearnedButterflyConv.forLength(arena, Device.CPU, 1, 1).fftSize());
            assertEquals(Shape.of(1, 64, 32, 2), conv.factor(ButterflyFactor.TWIDDLE).shape());
            assertEquals(Shape.of(1, 32, 32, 2), conv.factor(ButterflyFactor.INVERSE_F1).shape());
        }
    }

    @Test
    void refusesBadArgumentsWithAMessageThatNamesThem() {
        try (Arena arena = Arena.ofConfined()) {
            LearnedButterflyConv conv = LearnedButterflyConv.create(arena, Device.CPU, 4, 4, 3, 0, 1);
            Tensor u = CpuTensors.zeros(arena, 2, 3, 8);
            Tensor k = CpuTensors.zeros(arena, 3, 8);
            assertRejected(IllegalArgumentException.class, "need Lk <= L and L + Lk - 1 <= N = 16",
                    () -> conv.forward(CpuTensors.zeros(arena, 2, 3, 10), CpuTensors.zeros(arena, 3, 10), null));
            assertRejected(IllegalArgumentException.class, "k must be (H=3, Lk >= 1)",
                    () -> conv.forward(u, CpuTensors.zeros(arena, 2, 8), null));
            assertRejected(IllegalArgumentException.class, "u must be (B, H, L)",
                    () -> conv.forward(CpuTensors.zeros(arena, 3, 8), k, null));
            assertRejected(IllegalArgumentException.class, "they serve H=3 channels",
                    () -> conv.forward(CpuTensors.zeros(arena, 2, 2, 8), CpuTensors.zeros(arena, 2, 8), null));
            assertRejected(IllegalArgumentException.class, "d must be (H=3)",
                    () -> conv.forward(u, k, CpuTensors.zeros(arena, 4)));
            assertRejected(IllegalArgumentException.class, "dy must be [2, 3, 8] fp32 on cpu",
                    () -> conv.backward(CpuTensors.zeros(arena, 2, 3, 7), u, k, null));
            assertRejected(IllegalArgumentException.class, "groups must be >= 1",
                    () -> LearnedButterflyConv.create(arena, Device.CPU, 4, 4, 0, 0, 1));
            assertRejected(IllegalArgumentException.class, "noise must be >= 0",
                    () -> LearnedButterflyConv.create(arena, Device.CPU, 4, 4, 1, Double.NaN, 1));
            Tensor closed = CpuTensors.zeros(arena, 2, 3, 8);
            closed.close();
            assertRejected(IllegalStateException.class, "u is closed", () -> conv.forward(closed, k, null));
            assertNull(conv.backward(u, u, k, null).dd());
        }
    }
}
