package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.DirectConvolution;
import io.flashbutterfly.testing.FiniteDifference;
import io.flashbutterfly.testing.GateCase;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gated convolution y = post * (conv(v, k) + D v), v = pre * u, on the CPU against its
 * definition by direct summation, forward and backward, and its gradients against finite
 * differences: every mode, each gate alone and both, with and without D.
 */
class GatedLongConvCpuTest {
    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            for (GateCase gates : GateCase.values()) {
                for (int[] bhl : new int[][] {{1, 1, 1}, {1, 2, 7}, {3, 2, 33}, {2, 3, 100}}) {
                    int length = bhl[2];
                    int half = Math.max(1, length / 2);
                    cases.add(Arguments.of(mode, gates, bhl[0], bhl[1], length,
                            mode == Mode.BIDIRECTIONAL ? 2 * half : half, length % 2 == 1));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} B={2} H={3} L={4} Lk={5} D={6}")
    @MethodSource("cases")
    void forwardAndBackwardMatchTheDefinitions(Mode mode, GateCase gates, int batch, int channels, int length,
                                               int taps, boolean skip) {
        String what = mode + " " + gates + " B=" + batch + " H=" + channels + " L=" + length + " Lk=" + taps;
        SplittableRandom random = new SplittableRandom(Seeds.fresh("gated cpu " + what));
        int n = batch * channels * length;
        double[] u = random.doubles(n, -1, 1).toArray();
        double[] k = random.doubles(channels * taps, -1, 1).toArray();
        double[] d = skip ? random.doubles(channels, -1, 1).toArray() : null;
        double[] pre = gates.pre() ? random.doubles(n, -2, 2).toArray() : null;
        double[] post = gates.post() ? random.doubles(n, -2, 2).toArray() : null;
        double[] dy = random.doubles(n, -1, 1).toArray();
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(batch, channels, length);
            Tensor kt = tensor(arena, Shape.of(channels, taps), k);
            Tensor dt = skip ? tensor(arena, Shape.of(channels), d) : null;
            Gates gated = new Gates(pre == null ? null : tensor(arena, shape, pre),
                    post == null ? null : tensor(arena, shape, post));
            LongConv conv = LongConv.of(mode);
            KernelSpectrum spectrum = conv.spectrum(kt, length);

            // y = post * c, c = conv(v, k) + D v, v = pre * u
            double[] v = times(u, pre);
            double[] c = DirectConvolution.forward(mode, v, k, d, batch, channels, length, taps);
            assertClose(conv.forward(tensor(arena, shape, u), spectrum, dt, gated).toDoubleArray(), times(c, post),
                    1e-12, "y " + what);

            // dc = dy * post; dv, dk, dD of the ungated convolution of v for dc; du = dv * pre, dpre = dv * u
            double[] dc = times(dy, post);
            double[][] ungated = DirectConvolution.backward(mode, dc, v, k, d, batch, channels, length, taps);
            Gradients g = conv.backward(tensor(arena, shape, dy), tensor(arena, shape, u), spectrum, dt, gated);
            assertClose(g.du().toDoubleArray(), times(ungated[0], pre), 1e-12, "du " + what);
            assertClose(g.dk().toDoubleArray(), ungated[1], 1e-12, "dk " + what);
            if (skip) {
                assertClose(g.dd().toDoubleArray(), ungated[2], 1e-12, "dD " + what);
            } else {
                assertNull(g.dd(), "dD without D");
            }
            if (gates.pre()) {
                assertClose(g.dpre().toDoubleArray(), times(ungated[0], u), 1e-12, "dpre " + what);
            } else {
                assertNull(g.dpre(), "dpre without a pre gate");
            }
            if (gates.post()) {
                assertClose(g.dpost().toDoubleArray(), times(dy, c), 1e-12, "dpost " + what);
            } else {
                assertNull(g.dpost(), "dpost without a post gate");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void gradientsAreTheDerivativesOfTheGatedForward(Mode mode) {
        // loss = sum(w * y) is linear in each of u, k, D, pre and post alone, so a central
        // difference is exact up to rounding: an independent check of every gradient.
        int batch = 2;
        int channels = 2;
        int length = 9;
        int taps = mode == Mode.BIDIRECTIONAL ? 8 : 5;
        SplittableRandom random = new SplittableRandom(Seeds.fresh("gated fd " + mode));
        int n = batch * channels * length;
        double[] u = random.doubles(n, -1, 1).toArray();
        double[] k = random.doubles(channels * taps, -1, 1).toArray();
        double[] d = random.doubles(channels, -1, 1).toArray();
        double[] pre = random.doubles(n, -2, 2).toArray();
        double[] post = random.doubles(n, -2, 2).toArray();
        double[] w = random.doubles(n, -1, 1).toArray();
        LongConv conv = LongConv.of(mode);
        Shape shape = Shape.of(batch, channels, length);
        try (Arena arena = Arena.ofConfined()) {
            Gradients g = conv.backward(tensor(arena, shape, w), tensor(arena, shape, u),
                    tensor(arena, Shape.of(channels, taps), k), tensor(arena, Shape.of(channels), d),
                    new Gates(tensor(arena, shape, pre), tensor(arena, shape, post)));
            double[][] analytic = {g.du().toDoubleArray(), g.dk().toDoubleArray(), g.dd().toDoubleArray(),
                g.dpre().toDoubleArray(), g.dpost().toDoubleArray()};
            double[][] params = {u, k, d, pre, post};
            String[] names = {"du", "dk", "dD", "dpre", "dpost"};
            for (int p = 0; p < params.length; p++) {
                for (int i = 0; i < params[p].length; i++) {
                    double numeric = FiniteDifference.central(params[p], i, 1e-3, () -> {
                        try (Arena step = Arena.ofConfined()) {
                            double[] y = conv.forward(tensor(step, shape, u), tensor(step, Shape.of(channels, taps), k),
                                    tensor(step, Shape.of(channels), d),
                                    new Gates(tensor(step, shape, pre), tensor(step, shape, post))).toDoubleArray();
                            double sum = 0;
                            for (int j = 0; j < y.length; j++) sum += w[j] * y[j];
                            return sum;
                        }
                    });
                    assertEquals(numeric, analytic[p][i], 1e-9, mode + " " + names[p] + "[" + i + "]");
                }
            }
        }
    }

    static Stream<Mode> modes() {
        return Stream.of(Mode.values());
    }

    @Test
    void noGatesGiveTheUngatedResultsExactly() {
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(2, 3, 50);
            Tensor u = Tensor.randn(arena, Device.CPU, DType.FP32, shape, Seeds.fresh("none u"));
            Tensor dy = Tensor.randn(arena, Device.CPU, DType.FP32, shape, Seeds.fresh("none dy"));
            Tensor k = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(3, 20), Seeds.fresh("none k"));
            Tensor d = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(3), Seeds.fresh("none d"));
            Tensor ones = Tensor.full(arena, Device.CPU, DType.FP32, shape, 1);
            LongConv conv = LongConv.causal();
            KernelSpectrum spectrum = conv.spectrum(k, 50);
            double[] plain = conv.forward(u, spectrum, d).toDoubleArray();
            assertArrayEquals(plain, conv.forward(u, spectrum, d, Gates.NONE).toDoubleArray());
            assertArrayEquals(plain, conv.forward(u, spectrum, d, new Gates(ones, ones)).toDoubleArray());
            Gradients want = conv.backward(dy, u, spectrum, d);
            Gradients got = conv.backward(dy, u, spectrum, d, new Gates(ones, ones));
            assertArrayEquals(want.du().toDoubleArray(), got.du().toDoubleArray());
            assertArrayEquals(want.dk().toDoubleArray(), got.dk().toDoubleArray());
            assertArrayEquals(want.dd().toDoubleArray(), got.dd().toDoubleArray());
            assertNull(want.dpre());
            assertNull(want.dpost());
        }
    }

    private static Tensor tensor(Arena arena, Shape shape, double[] values) {
        return Tensor.of(arena, Device.CPU, DType.FP64, shape, values);
    }

    /** a * b elementwise; a itself where b is null (no gate). */
    private static double[] times(double[] a, double[] b) {
        if (b == null) return a;
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] * b[i];
        return out;
    }
}
