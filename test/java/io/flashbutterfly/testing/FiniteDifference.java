package io.flashbutterfly.testing;

import java.util.function.DoubleSupplier;

/** Central finite differences, for checking gradients. */
public final class FiniteDifference {
    private FiniteDifference() {}

    /**
     * (f(x + h e_i) - f(x - h e_i)) / 2h, where f reads values: values[index] is moved and restored.
     */
    public static double central(double[] values, int index, double h, DoubleSupplier f) {
        double keep = values[index];
        values[index] = keep + h;
        double plus = f.getAsDouble();
        values[index] = keep - h;
        double minus = f.getAsDouble();
        values[index] = keep;
        return (plus - minus) / (2 * h);
    }
}
