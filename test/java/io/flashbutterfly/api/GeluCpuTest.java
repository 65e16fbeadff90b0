package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) to 50 digits (mpmath), rounded to double
        // (PyTorch's approximate="tanh"); the far negative tail too, where 1 + tanh cancels.
        double[] x = {-3, -1, -0.5, 0, 0.5, 1, 3, 20, -20, -6, -9};
        double[] want = {-0.003637392081773019, -0.1588080093917233, -0.15428599017485609, 0,
            0.34571400982514394, 0.8411919906082767, 2.996362607918227, 20, 0, -8.439646700762297e-11,
            -1.3364595947348725e-28};
        try (Arena arena = Arena.ofConfined()) {
            double[] got = Gelu.forward(Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(x.length), x)).toDoubleArray();
            for (int i = 0; i < x.length; i++) {
                // float64 arithmetic, one rounding to fp32: within half an fp32 ulp, 2^-24 relative.
                assertTrue(Math.abs(got[i] - want[i]) <= 0x1p-24 * Math.abs(want[i]),
                        "gelu(" + x[i] + ") = " + got[i] + ", want " + want[i]);
            }
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
