package io.flashbutterfly.backend.cpu;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashbutterfly.testing.Seeds;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FftTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 7, 8, 16, 100, 255, 256, 372, 1000, 1024})
    void matchesTheDefinition(int n) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("fft" + n));
        double[] re = random.doubles(n, -1, 1).toArray();
        double[] im = random.doubles(n, -1, 1).toArray();
        double[] er = new double[n];
        double[] ei = new double[n];
        for (int k = 0; k < n; k++) {
            for (int t = 0; t < n; t++) {
                double angle = -2 * Math.PI * ((long) k * t % n) / n;
                er[k] += re[t] * Math.cos(angle) - im[t] * Math.sin(angle);
                ei[k] += re[t] * Math.sin(angle) + im[t] * Math.cos(angle);
            }
        }
        Fft.forward(re, im);
        assertClose(interleave(re, im), interleave(er, ei), 1e-12, "DFT of size " + n);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 6, 7, 64, 1134, 4096, 65536, 65537})
    void inverseUndoesForwardUpToN(int n) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("ifft" + n));
        double[] re = random.doubles(n, -1, 1).toArray();
        double[] im = random.doubles(n, -1, 1).toArray();
        double[] x = interleave(re, im);
        Fft.forward(re, im);
        Fft.inverse(re, im);
        for (int i = 0; i < n; i++) { re[i] /= n; im[i] /= n; }
        assertClose(interleave(re, im), x, 1e-12, "inverse(forward(x)) / n, size " + n);
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 9})
    void impulseHasAFlatSpectrum(int n) {
        double[] re = new double[n];
        double[] im = new double[n];
        re[0] = 1;
        Fft.forward(re, im);
        for (int k = 0; k < n; k++) {
            assertEquals(1, re[k], 1e-12);
            assertEquals(0, im[k], 1e-12);
        }
    }

    static double[] interleave(double[] re, double[] im) {
        double[] out = new double[2 * re.length];
        for (int i = 0; i < re.length; i++) { out[2 * i] = re[i]; out[2 * i + 1] = im[i]; }
        return out;
    }
}
