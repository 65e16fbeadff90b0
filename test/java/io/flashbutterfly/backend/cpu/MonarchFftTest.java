package io.flashbutterfly.backend.cpu;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.flashbutterfly.testing.Seeds;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each factorisation against the float64 FFT; inverse after forward; convolution in permuted order. */
class MonarchFftTest {
    static Stream<Arguments> factorisations() {
        return Stream.of(new int[] {8}, new int[] {4, 4}, new int[] {16, 32}, new int[] {32, 16}, new int[] {8, 8, 8},
                new int[] {16, 16, 16}, new int[] {2, 3, 5}, new int[] {16, 4, 2, 8}).map(f -> Arguments.of((Object) f));
    }

    @ParameterizedTest
    @MethodSource("factorisations")
    void forwardIsThePermutedDft(int[] factors) {
        MonarchFft monarch = new MonarchFft(factors);
        int n = monarch.size();
        SplittableRandom random = new SplittableRandom(Seeds.fresh("monarch" + Arrays.toString(factors)));
        double[] re = random.doubles(n, -1, 1).toArray();
        double[] im = random.doubles(n, -1, 1).toArray();
        double[] wantRe = re.clone();
        double[] wantIm = im.clone();
        Fft.forward(wantRe, wantIm);
        monarch.forward(re, im);
        int[] order = monarch.order();
        double[] want = new double[2 * n];
        double[] got = new double[2 * n];
        for (int p = 0; p < n; p++) {
            want[2 * p] = wantRe[order[p]];
            want[2 * p + 1] = wantIm[order[p]];
            got[2 * p] = re[p];
            got[2 * p + 1] = im[p];
        }
        assertClose(got, want, 1e-12, "factors " + Arrays.toString(factors));
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        int[] identity = new int[n];
        for (int i = 0; i < n; i++) identity[i] = i;
        assertArrayEquals(identity, sorted, "order is a permutation");
    }

    @ParameterizedTest
    @MethodSource("factorisations")
    void inverseAfterForwardReturnsTheInput(int[] factors) {
        MonarchFft monarch = new MonarchFft(factors);
        int n = monarch.size();
        SplittableRandom random = new SplittableRandom(Seeds.fresh("monarch inverse" + Arrays.toString(factors)));
        double[] re = random.doubles(n, -1, 1).toArray();
        double[] im = random.doubles(n, -1, 1).toArray();
        double[] x = interleave(re, im, 1);
        monarch.forward(re, im);
        monarch.inverse(re, im);
        assertClose(interleave(re, im, n), x, 1e-12, "factors " + Arrays.toString(factors));
    }

    @ParameterizedTest
    @MethodSource("factorisations")
    void convolutionNeedsNoPermutation(int[] factors) {
        MonarchFft monarch = new MonarchFft(factors);
        int n = monarch.size();
        int length = n / 2;
        SplittableRandom random = new SplittableRandom(Seeds.fresh("monarch conv" + Arrays.toString(factors)));
        double[] u = random.doubles(length, -1, 1).toArray();
        double[] k = random.doubles(length, -1, 1).toArray();
        double[] ur = Arrays.copyOf(u, n);
        double[] ui = new double[n];
        double[] kr = Arrays.copyOf(k, n);
        double[] ki = new double[n];
        monarch.forward(ur, ui);
        monarch.forward(kr, ki);
        for (int p = 0; p < n; p++) { // the product in the permuted order
            double r = ur[p] * kr[p] - ui[p] * ki[p];
            ui[p] = ur[p] * ki[p] + ui[p] * kr[p];
            ur[p] = r;
        }
        monarch.inverse(ur, ui);
        double[] y = new double[length];
        for (int t = 0; t < length; t++) y[t] = ur[t] / n;
        double[] want = new double[length];
        for (int t = 0; t < length; t++) for (int j = 0; j <= t; j++) want[t] += k[j] * u[t - j];
        assertClose(y, want, 1e-12, "causal convolution, factors " + Arrays.toString(factors));
    }

    private static double[] interleave(double[] re, double[] im, double scale) {
        double[] out = new double[2 * re.length];
        for (int i = 0; i < re.length; i++) {
            out[2 * i] = re[i] / scale;
            out[2 * i + 1] = im[i] / scale;
        }
        return out;
    }
}
