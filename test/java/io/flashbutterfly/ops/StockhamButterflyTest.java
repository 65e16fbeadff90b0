package io.flashbutterfly.ops;

import io.flashbutterfly.testing.Accuracy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flashbutterfly.api.Mode;
import io.flashbutterfly.testing.DirectConvolution;
import io.flashbutterfly.testing.FiniteDifference;
import io.flashbutterfly.testing.Seeds;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StockhamButterflyTest {
    @Test
    void theScheduleIsTheKernels() {
        assertArrayEquals(new int[] {1}, StockhamButterfly.schedule(2));
        assertArrayEquals(new int[] {4, 1}, StockhamButterfly.schedule(32));
        assertArrayEquals(new int[] {7}, StockhamButterfly.schedule(128));
        assertArrayEquals(new int[] {8, 2}, StockhamButterfly.schedule(1024));
        assertArrayEquals(new int[] {7, 4}, StockhamButterfly.schedule(2048));
        assertArrayEquals(new int[] {8, 4, 1}, StockhamButterfly.schedule(8192));
        assertArrayEquals(new int[] {7, 7}, StockhamButterfly.schedule(16384));
        assertEquals(3, StockhamButterfly.learnedLevels(8192));
        assertEquals(2, StockhamButterfly.learnedLevels(16384));
    }

    /** Every pass kind: radix 2, 4, 8 (fixed), 16, 128 and 256, at FFT sizes 4 to 32K. */
    @ParameterizedTest
    @CsvSource({"4,2,2", "16,8,3", "64,30,17", "256,100,100", "512,200,57", "2048,1024,1000", "4096,2048,2048",
        "16384,8000,5000", "32768,16384,16384"})
    void atTheDftValuesItIsTheExactConvolution(int fftSize, int length, int taps) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("stockham init " + fftSize));
        double[][] u = {random.doubles(length, -1, 1).toArray(), random.doubles(length, -1, 1).toArray()};
        double[] k = random.doubles(taps, -1, 1).toArray();
        double[][] y = StockhamButterfly.dft(fftSize).convolve(u, k);
        for (int r = 0; r < u.length; r++) {
            Accuracy.assertClose(y[r], DirectConvolution.forward(Mode.CAUSAL, u[r], k, null, 1, 1, length, taps), 1e-12,
                    "N=" + fftSize + " row " + r);
        }
    }

    /** Three rows share k; sizes whose passes are 16 + 2, 256 + 4 (two learned levels) and 128 + 16. */
    @ParameterizedTest
    @ValueSource(ints = {64, 2048, 4096})
    void gradientsMatchFiniteDifferences(int fftSize) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("stockham grad " + fftSize));
        StockhamButterfly butterfly = StockhamButterfly.dft(fftSize).perturbed(0.05, 11);
        int length = fftSize / 2 - 3;
        double[][] u = new double[3][];
        double[][] dy = new double[3][];
        for (int r = 0; r < u.length; r++) {
            u[r] = random.doubles(length, -1, 1).toArray();
            dy[r] = random.doubles(length, -1, 1).toArray();
        }
        double[] k = random.doubles(length - 5, -1, 1).toArray();
        StockhamButterfly.Result result = butterfly.forwardBackward(u, k, dy);
        double h = 1e-2;
        DoubleSupplier loss = () -> {
            double[][] y = butterfly.convolve(u, k);
            double sum = 0;
            for (int r = 0; r < y.length; r++) {
                for (int t = 0; t < y[r].length; t++) sum += dy[r][t] * y[r][t];
            }
            return sum;
        };
        int step = Math.max(1, length / 7);
        for (int r = 0; r < u.length; r++) {
            for (int i = r; i < length; i += step) {
                assertClose(FiniteDifference.central(u[r], i, h, loss), result.du()[r][i], "du[" + r + "][" + i + "]");
            }
        }
        for (int i = 0; i < k.length; i += step) {
            assertClose(FiniteDifference.central(k, i, h, loss), result.dk()[i], "dk[" + i + "]");
        }
        assertFactorGradients(butterfly.forwardFactors(), result.dForward(), loss, h, "forward");
        assertFactorGradients(butterfly.inverseFactors(), result.dInverse(), loss, h, "inverse");
    }

    private static void assertFactorGradients(ComplexMatrix[] factors, ComplexMatrix[] gradients, DoubleSupplier loss,
                                              double h, String which) {
        assertEquals(factors.length, gradients.length, which + " gradient count");
        for (int m = 0; m < factors.length; m++) {
            for (int e = m % 5; e < factors[m].re.length; e += 5) { // every fifth entry, both parts
                assertClose(FiniteDifference.central(factors[m].re, e, h, loss), gradients[m].re[e],
                        which + " level " + m + " entry " + e + " (real)");
                assertClose(FiniteDifference.central(factors[m].im, e, h, loss), gradients[m].im[e],
                        which + " level " + m + " entry " + e + " (imaginary)");
            }
        }
    }

    /**
     * The loss is linear in u, k and each inverse entry and quadratic in each forward entry (it
     * transforms u and k), where a central difference is exact: what is left is its rounding,
     * about 1e-16 of the loss's terms / h, under 1e-8 at h = 0.01.
     */
    private static void assertClose(double finiteDifference, double gradient, String what) {
        assertEquals(finiteDifference, gradient, 1e-7 * Math.max(1, Math.abs(finiteDifference)), what);
    }

    @Test
    void rejectsSequencesThatWouldWrapAroundAndOddSizes() {
        StockhamButterfly butterfly = StockhamButterfly.dft(16);
        assertThrows(IllegalArgumentException.class, () -> butterfly.convolve(new double[][] {new double[10]}, new double[10]));
        assertThrows(IllegalArgumentException.class, () -> StockhamButterfly.dft(24));
        assertThrows(IllegalArgumentException.class, () -> StockhamButterfly.dft(2));
    }
}
