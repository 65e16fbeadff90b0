package io.flashbutterfly.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The learned butterfly in the on-chip kernel's own factorisation, in float64 on the host: the
 * float64 reference of a learned form of {@code onchip_conv_real} (cuda/src/onchip_kernels.cuh),
 * where the 16 x 16 matrices of the transform's radix-16 levels are parameters.
 *
 * <p>A real row u of the FFT size N (zero-padded) is packed as n = N/2 complex values
 * z[j] = u[2j] + i u[2j+1] and transformed by the kernel's Stockham passes ({@link #schedule}):
 * pass of radix R at span ns, column j (k = j mod ns) reads v_s = x[j + s n/R] W_(R ns)^(s k) and
 * writes X_p to x[(j - k) R + k + p ns]. A pass of 256 or 128 runs two levels, V[a][b] = v[m a + b]
 * (m = 16 or 8): U = P1 V, U[c][b] *= W_R^(b c), X[c + 16 d] = sum_b P2[d][b] U[c][b]; a pass of 16
 * one, X = P v; passes of 2, 4 or 8 (the last, in fp32 on the GPU) are the fixed DFT. Learned:
 * every 16 x 16 P (P2 of a 128 pass is the fixed 8-point DFT), one list for the forward
 * transform and one for the inverse, starting at the DFT and its conjugate. Twiddles are fixed.
 * The kernel spectrum K (n + 1 bins) is k's transform split into the bins of a real N-point
 * transform, divided by N; the product and the inverse transform follow the kernel's one-row
 * convolution, so at the DFT values y is the causal convolution of u and k.
 *
 * <p>Gradients follow PyTorch's convention for a real loss (of a complex value z: dL/dRe z + i dL/dIm z).
 */
public final class StockhamButterfly {
    private static final int LEVEL_SIZE = 16;

    private final int n;
    private final int[] passBits;
    private final int[] spans;       // each pass's span ns
    private final int[] firstLevels; // each pass's first learned matrix
    private final ComplexMatrix[] forward;
    private final ComplexMatrix[] inverse;

    private StockhamButterfly(int n, ComplexMatrix[] forward, ComplexMatrix[] inverse) {
        this.n = n;
        this.passBits = schedule(n);
        this.spans = new int[passBits.length];
        this.firstLevels = new int[passBits.length];
        for (int p = 0, ns = 1, level = 0; p < passBits.length; p++) {
            spans[p] = ns;
            firstLevels[p] = level;
            ns <<= passBits[p];
            level += learnedIn(passBits[p]);
        }
        this.forward = forward;
        this.inverse = inverse;
    }

    /**
     * The bits of each pass's radix for n complex values, as the kernel runs them (pass_bits):
     * 7 (16 x 8) where the bits left are 7, 11 or 14, else 8 (16 x 16) while 8 or more are left,
     * then 4, then the rest. Where 5 are left the kernel runs the 4 and the 1 as one fused
     * radix-32 pass: the same map.
     */
    public static int[] schedule(int n) {
        if (n < 2 || Integer.bitCount(n) != 1) throw new IllegalArgumentException("n must be a power of two >= 2, got " + n);
        int bits = Integer.numberOfTrailingZeros(n);
        List<Integer> passes = new ArrayList<>();
        for (int done = 0; done < bits;) {
            int left = bits - done;
            int pass = left == 7 || left == 11 || left == 14 ? 7 : left >= 8 ? 8 : Math.min(left, 4);
            passes.add(pass);
            done += pass;
        }
        return passes.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The learned 16 x 16 matrices of one transform of n values. */
    public static int learnedLevels(int n) {
        int levels = 0;
        for (int bits : schedule(n)) levels += learnedIn(bits);
        return levels;
    }

    private static int learnedIn(int passBits) {
        return passBits == 8 ? 2 : passBits == 7 || passBits == 4 ? 1 : 0;
    }

    /** The exact transform for FFT size N (a power of two >= 4): y is the causal convolution. */
    public static StockhamButterfly dft(int fftSize) {
        if (fftSize < 4 || Integer.bitCount(fftSize) != 1) {
            throw new IllegalArgumentException("FFT size must be a power of two >= 4, got " + fftSize);
        }
        int levels = learnedLevels(fftSize / 2);
        ComplexMatrix[] f = new ComplexMatrix[levels];
        ComplexMatrix[] g = new ComplexMatrix[levels];
        for (int i = 0; i < levels; i++) {
            f[i] = ComplexMatrix.dft(LEVEL_SIZE, false);
            g[i] = ComplexMatrix.dft(LEVEL_SIZE, true);
        }
        return new StockhamButterfly(fftSize / 2, f, g);
    }

    /**
     * The transform for FFT size N with the given learned matrices ({@link #learnedLevels} of
     * N/2 each, 16 x 16, in the order the passes use them), kept live.
     */
    public static StockhamButterfly of(int fftSize, ComplexMatrix[] forward, ComplexMatrix[] inverse) {
        int levels = dft(fftSize).forward.length;
        for (ComplexMatrix[] direction : new ComplexMatrix[][] {forward, inverse}) {
            if (direction.length != levels) {
                throw new IllegalArgumentException("N = " + fftSize + " takes " + levels + " matrices per direction, got "
                        + direction.length);
            }
            for (ComplexMatrix m : direction) {
                if (m.rows != LEVEL_SIZE || m.cols != LEVEL_SIZE) {
                    throw new IllegalArgumentException("learned matrices are 16 x 16, got " + m.rows + " x " + m.cols);
                }
            }
        }
        return new StockhamButterfly(fftSize / 2, forward.clone(), inverse.clone());
    }

    /** A copy with N(0, scale) noise added to every learned entry (real and imaginary parts). */
    public StockhamButterfly perturbed(double scale, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ComplexMatrix[] f = new ComplexMatrix[forward.length];
        ComplexMatrix[] g = new ComplexMatrix[inverse.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = noisy(forward[i], scale, random);
            g[i] = noisy(inverse[i], scale, random);
        }
        return new StockhamButterfly(n, f, g);
    }

    private static ComplexMatrix noisy(ComplexMatrix m, double scale, SplittableRandom random) {
        ComplexMatrix c = m.copy();
        for (int e = 0; e < c.re.length; e++) {
            c.re[e] += scale * random.nextGaussian();
            c.im[e] += scale * random.nextGaussian();
        }
        return c;
    }

    /** The FFT size N. */
    public int fftSize() { return 2 * n; }

    /** The forward transform's learned matrices, in the order the passes use them (live). */
    public ComplexMatrix[] forwardFactors() { return forward.clone(); }

    /** The inverse transform's learned matrices (live). */
    public ComplexMatrix[] inverseFactors() { return inverse.clone(); }

    /** y and du per row of u, dk and the learned matrices' gradients summed over the rows. */
    public record Result(double[][] y, double[][] du, double[] dk, ComplexMatrix[] dForward, ComplexMatrix[] dInverse) {}

    /** y = conv(u, k) for each row of u (one channel's batch); needs {@code L + Lk - 1 <= N}. */
    public double[][] convolve(double[][] u, double[] k) {
        return run(u, k, null).y();
    }

    /** y, and for output gradients dy (one per row of u) the gradients of u, k and every learned matrix. */
    public Result forwardBackward(double[][] u, double[] k, double[][] dy) {
        if (dy.length != u.length) throw new IllegalArgumentException("need one dy per row: " + u.length + " rows");
        for (int r = 0; r < u.length; r++) {
            if (dy[r].length != u[r].length) throw new IllegalArgumentException("dy[" + r + "] must have u's length");
        }
        return run(u, k, dy);
    }

    private Result run(double[][] u, double[] k, double[][] dy) {
        for (double[] row : u) {
            if (row.length < 1 || k.length < 1 || k.length > row.length || row.length + k.length - 1 > 2 * n) {
                throw new IllegalArgumentException("need 1 <= Lk <= L and L + Lk - 1 <= N = " + 2 * n + "; got L = "
                        + row.length + ", Lk = " + k.length);
            }
        }
        Transform kt = new Transform(pack(k), forward, false);
        Values spectrum = split(kt.out);
        double[][] y = new double[u.length][];
        double[][] du = dy == null ? null : new double[u.length][];
        ComplexMatrix[] dForward = dy == null ? null : zeros(forward.length);
        ComplexMatrix[] dInverse = dy == null ? null : zeros(inverse.length);
        Values dSpectrum = dy == null ? null : new Values(n + 1);
        for (int r = 0; r < u.length; r++) {
            Transform ut = new Transform(pack(u[r]), forward, false);
            Transform qt = new Transform(product(ut.out, spectrum, null, null), inverse, true);
            y[r] = unpack(qt.out, u[r].length);
            if (dy == null) continue;
            Values dq = qt.backward(pack(dy[r]), dInverse);
            Values dz = product(ut.out, spectrum, dq, dSpectrum);
            du[r] = unpack(ut.backward(dz, dForward), u[r].length);
        }
        if (dy == null) return new Result(y, null, null, null, null);
        double[] dk = unpack(kt.backward(splitBackward(dSpectrum), dForward), k.length);
        return new Result(y, du, dk, dForward, dInverse);
    }

    private static ComplexMatrix[] zeros(int count) {
        ComplexMatrix[] m = new ComplexMatrix[count];
        for (int i = 0; i < count; i++) m[i] = new ComplexMatrix(LEVEL_SIZE, LEVEL_SIZE);
        return m;
    }

    /** Complex values, split parts. */
    private record Values(double[] re, double[] im) {
        Values(int size) {
            this(new double[size], new double[size]);
        }
    }

    /** x[j] = u[2j] + i u[2j+1], zero past u's length (the gradient of {@link #unpack} too). */
    private Values pack(double[] u) {
        Values x = new Values(n);
        for (int t = 0; t < u.length; t++) {
            if (t % 2 == 0) x.re[t / 2] = u[t];
            else x.im[t / 2] = u[t];
        }
        return x;
    }

    /** The first length reals of x read as y[2j] + i y[2j+1] (the gradient of {@link #pack} too). */
    private static double[] unpack(Values x, int length) {
        double[] y = new double[length];
        for (int t = 0; t < length; t++) y[t] = t % 2 == 0 ? x.re[t / 2] : x.im[t / 2];
        return y;
    }

    /** exp(-+2 pi i m / period). */
    private static double[] root(long m, long period, boolean inverse) {
        double angle = (inverse ? 2 : -2) * Math.PI * (m % period) / period;
        return new double[] {Math.cos(angle), Math.sin(angle)};
    }

    /** One transform of n values through the passes, each pass's input kept for the backward. */
    private final class Transform {
        final boolean inverseDirection;
        final ComplexMatrix[] learned;
        final List<Values> inputs = new ArrayList<>();
        final Values out;

        Transform(Values x, ComplexMatrix[] learned, boolean inverseDirection) {
            this.learned = learned;
            this.inverseDirection = inverseDirection;
            for (int p = 0; p < passBits.length; p++) {
                inputs.add(x);
                x = pass(x, passBits[p], spans[p], firstLevels[p], null, null);
            }
            out = x;
        }

        /** The input's gradient for the output's gradient g, adding the learned matrices' gradients to dLearned. */
        Values backward(Values g, ComplexMatrix[] dLearned) {
            for (int p = passBits.length - 1; p >= 0; p--) {
                g = pass(inputs.get(p), passBits[p], spans[p], firstLevels[p], g, dLearned);
            }
            return g;
        }

        /**
         * One pass over x; with gOut (the output's gradient) its backward instead: returns the
         * input's gradient and adds the pass's matrices' gradients to dLearned.
         */
        private Values pass(Values x, int bits, int ns, int level, Values gOut, ComplexMatrix[] dLearned) {
            int radix = 1 << bits;
            int count = n / radix;
            Values out = new Values(n);
            for (int j = 0; j < count; j++) {
                int k = j & (ns - 1);
                ComplexMatrix v = new ComplexMatrix(radix, 1);
                for (int s = 0; s < radix; s++) {
                    double[] w = root((long) s * k, (long) radix * ns, inverseDirection);
                    double re = x.re[j + s * count];
                    double im = x.im[j + s * count];
                    v.set(s, 0, re * w[0] - im * w[1], re * w[1] + im * w[0]);
                }
                if (gOut == null) {
                    ComplexMatrix result = apply(v, bits, level);
                    for (int p = 0; p < radix; p++) {
                        int at = (j - k) * radix + k + p * ns;
                        out.re[at] = result.re[p];
                        out.im[at] = result.im[p];
                    }
                } else {
                    ComplexMatrix gX = new ComplexMatrix(radix, 1);
                    for (int p = 0; p < radix; p++) {
                        int at = (j - k) * radix + k + p * ns;
                        gX.set(p, 0, gOut.re[at], gOut.im[at]);
                    }
                    ComplexMatrix gv = applyBackward(v, gX, bits, level, dLearned);
                    for (int s = 0; s < radix; s++) {
                        double[] w = root((long) s * k, (long) radix * ns, inverseDirection);
                        double re = gv.re[s];
                        double im = gv.im[s];
                        out.re[j + s * count] = re * w[0] + im * w[1]; // times conj(w)
                        out.im[j + s * count] = im * w[0] - re * w[1];
                    }
                }
            }
            return out;
        }

        /** X for one column v (radix x 1). */
        private ComplexMatrix apply(ComplexMatrix v, int bits, int level) {
            if (bits < 7) return (bits == 4 ? learned[level] : fixedDft(1 << bits)).times(v, false, false);
            int m = 1 << (bits - 4);
            ComplexMatrix u = learned[level].times(columns(v, m), false, false).hadamard(innerTwiddles(m), false);
            return rows(u.times(second(level, m).transpose(), false, false));
        }

        /** The backward of {@link #apply}: v's gradient for X's gradient gX. */
        private ComplexMatrix applyBackward(ComplexMatrix v, ComplexMatrix gX, int bits, int level,
                                            ComplexMatrix[] dLearned) {
            if (bits < 7) {
                ComplexMatrix p = bits == 4 ? learned[level] : fixedDft(1 << bits);
                if (bits == 4) dLearned[level].add(gX.times(v.adjoint(), false, false));
                return p.adjoint().times(gX, false, false);
            }
            int m = 1 << (bits - 4);
            ComplexMatrix vm = columns(v, m);
            ComplexMatrix twiddles = innerTwiddles(m);
            ComplexMatrix ut = learned[level].times(vm, false, false).hadamard(twiddles, false);
            ComplexMatrix gXm = unrows(gX, m);                                   // X = Ut . P2^T
            ComplexMatrix gUt = gXm.times(second(level, m), false, true);       // gX . conj(P2)
            if (m == LEVEL_SIZE) dLearned[level + 1].add(ut.adjoint().times(gXm, false, false).transpose());
            ComplexMatrix gU = gUt.hadamard(twiddles, true);
            dLearned[level].add(gU.times(vm.adjoint(), false, false));
            return flatten(learned[level].adjoint().times(gU, false, false));
        }

        private ComplexMatrix second(int level, int m) {
            return m == LEVEL_SIZE ? learned[level + 1] : fixedDft(m);
        }

        private ComplexMatrix fixedDft(int size) {
            return ComplexMatrix.dft(size, inverseDirection);
        }

        /** W_R^(b c) at (c, b), R = 16 m. */
        private ComplexMatrix innerTwiddles(int m) {
            ComplexMatrix t = new ComplexMatrix(LEVEL_SIZE, m);
            for (int c = 0; c < LEVEL_SIZE; c++) {
                for (int b = 0; b < m; b++) {
                    double[] w = root((long) b * c, (long) LEVEL_SIZE * m, inverseDirection);
                    t.set(c, b, w[0], w[1]);
                }
            }
            return t;
        }
    }

    /** V[a][b] = v[m a + b] (16 x m). */
    private static ComplexMatrix columns(ComplexMatrix v, int m) {
        ComplexMatrix out = new ComplexMatrix(LEVEL_SIZE, m);
        System.arraycopy(v.re, 0, out.re, 0, v.re.length);
        System.arraycopy(v.im, 0, out.im, 0, v.im.length);
        return out;
    }

    /** The inverse of {@link #columns}. */
    private static ComplexMatrix flatten(ComplexMatrix vm) {
        ComplexMatrix v = new ComplexMatrix(vm.re.length, 1);
        System.arraycopy(vm.re, 0, v.re, 0, vm.re.length);
        System.arraycopy(vm.im, 0, v.im, 0, vm.im.length);
        return v;
    }

    /** X[c + 16 d] from the 16 x m matrix X[c][d]. */
    private static ComplexMatrix rows(ComplexMatrix x) {
        ComplexMatrix out = new ComplexMatrix(x.re.length, 1);
        for (int c = 0; c < x.rows; c++) {
            for (int d = 0; d < x.cols; d++) out.set(c + LEVEL_SIZE * d, 0, x.re[c * x.cols + d], x.im[c * x.cols + d]);
        }
        return out;
    }

    /** The inverse of {@link #rows}. */
    private static ComplexMatrix unrows(ComplexMatrix x, int m) {
        ComplexMatrix out = new ComplexMatrix(LEVEL_SIZE, m);
        for (int c = 0; c < LEVEL_SIZE; c++) {
            for (int d = 0; d < m; d++) out.set(c, d, x.re[c + LEVEL_SIZE * d], x.im[c + LEVEL_SIZE * d]);
        }
        return out;
    }

    /**
     * The spectrum from k's transform z: bins f = 0..n of the real N-point transform,
     * K[f] = (E + W_N^f O) / N with E = (z[f] + conj z[n-f]) / 2, O = (z[f] - conj z[n-f]) / 2i.
     */
    private Values split(Values z) {
        Values spectrum = new Values(n + 1);
        for (int f = 0; f <= n; f++) {
            int a = f % n;
            int b = (n - f) % n;
            double eRe = 0.5 * (z.re[a] + z.re[b]);
            double eIm = 0.5 * (z.im[a] - z.im[b]);
            double oRe = 0.5 * (z.im[a] + z.im[b]);  // (z[f] - conj z[n-f]) / 2i
            double oIm = -0.5 * (z.re[a] - z.re[b]);
            double[] w = root(f, 2L * n, false);
            spectrum.re[f] = (eRe + w[0] * oRe - w[1] * oIm) / (2 * n);
            spectrum.im[f] = (eIm + w[0] * oIm + w[1] * oRe) / (2 * n);
        }
        return spectrum;
    }

    /** The backward of {@link #split}: z's gradient for the spectrum's gradient g. */
    private Values splitBackward(Values g) {
        Values gz = new Values(n);
        for (int f = 0; f <= n; f++) {
            int a = f % n;
            int b = (n - f) % n;
            double[] w = root(f, 2L * n, false);
            double eRe = g.re[f] / (2 * n);
            double eIm = g.im[f] / (2 * n);
            double oRe = (w[0] * g.re[f] + w[1] * g.im[f]) / (2 * n); // conj(w) g / N
            double oIm = (w[0] * g.im[f] - w[1] * g.re[f]) / (2 * n);
            // E = (z[a] + conj z[b]) / 2: a gets gE / 2, b gets conj(gE) / 2;
            // O = -i/2 z[a] + i/2 conj z[b]: a gets (i/2) gO, b gets (i/2) conj(gO)
            gz.re[a] += 0.5 * eRe - 0.5 * oIm;
            gz.im[a] += 0.5 * eIm + 0.5 * oRe;
            gz.re[b] += 0.5 * eRe + 0.5 * oIm;
            gz.im[b] += -0.5 * eIm + 0.5 * oRe;
        }
        return gz;
    }

    /**
     * The kernel's product step (real_row_products, one row): from the transform z of a packed
     * real row and the spectrum, the values whose inverse transform is the packed convolution.
     * With g (those values' gradient): z's gradient instead, the spectrum's added to gSpectrum.
     */
    private Values product(Values z, Values spectrum, Values g, Values gSpectrum) {
        Values out = new Values(n);
        for (int f = 0; f <= n / 2; f++) {
            int fp = (n - f) & (n - 1);
            double[] w = root(f, 2L * n, false);
            double[] zi = {z.re[f], z.im[f]};
            double[] zp = {z.re[fp], z.im[fp]};
            double[] kLo = {spectrum.re[f], spectrum.im[f]};
            double[] kHi = {spectrum.re[n - f], spectrum.im[n - f]};
            double[] partnerRoot = {-w[0], w[1]};  // W_N^(N/2 - f) = -conj(W_N^f)
            if (g == null) {
                store(out, f, binProduct(zi, zp, w, kLo, f == 0 ? kHi : conj(kHi)));
                if (fp != f) store(out, fp, binProduct(zp, zi, partnerRoot, kHi, conj(kLo)));
                continue;
            }
            double[][] d = binProductBackward(zi, zp, w, kLo, f == 0 ? kHi : conj(kHi), new double[] {g.re[f], g.im[f]});
            add(out, f, d[0]);
            add(out, fp, d[1]);
            add(gSpectrum, f, d[2]);
            add(gSpectrum, n - f, f == 0 ? d[3] : conj(d[3]));
            if (fp != f) {
                d = binProductBackward(zp, zi, partnerRoot, kHi, conj(kLo), new double[] {g.re[fp], g.im[fp]});
                add(out, fp, d[0]);
                add(out, f, d[1]);
                add(gSpectrum, n - f, d[2]);
                add(gSpectrum, f, conj(d[3]));
            }
        }
        return out;
    }

    /**
     * One bin of the product (real_bin_product): e = (zk + conj zp) / 2, o = w (zk - conj zp) / 2i,
     * q = (1 + i conj w) (e + o) kLo + (1 - i conj w) (e - o) kHi.
     */
    private static double[] binProduct(double[] zk, double[] zp, double[] w, double[] kLo, double[] kHi) {
        double[] e = {0.5 * (zk[0] + zp[0]), 0.5 * (zk[1] - zp[1])};
        double[] o = mul(w, new double[] {0.5 * (zk[1] + zp[1]), -0.5 * (zk[0] - zp[0])});
        double[] lo = mul(new double[] {e[0] + o[0], e[1] + o[1]}, kLo);
        double[] hi = mul(new double[] {e[0] - o[0], e[1] - o[1]}, kHi);
        double[] alpha = {1 + w[1], w[0]};   // 1 + i conj(w)
        double[] beta = {1 - w[1], -w[0]};   // 1 - i conj(w)
        double[] a = mul(alpha, lo);
        double[] b = mul(beta, hi);
        return new double[] {a[0] + b[0], a[1] + b[1]};
    }

    /** The gradients of {@link #binProduct} for q's gradient g: of zk, zp, kLo and kHi. */
    private static double[][] binProductBackward(double[] zk, double[] zp, double[] w, double[] kLo, double[] kHi,
                                                 double[] g) {
        double[] e = {0.5 * (zk[0] + zp[0]), 0.5 * (zk[1] - zp[1])};
        double[] o = mul(w, new double[] {0.5 * (zk[1] + zp[1]), -0.5 * (zk[0] - zp[0])});
        double[] plus = {e[0] + o[0], e[1] + o[1]};
        double[] minus = {e[0] - o[0], e[1] - o[1]};
        double[] gLo = mul(conj(new double[] {1 + w[1], w[0]}), g);
        double[] gHi = mul(conj(new double[] {1 - w[1], -w[0]}), g);
        double[] gKLo = mul(conj(plus), gLo);
        double[] gKHi = mul(conj(minus), gHi);
        double[] gPlus = mul(conj(kLo), gLo);
        double[] gMinus = mul(conj(kHi), gHi);
        double[] gE = {gPlus[0] + gMinus[0], gPlus[1] + gMinus[1]};
        double[] gO = {gPlus[0] - gMinus[0], gPlus[1] - gMinus[1]};
        double[] c = {0.5 * w[1], -0.5 * w[0]};   // w / 2i
        double[] cgO = mul(conj(c), gO);
        double[] minusC = mul(new double[] {-c[0], -c[1]}, conj(gO));
        double[] gZk = {0.5 * gE[0] + cgO[0], 0.5 * gE[1] + cgO[1]};
        double[] gZp = {0.5 * gE[0] + minusC[0], -0.5 * gE[1] + minusC[1]};
        return new double[][] {gZk, gZp, gKLo, gKHi};
    }

    private static double[] mul(double[] a, double[] b) {
        return new double[] {a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]};
    }

    private static double[] conj(double[] a) {
        return new double[] {a[0], -a[1]};
    }

    private static void store(Values x, int i, double[] v) {
        x.re[i] = v[0];
        x.im[i] = v[1];
    }

    private static void add(Values x, int i, double[] v) {
        x.re[i] += v[0];
        x.im[i] += v[1];
    }
}
