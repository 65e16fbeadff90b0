package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** GELU (tanh approximation) on the CPU against reference values, and its backward against finite differences. */
class GeluCpuTest {
    @Test
    void forwardMatchesTheTanhApproximation() {
        // Values of 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) in float64 (PyTorch's approximate="tanh").
        double[] x = {-3, -1, -0.5, 0, 0.5, 1, 3, 20, -20};
        double[] want = {-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0,
            0.34571400982514394, 0.8411919906082768, 2.996362607918227, 20, 0};
        try (Arena arena = Arena.ofConfined()) {
            double[] got = Gelu.forward(Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(x.length), x)).toDoubleArray();
            double[] rounded = new double[want.length];
            for (int i = 0; i < want.length; i++) rounded[i] = (float) want[i];
            assertArrayEquals(rounded, got, 0, "fp32 outputs are the float64 values rounded once");
        }
    }

    @Test
    void backwardIsTheDerivativeOfForward() {
        // GELU is elementwise: moving every x by +-h at once gives every element's central difference.
        SplittableRandom random = new SplittableRandom(Seeds.fresh("gelu fd"));
        Shape shape = Shape.of(3, 5, 17);
        double h = 1.0 / 256; // exact in fp32, so x +- h is rounded only once
        try (Arena arena = Arena.ofConfined()) {
            double[] x = random.doubles(shape.numel(), -4, 4).toArray();
            for (int i = 0; i < x.length; i++) x[i] = (float) x[i];
            Tensor dy = Tensor.of(arena, Device.CPU, DType.FP32, shape, random.doubles(shape.numel(), -1, 1).toArray());
            double[] got = Gelu.backward(dy, Tensor.of(arena, Device.CPU, DType.FP32, shape, x)).toDoubleArray();
            double[] plus = Gelu.forward(shifted(arena, shape, x, h)).toDoubleArray();
            double[] minus = Gelu.forward(shifted(arena, shape, x, -h)).toDoubleArray();
            double[] dyv = dy.toDoubleArray();
            double[] numeric = new double[x.length];
            for (int i = 0; i < x.length; i++) numeric[i] = dyv[i] * (plus[i] - minus[i]) / (2 * h);
            // The difference's own error: O(h^2) from the step, fp32 outputs rounded near 1e-5 of 2h.
            assertClose(got, numeric, 1e-3, "dx");
        }
    }

    private static Tensor shifted(Arena arena, Shape shape, double[] x, double h) {
        double[] moved = x.clone();
        for (int i = 0; i < moved.length; i++) moved[i] += h;
        return Tensor.of(arena, Device.CPU, DType.FP32, shape, moved);
    }
}
