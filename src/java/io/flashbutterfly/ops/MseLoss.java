package io.flashbutterfly.ops;

import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * The mean squared error of an output against a target, and its gradient, in float64 on the host
 * (the output is copied from its device, the gradient copied back).
 *
 * @param value    mean over the elements of (y - target)^2
 * @param gradient 2 (y - target) / n, like y
 */
public record MseLoss(double value, Tensor gradient) {
    /** The loss of y against target (y's elements in row-major order), the gradient owned by owner. */
    public static MseLoss of(Arena owner, Tensor y, double[] target) {
        double[] diff = difference(y, target);
        double[] gradient = new double[diff.length];
        double sum = 0;
        for (int i = 0; i < diff.length; i++) {
            sum += diff[i] * diff[i];
            gradient[i] = 2 * diff[i] / diff.length;
        }
        Tensor g = Tensor.empty(owner, y.device(), y.dtype(), y.shape());
        g.copyFrom(gradient);
        return new MseLoss(sum / diff.length, g);
    }

    /** The loss alone. */
    public static double value(Tensor y, double[] target) {
        double sum = 0;
        for (double d : difference(y, target)) sum += d * d;
        return sum / target.length;
    }

    private static double[] difference(Tensor y, double[] target) {
        Objects.requireNonNull(y, "y must not be null");
        Objects.requireNonNull(target, "target must not be null");
        if (target.length != y.numel()) {
            throw new IllegalArgumentException("target has " + target.length + " values, y " + y.shape() + " has "
                    + y.numel());
        }
        double[] diff = y.toDoubleArray();
        for (int i = 0; i < diff.length; i++) diff[i] -= target[i];
        return diff;
    }
}
