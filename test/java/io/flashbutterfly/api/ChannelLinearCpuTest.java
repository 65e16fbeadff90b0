package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.FiniteDifference;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The channel-mixing linear layer on the CPU against its definition in float64, and against finite differences. */
class ChannelLinearCpuTest {
    /** float64 arithmetic with fp32 outputs: only the final rounding, 2^-24 per element. */
    private static final double TOLERANCE = 1e-6;

    @ParameterizedTest(name = "B={0} I={1} O={2} L={3} bias={4}")
    @CsvSource({"1,1,1,1,true", "2,3,5,7,true", "3,1,4,33,false", "4,6,1,100,true", "2,8,8,255,false"})
    void forwardAndBackwardMatchTheDefinition(int batch, int in, int out, int length, boolean withBias) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("linear" + batch + in + out + length));
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = uniform(arena, random, batch, in, length);
            Tensor w = uniform(arena, random, out, in);
            Tensor bias = withBias ? uniform(arena, random, out) : null;
            Tensor dy = uniform(arena, random, batch, out, length);
            double[] xv = x.toDoubleArray();
            double[] wv = w.toDoubleArray();
            double[] dyv = dy.toDoubleArray();
            String what = "B=" + batch + " I=" + in + " O=" + out + " L=" + length;

            double[] want = new double[batch * out * length];
            for (int b = 0; b < batch; b++) {
                for (int o = 0; o < out; o++) {
                    for (int t = 0; t < length; t++) {
                        double sum = withBias ? bias.toDoubleArray()[o] : 0;
                        for (int i = 0; i < in; i++) sum += wv[o * in + i] * xv[(b * in + i) * length + t];
                        want[(b * out + o) * length + t] = sum;
                    }
                }
            }
            assertClose(ChannelLinear.forward(x, w, bias).toDoubleArray(), want, TOLERANCE, "y " + what);

            double[] dx = new double[xv.length];
            double[] dw = new double[wv.length];
            double[] dbias = new double[out];
            for (int b = 0; b < batch; b++) {
                for (int o = 0; o < out; o++) {
                    for (int t = 0; t < length; t++) {
                        double g = dyv[(b * out + o) * length + t];
                        dbias[o] += g;
                        for (int i = 0; i < in; i++) {
                            dx[(b * in + i) * length + t] += wv[o * in + i] * g;
                            dw[o * in + i] += g * xv[(b * in + i) * length + t];
                        }
                    }
                }
            }
            LinearGradients got = ChannelLinear.backward(dy, x, w, bias);
            assertClose(got.dx().toDoubleArray(), dx, TOLERANCE, "dx " + what);
            assertClose(got.dw().toDoubleArray(), dw, TOLERANCE, "dw " + what);
            if (withBias) {
                assertClose(got.dbias().toDoubleArray(), dbias, TOLERANCE, "dbias " + what);
            } else {
                assertNull(got.dbias());
            }
        }
    }

    @ParameterizedTest(name = "B={0} I={1} O={2} L={3}")
    @CsvSource({"1,1,1,1", "2,3,2,5"})
    void backwardIsTheDerivativeOfForward(int batch, int in, int out, int length) {
        // loss = sum(r * y) is linear in x, w and bias: a central difference is exact up to rounding.
        SplittableRandom random = new SplittableRandom(Seeds.fresh("linear fd" + batch + in + out + length));
        try (Arena arena = Arena.ofConfined()) {
            double[][] values = {
                random.doubles(batch * in * length, -1, 1).toArray(),
                random.doubles(out * in, -1, 1).toArray(),
                random.doubles(out, -1, 1).toArray()};
            Shape[] shapes = {Shape.of(batch, in, length), Shape.of(out, in), Shape.of(out)};
            double[] r = random.doubles(batch * out * length, -1, 1).toArray();
            Tensor dy = Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(batch, out, length), r);
            LinearGradients g = ChannelLinear.backward(dy, tensor(arena, shapes[0], values[0]),
                    tensor(arena, shapes[1], values[1]), tensor(arena, shapes[2], values[2]));
            Tensor[] analytic = {g.dx(), g.dw(), g.dbias()};
            for (int which = 0; which < 3; which++) {
                double[] numeric = new double[values[which].length];
                for (int j = 0; j < numeric.length; j++) {
                    numeric[j] = FiniteDifference.central(values[which], j, 0.5, () -> {
                        try (Arena scratch = Arena.ofConfined()) {
                            double[] y = ChannelLinear.forward(tensor(scratch, shapes[0], values[0]),
                                    tensor(scratch, shapes[1], values[1]), tensor(scratch, shapes[2], values[2]))
                                    .toDoubleArray();
                            double sum = 0;
                            for (int i = 0; i < y.length; i++) sum += r[i] * y[i];
                            return sum;
                        }
                    });
                }
                assertClose(analytic[which].toDoubleArray(), numeric, 1e-5, "argument " + which + " " + shapes[which]);
            }
        }
    }

    private static Tensor uniform(Arena arena, SplittableRandom random, long... dims) {
        Shape shape = Shape.of(dims);
        return tensor(arena, shape, random.doubles(shape.numel(), -1, 1).toArray());
    }

    private static Tensor tensor(Arena arena, Shape shape, double[] values) {
        return Tensor.of(arena, Device.CPU, DType.FP32, shape, values);
    }
}
