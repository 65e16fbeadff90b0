package io.flashbutterfly.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/** Relative-error checks against a float64 reference. */
public final class Accuracy {
    /** Worst error seen per tolerance, printed when the test JVM exits: the margin each check kept. */
    private static final Map<Double, Worst> WORST = new ConcurrentSkipListMap<>();

    private record Worst(double error, String what) {}

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Accuracy::printWorst));
    }

    private Accuracy() {}

    /** The tolerance the project holds each dtype to (fp32 1e-5, fp16/bf16 2e-2, fp64 1e-12). */
    public static double tolerance(DType dtype) {
        return switch (dtype) {
            case FP64 -> 1e-12;
            case FP32 -> 1e-5;
            case FP16, BF16 -> 2e-2;
        };
    }

    /**
     * The tolerance for a composition of several transforms and products (gated convolutions,
     * learned butterflies): fp32 1e-4, else {@link #tolerance}.
     */
    public static double compositionTolerance(DType dtype) {
        return dtype == DType.FP32 ? 1e-4 : tolerance(dtype);
    }

    /** A float64 CPU copy of t: the input the reference computation takes. */
    public static Tensor float64Copy(Arena arena, Tensor t) {
        return Tensor.of(arena, Device.CPU, DType.FP64, t.shape(), t.toDoubleArray());
    }

    /** ||actual - expected|| / ||expected|| (2-norms); NaN if any actual element is NaN. */
    public static double relativeError(double[] actual, double[] expected) {
        assertEquals(expected.length, actual.length, "lengths differ");
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            if (!Double.isFinite(actual[i])) return Double.NaN;
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    /** Fails unless the relative error is below tol (a NaN or unwritten output always fails). */
    public static void assertClose(double[] actual, double[] expected, double tol, String what) {
        double error = relativeError(actual, expected);
        if (Double.isNaN(error)) fail(what + ": output holds NaN or infinity (unwritten or broken)");
        WORST.merge(tol, new Worst(error, what), (a, b) -> a.error >= b.error ? a : b);
        assertTrue(error < tol, () -> what + ": relative error " + error + " >= " + tol);
    }

    private static void printWorst() {
        WORST.forEach((tol, worst) -> System.err.printf(
                "accuracy: tolerance %.0e, worst relative error %.3e (%s)%n", tol, worst.error, worst.what));
    }
}
