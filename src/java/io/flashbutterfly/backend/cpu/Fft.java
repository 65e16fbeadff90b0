package io.flashbutterfly.backend.cpu;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Float64 discrete Fourier transforms on the CPU, the reference the GPU paths are tested against.
 * Iterative radix-2 for powers of two; Bluestein's chirp-z (through a power-of-two convolution) for
 * any other length. Forward is X[k] = sum_n x[n] exp(-2 pi i k n / N); inverse is unscaled.
 * Data are split real and imaginary arrays, transformed in place.
 */
public final class Fft {
    private Fft() {}

    /** In-place forward DFT of (re, im), any length >= 1. */
    public static void forward(double[] re, double[] im) {
        transform(re, im, false);
    }

    /** In-place unscaled inverse DFT of (re, im): forward then inverse multiplies by N. */
    public static void inverse(double[] re, double[] im) {
        transform(re, im, true);
    }

    private static void transform(double[] re, double[] im, boolean inverse) {
        if (re.length != im.length) {
            throw new IllegalArgumentException("re and im differ in length: " + re.length + " vs " + im.length);
        }
        int n = re.length;
        if (n <= 1) return;
        if (Integer.bitCount(n) == 1) {
            radix2(re, im, inverse);
        } else {
            bluestein(re, im, inverse);
        }
    }

    private static void radix2(double[] re, double[] im, boolean inverse) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) { // bit-reversal permutation
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) j ^= bit;
            j ^= bit;
            if (i < j) {
                double t = re[i]; re[i] = re[j]; re[j] = t;
                t = im[i]; im[i] = im[j]; im[j] = t;
            }
        }
        double[][] w = twiddles(n); // w[0][k], w[1][k]: cos and sin of -2 pi k / n, k < n / 2
        double sign = inverse ? -1 : 1;
        for (int len = 2; len <= n; len <<= 1) {
            int half = len >> 1;
            int step = n / len;
            for (int start = 0; start < n; start += len) {
                for (int k = 0; k < half; k++) {
                    double wr = w[0][k * step];
                    double wi = sign * w[1][k * step];
                    int a = start + k;
                    int b = a + half;
                    double tr = re[b] * wr - im[b] * wi;
                    double ti = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - tr;
                    im[b] = im[a] - ti;
                    re[a] += tr;
                    im[a] += ti;
                }
            }
        }
    }

    private static final Map<Integer, double[][]> TWIDDLES = new ConcurrentHashMap<>();

    /** The exact twiddles of a power-of-two size, computed once per size (one entry per power of two at most). */
    private static double[][] twiddles(int n) {
        return TWIDDLES.computeIfAbsent(n, size -> {
            double[][] w = new double[2][size / 2];
            for (int k = 0; k < size / 2; k++) {
                double angle = -2 * Math.PI * k / size;
                w[0][k] = Math.cos(angle);
                w[1][k] = Math.sin(angle);
            }
            return w;
        });
    }

    /** X[k] = conj(w[k]) * sum_n (x[n] conj(w[n])) w[k - n], with w[m] = exp(i pi m^2 / N) (sign flipped for inverse). */
    private static void bluestein(double[] re, double[] im, boolean inverse) {
        int n = re.length;
        int m = Integer.highestOneBit(2 * n - 1) << 1;
        double sign = inverse ? -1 : 1;
        double[] cr = new double[n];
        double[] ci = new double[n];
        for (int k = 0; k < n; k++) {
            long k2 = (long) k * k % (2L * n); // exact angle index, avoids precision loss for large k
            double angle = sign * Math.PI * k2 / n;
            cr[k] = Math.cos(angle);
            ci[k] = Math.sin(angle);
        }
        double[] ar = new double[m];
        double[] ai = new double[m];
        for (int k = 0; k < n; k++) { // a = x * conj(chirp)
            ar[k] = re[k] * cr[k] + im[k] * ci[k];
            ai[k] = im[k] * cr[k] - re[k] * ci[k];
        }
        double[] br = new double[m];
        double[] bi = new double[m];
        br[0] = cr[0];
        bi[0] = ci[0];
        for (int k = 1; k < n; k++) {
            br[k] = br[m - k] = cr[k];
            bi[k] = bi[m - k] = ci[k];
        }
        radix2(ar, ai, false);
        radix2(br, bi, false);
        for (int k = 0; k < m; k++) {
            double r = ar[k] * br[k] - ai[k] * bi[k];
            ai[k] = ar[k] * bi[k] + ai[k] * br[k];
            ar[k] = r;
        }
        radix2(ar, ai, true);
        for (int k = 0; k < n; k++) { // X = conj(chirp) * conv / m
            double r = ar[k] / m;
            double i = ai[k] / m;
            re[k] = r * cr[k] + i * ci[k];
            im[k] = i * cr[k] - r * ci[k];
        }
    }
}
