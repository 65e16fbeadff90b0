package io.flashbutterfly.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.testing.FiniteDifference;
import io.flashbutterfly.testing.Seeds;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KernelRegularizerTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 3, 5, 9, 31})
    void smoothingIsAZeroPaddedMovingAverage(int width) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("smooth" + width));
        int taps = 17;
        double[] x = random.doubles(2 * taps, -1, 1).toArray();
        double[] got = KernelRegularizer.smooth(x, taps, width);
        for (int row = 0; row < 2; row++) {
            for (int j = 0; j < taps; j++) {
                double sum = 0;
                for (int i = j - width / 2; i <= j + width / 2; i++) if (i >= 0 && i < taps) sum += x[row * taps + i];
                assertEquals(sum / width, got[row * taps + j], 1e-12, "row " + row + " tap " + j);
            }
        }
    }

    @Test
    void squashIsASoftThreshold() {
        double[] w = {0.5, -0.5, 0.001, -0.002, 0.0};
        double[] k = KernelRegularizer.forward(w, 5, KernelRegularization.NONE.withSquash(0.003), false, 0).kernel();
        assertArrayEquals(new double[] {0.497, -0.497, 0, 0, 0}, k, 1e-12);
    }

    @Test
    void dropoutIsSeededScaledAndOnlyWhenTraining() {
        double[] w = new SplittableRandom(3).doubles(10_000, 0.5, 1).toArray();
        KernelRegularization r = KernelRegularization.NONE.withDropout(0.25);
        double[] a = KernelRegularizer.forward(w, 100, r, true, 7).kernel();
        double[] b = KernelRegularizer.forward(w, 100, r, true, 7).kernel();
        double[] c = KernelRegularizer.forward(w, 100, r, true, 8).kernel();
        assertArrayEquals(a, b);
        assertTrue(!java.util.Arrays.equals(a, c));
        int dropped = 0;
        for (int i = 0; i < w.length; i++) {
            if (a[i] == 0) dropped++;
            else assertEquals(w[i] / 0.75, a[i], 1e-12);
        }
        assertEquals(0.25, dropped / (double) w.length, 0.02);
        assertArrayEquals(w, KernelRegularizer.forward(w, 100, r, false, 7).kernel(), "no dropout at inference");
    }

    @Test
    void backwardIsTheDerivativeOfForward() {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("regularizer grad"));
        int taps = 12;
        double[] w = random.doubles(3 * taps, -0.05, 0.05).toArray();
        double[] upstream = random.doubles(w.length, -1, 1).toArray();
        KernelRegularization r = KernelRegularization.NONE.withSmoothing(5).withSquash(0.004).withDropout(0.3);
        KernelRegularizer.Pass pass = KernelRegularizer.forward(w, taps, r, true, 11);
        double[] analytic = KernelRegularizer.backward(pass, upstream);
        double h = 1e-7;
        int checked = 0;
        for (int i = 0; i < w.length; i++) {
            double numeric = FiniteDifference.central(w, i, h,
                    () -> dot(KernelRegularizer.forward(w, taps, r, true, 11).kernel(), upstream));
            // Next to the threshold's kink the difference straddles it: skip those few.
            if (Math.abs(numeric - analytic[i]) > 1e-6 && nearKink(w, taps, r, i)) continue;
            assertEquals(numeric, analytic[i], 1e-6, "weight " + i);
            checked++;
        }
        assertTrue(checked > w.length * 3 / 4, "too few weights away from the kink: " + checked);
    }

    private static boolean nearKink(double[] w, int taps, KernelRegularization r, int i) {
        double[] s = KernelRegularizer.smooth(w, taps, r.smoothWidth());
        int row = i / taps * taps;
        for (int j = row; j < row + taps; j++) if (Math.abs(Math.abs(s[j]) - r.squash()) < 1e-6) return true;
        return false;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += a[i] * b[i];
        return sum;
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new KernelRegularization(2, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new KernelRegularization(1, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new KernelRegularization(1, 0, 1));
        // below 1 in double, 1 in fp32, as the GPU's regulariser would take it
        assertThrows(IllegalArgumentException.class, () -> new KernelRegularization(1, 0, 1 - 0x1p-26));
        assertDoesNotThrow(() -> new KernelRegularization(1, 0, Math.nextDown(1f)));  // the largest fp32 rate below 1
        assertThrows(IllegalArgumentException.class,
                () -> KernelRegularizer.forward(new double[5], 2, KernelRegularization.NONE, false, 0));
    }
}
