package io.flashbutterfly.backend.cpu;

import java.util.Arrays;

/**
 * The DFT as a product of small dense DFT matrices and twiddles (the Monarch / butterfly form of
 * shared/design/monarch-fft.md), in float64: the reference each level of the FlashButterfly
 * kernels is checked against. For N = N1 * N2 (N2 itself factored further, recursively):
 * <ol>
 *   <li>view x as an N2 x N1 matrix M[n2][n1] = x[n1 + N1 n2] and transform each column (size N2);</li>
 *   <li>multiply A[k2][n1] by the twiddle w_N^(n1 k2);</li>
 *   <li>transform each row with the dense N1-point DFT: Y[k2][k1] = X[k2 + N2 k1].</li>
 * </ol>
 * The spectrum comes out permuted ({@link #order()} says which frequency sits where); the inverse
 * undoes the steps in reverse with conjugates and returns natural order, so a convolution never
 * needs the permutation: multiply two spectra of the same factorisation position by position.
 */
public final class MonarchFft {
    private final int[] factors;
    private final int size;
    private final int[] order;

    /**
     * @param factors N1, N2, ...: the first is the innermost (rightmost) factor; their product is N
     */
    public MonarchFft(int... factors) {
        if (factors.length == 0) throw new IllegalArgumentException("at least one factor");
        int n = 1;
        for (int f : factors) {
            if (f < 1) throw new IllegalArgumentException("factors must be >= 1, got " + Arrays.toString(factors));
            n = Math.multiplyExact(n, f);
        }
        this.factors = factors.clone();
        this.size = n;
        this.order = orderOf(this.factors, 0);
    }

    /** N. */
    public int size() { return size; }

    /** order()[p] is the frequency whose coefficient {@link #forward} leaves at position p. */
    public int[] order() { return order.clone(); }

    /** The spectrum of (re, im), in place, in the permuted order of {@link #order()}. */
    public void forward(double[] re, double[] im) {
        check(re, im);
        transform(re, im, 0, false);
    }

    /** The unscaled inverse (N times the inverse DFT) of a spectrum in permuted order, in place, natural order out. */
    public void inverse(double[] re, double[] im) {
        check(re, im);
        transform(re, im, 0, true);
    }

    private void check(double[] re, double[] im) {
        if (re.length != size || im.length != size) {
            throw new IllegalArgumentException("expected " + size + " values, got " + re.length + " and " + im.length);
        }
    }

    private static int[] orderOf(int[] factors, int level) {
        int n1 = factors[level];
        if (level == factors.length - 1) {
            int[] identity = new int[n1];
            for (int i = 0; i < n1; i++) identity[i] = i;
            return identity;
        }
        int[] inner = orderOf(factors, level + 1);
        int n2 = inner.length;
        int[] order = new int[n1 * n2];
        for (int p2 = 0; p2 < n2; p2++) {
            for (int k1 = 0; k1 < n1; k1++) order[p2 * n1 + k1] = inner[p2] + n2 * k1;
        }
        return order;
    }

    /** Forward or unscaled inverse of the sub-transform made of factors[level..]. */
    private void transform(double[] re, double[] im, int level, boolean inverse) {
        int n1 = factors[level];
        int n = re.length;
        if (level == factors.length - 1) {
            denseDft(re, im, 0, n, inverse);
            return;
        }
        int n2 = n / n1;
        int[] inner = orderOf(factors, level + 1);
        double sign = inverse ? 1 : -1;
        if (inverse) {
            for (int p2 = 0; p2 < n2; p2++) denseDft(re, im, p2 * n1, n1, true); // rows: conj(F_N1)
            twiddle(re, im, n1, n2, inner, sign);
            columns(re, im, n1, n2, level, true);
        } else {
            columns(re, im, n1, n2, level, false);
            twiddle(re, im, n1, n2, inner, sign);
            for (int p2 = 0; p2 < n2; p2++) denseDft(re, im, p2 * n1, n1, false); // rows: F_N1
        }
    }

    /** Each column n1 of the N2 x N1 view through the sub-transform of the next level. */
    private void columns(double[] re, double[] im, int n1, int n2, int level, boolean inverse) {
        double[] cr = new double[n2];
        double[] ci = new double[n2];
        for (int c = 0; c < n1; c++) {
            for (int r = 0; r < n2; r++) {
                cr[r] = re[r * n1 + c];
                ci[r] = im[r * n1 + c];
            }
            transform(cr, ci, level + 1, inverse);
            for (int r = 0; r < n2; r++) {
                re[r * n1 + c] = cr[r];
                im[r * n1 + c] = ci[r];
            }
        }
    }

    /** A[p2][n1] *= exp(sign 2 pi i n1 k2 / N), k2 the frequency at row p2. */
    private static void twiddle(double[] re, double[] im, int n1, int n2, int[] inner, double sign) {
        int n = n1 * n2;
        for (int p2 = 0; p2 < n2; p2++) {
            for (int c = 0; c < n1; c++) {
                long e = (long) c * inner[p2] % n;
                double angle = sign * 2 * Math.PI * e / n;
                double wr = Math.cos(angle);
                double wi = Math.sin(angle);
                int at = p2 * n1 + c;
                double r = re[at] * wr - im[at] * wi;
                im[at] = re[at] * wi + im[at] * wr;
                re[at] = r;
            }
        }
    }

    /** Dense DFT (a matrix product, as on tensor cores) of the count values from offset on. */
    private static void denseDft(double[] re, double[] im, int offset, int count, boolean inverse) {
        double sign = inverse ? 1 : -1;
        double[] outRe = new double[count];
        double[] outIm = new double[count];
        for (int k = 0; k < count; k++) {
            for (int t = 0; t < count; t++) {
                double angle = sign * 2 * Math.PI * ((long) k * t % count) / count;
                double wr = Math.cos(angle);
                double wi = Math.sin(angle);
                double xr = re[offset + t];
                double xi = im[offset + t];
                outRe[k] += xr * wr - xi * wi;
                outIm[k] += xr * wi + xi * wr;
            }
        }
        for (int k = 0; k < count; k++) {
            re[offset + k] = outRe[k];
            im[offset + k] = outIm[k];
        }
    }
}
