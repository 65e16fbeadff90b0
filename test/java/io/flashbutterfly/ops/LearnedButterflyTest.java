package io.flashbutterfly.ops;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flashbutterfly.testing.DirectConvolution;
import io.flashbutterfly.api.Mode;
import io.flashbutterfly.testing.FiniteDifference;
import io.flashbutterfly.testing.Seeds;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LearnedButterflyTest {
    @ParameterizedTest
    @CsvSource({"4,4,8,8", "8,4,16,10", "16,8,64,64", "3,5,7,3"})
    void atInitialisationItIsTheExactConvolution(int n1, int n2, int length, int taps) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("learned init" + n1 + n2));
        double[] u = random.doubles(length, -1, 1).toArray();
        double[] k = random.doubles(taps, -1, 1).toArray();
        double[] want = DirectConvolution.forward(Mode.CAUSAL, u, k, null, 1, 1, length, taps);
        assertClose(LearnedButterfly.dft(n1, n2).convolve(new double[][] {u}, k)[0], want, 1e-12, n1 + "x" + n2);
    }

    /** Three rows share k: its gradient, and the factors', are sums over the rows. */
    @Test
    void gradientsMatchFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("learned grad"));
        LearnedButterfly butterfly = LearnedButterfly.dft(4, 8).perturbed(0.05, 7);
        double[][] u = new double[3][];
        double[][] dy = new double[3][];
        for (int r = 0; r < u.length; r++) {
            u[r] = random.doubles(16, -1, 1).toArray();
            dy[r] = random.doubles(16, -1, 1).toArray();
        }
        double[] k = random.doubles(12, -1, 1).toArray();
        LearnedButterfly.Result result = butterfly.forwardBackward(u, k, dy);
        double h = 1e-6;
        DoubleSupplier f = () -> loss(butterfly, u, k, dy);
        for (int r = 0; r < u.length; r++) {
            for (int i = 0; i < u[r].length; i++) {
                assertEquals(FiniteDifference.central(u[r], i, h, f), result.du()[r][i], 1e-7, "du[" + r + "][" + i + "]");
            }
        }
        for (int i = 0; i < k.length; i++) {
            assertEquals(FiniteDifference.central(k, i, h, f), result.dk()[i], 1e-7, "dk[" + i + "]");
        }
        ComplexMatrix[] factors = butterfly.factors();
        for (int m = 0; m < factors.length; m++) {
            for (int e = 0; e < factors[m].re.length; e += 3) { // every third entry of every factor, both parts
                assertEquals(FiniteDifference.central(factors[m].re, e, h, f), result.dFactors()[m].re[e], 1e-7,
                        "factor " + m + " entry " + e + " (real)");
                assertEquals(FiniteDifference.central(factors[m].im, e, h, f), result.dFactors()[m].im[e], 1e-7,
                        "factor " + m + " entry " + e + " (imaginary)");
            }
        }
    }

    private static double loss(LearnedButterfly butterfly, double[][] u, double[] k, double[][] dy) {
        double[][] y = butterfly.convolve(u, k);
        double sum = 0;
        for (int r = 0; r < y.length; r++) {
            for (int t = 0; t < y[r].length; t++) sum += dy[r][t] * y[r][t];
        }
        return sum;
    }

    @Test
    void rejectsSequencesThatWouldWrapAround() {
        LearnedButterfly butterfly = LearnedButterfly.dft(4, 4);
        assertThrows(IllegalArgumentException.class, () -> butterfly.convolve(new double[][] {new double[10]}, new double[10]));
        assertThrows(IllegalArgumentException.class, () -> LearnedButterfly.dft(0, 4));
    }
}
