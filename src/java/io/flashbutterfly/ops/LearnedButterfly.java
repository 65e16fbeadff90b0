package io.flashbutterfly.ops;

import java.util.SplittableRandom;

/**
 * The paper's learned butterfly, two levels, in float64 on the host: the FFT convolution of
 * {@code io.flashbutterfly.backend.cpu.MonarchFft} with N = N1 * N2 whose factor matrices are
 * parameters. Forward transform: M (N2 x N1, M[n2][n1] = x[n1 + N1 n2]), A = F2 . M, A *= T,
 * Y = A . F1. Inverse: B = Z . G1, B *= Ti, out = G2 . B, x = out / N. Initialised to the exact
 * DFT values (then equal to the fixed transform), they train by the gradients of
 * {@link #forwardBackward}: matrix-product gradients through each step. This is the float64 reference
 * of {@code io.flashbutterfly.api.LearnedButterflyConv} on every device.
 */
public final class LearnedButterfly {
    /** The six factors' places in {@link #factors()} ({@link ButterflyFactor} order). */
    private static final int F2 = ButterflyFactor.F2.ordinal(), T = ButterflyFactor.TWIDDLE.ordinal(),
            F1 = ButterflyFactor.F1.ordinal(), G1 = ButterflyFactor.INVERSE_F1.ordinal(),
            TI = ButterflyFactor.INVERSE_TWIDDLE.ordinal(), G2 = ButterflyFactor.INVERSE_F2.ordinal();

    private final int n1;
    private final int n2;
    private final ComplexMatrix[] factors;

    private LearnedButterfly(int n1, int n2, ComplexMatrix[] factors) {
        this.n1 = n1;
        this.n2 = n2;
        this.factors = factors;
    }

    /**
     * The butterfly with the given factors, in {@link ButterflyFactor} order and shapes (used as
     * they are, not copied).
     */
    public static LearnedButterfly of(int n1, int n2, ComplexMatrix... factors) {
        ButterflyFactor[] kinds = ButterflyFactor.values();
        if (factors.length != kinds.length) {
            throw new IllegalArgumentException("need " + kinds.length + " factors, got " + factors.length);
        }
        for (ButterflyFactor f : kinds) {
            ComplexMatrix m = factors[f.ordinal()];
            if (m.rows != f.rows(n1, n2) || m.cols != f.cols(n1, n2)) {
                throw new IllegalArgumentException(f + " must be " + f.rows(n1, n2) + " x " + f.cols(n1, n2) + ", got "
                        + m.rows + " x " + m.cols);
            }
        }
        return new LearnedButterfly(n1, n2, factors.clone());
    }

    /** The exact DFT factorisation of size N = n1 * n2. */
    public static LearnedButterfly dft(int n1, int n2) {
        if (n1 < 1 || n2 < 1) throw new IllegalArgumentException("factors must be >= 1, got " + n1 + ", " + n2);
        int n = Math.multiplyExact(n1, n2);
        ComplexMatrix twiddle = new ComplexMatrix(n2, n1);
        for (int k2 = 0; k2 < n2; k2++) {
            for (int c = 0; c < n1; c++) {
                double angle = -2 * Math.PI * ((long) c * k2 % n) / n;
                twiddle.set(k2, c, Math.cos(angle), Math.sin(angle));
            }
        }
        return new LearnedButterfly(n1, n2, new ComplexMatrix[] {ComplexMatrix.dft(n2, false), twiddle,
            ComplexMatrix.dft(n1, false), ComplexMatrix.dft(n1, true), twiddle.conjugate(), ComplexMatrix.dft(n2, true)});
    }

    /** A copy with N(0, scale) noise added to every factor entry (real and imaginary parts). */
    public LearnedButterfly perturbed(double scale, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ComplexMatrix[] noisy = new ComplexMatrix[factors.length];
        for (int f = 0; f < factors.length; f++) {
            noisy[f] = factors[f].copy();
            for (int i = 0; i < noisy[f].re.length; i++) {
                noisy[f].re[i] += scale * random.nextGaussian();
                noisy[f].im[i] += scale * random.nextGaussian();
            }
        }
        return new LearnedButterfly(n1, n2, noisy);
    }

    /** The FFT size N. */
    public int size() { return n1 * n2; }

    /** The parameters F2, T, F1, G1, Ti, G2 in {@link ButterflyFactor} order (live: changing them changes the transform). */
    public ComplexMatrix[] factors() { return factors.clone(); }

    /** The outputs and gradients of one call: y and du per row, dk and each factor's gradient summed over the rows. */
    public record Result(double[][] y, double[][] du, double[] dk, ComplexMatrix[] dFactors) {}

    /**
     * y = conv(u, k) for each row of u (one channel's batch), causal, each y of its row's length L;
     * needs {@code L + Lk - 1 <= N}. k is transformed once for all rows.
     */
    public double[][] convolve(double[][] u, double[] k) {
        return run(u, k, null).y();
    }

    /** y, and for output gradients dy (one per row of u) the gradients of u, k and every factor. */
    public Result forwardBackward(double[][] u, double[] k, double[][] dy) {
        if (dy.length != u.length) throw new IllegalArgumentException("need one dy per row: " + u.length + " rows");
        for (int r = 0; r < u.length; r++) {
            if (dy[r].length != u[r].length) throw new IllegalArgumentException("dy[" + r + "] must have u's length " + u[r].length);
        }
        return run(u, k, dy);
    }

    private Result run(double[][] u, double[] k, double[][] dy) {
        int n = size();
        for (double[] row : u) {
            if (row.length < 1 || k.length < 1 || k.length > row.length || row.length + k.length - 1 > n) {
                throw new IllegalArgumentException("need 1 <= Lk <= L and L + Lk - 1 <= N = " + n + "; got L = "
                        + row.length + ", Lk = " + k.length);
            }
        }
        Forward fk = new Forward(k);
        double[][] y = new double[u.length][];
        double[][] du = dy == null ? null : new double[u.length][];
        ComplexMatrix[] g = dy == null ? null : zeroGradients();
        ComplexMatrix gKernel = dy == null ? null : new ComplexMatrix(n2, n1); // k's spectrum gradient, summed over rows
        for (int r = 0; r < u.length; r++) {
            Forward fu = new Forward(u[r]);
            ComplexMatrix z = fu.y.hadamard(fk.y, false);
            ComplexMatrix b = z.times(factors[G1], false, false);
            ComplexMatrix bt = b.hadamard(factors[TI], false);
            ComplexMatrix out = factors[G2].times(bt, false, false);
            y[r] = new double[u[r].length];
            for (int t = 0; t < y[r].length; t++) y[r][t] = out.re[t] / n; // out[n2][n1] holds x[n1 + N1 n2]
            if (dy == null) continue;

            ComplexMatrix gOut = new ComplexMatrix(n2, n1);
            for (int t = 0; t < dy[r].length; t++) gOut.re[t] = dy[r][t] / n;
            g[G2].add(gOut.times(bt.adjoint(), false, false));
            ComplexMatrix gBt = factors[G2].adjoint().times(gOut, false, false);
            ComplexMatrix gB = gBt.hadamard(factors[TI], true);
            g[TI].add(gBt.hadamard(b, true));
            ComplexMatrix gZ = gB.times(factors[G1].adjoint(), false, false);
            g[G1].add(z.adjoint().times(gB, false, false));
            du[r] = fu.backward(gZ.hadamard(fk.y, true), g, u[r].length);
            gKernel.add(gZ.hadamard(fu.y, true));
        }
        if (dy == null) return new Result(y, null, null, null);
        // k's backward is linear in its spectrum gradient: once for the rows' sum
        return new Result(y, du, fk.backward(gKernel, g, k.length), g);
    }

    /** Zero gradients shaped like the factors. */
    private ComplexMatrix[] zeroGradients() {
        ComplexMatrix[] g = new ComplexMatrix[factors.length];
        for (int f = 0; f < factors.length; f++) g[f] = new ComplexMatrix(factors[f].rows, factors[f].cols);
        return g;
    }

    /** One forward transform, kept for its backward. */
    private final class Forward {
        final ComplexMatrix m;
        final ComplexMatrix a;
        final ComplexMatrix at;
        final ComplexMatrix y;

        Forward(double[] x) {
            m = new ComplexMatrix(n2, n1);
            System.arraycopy(x, 0, m.re, 0, x.length); // zero-padded to N
            a = factors[F2].times(m, false, false);
            at = a.hadamard(factors[T], false);
            y = at.times(factors[F1], false, false);
        }

        /** The input's gradient (its first length values) for gY, adding the factors' gradients to g. */
        double[] backward(ComplexMatrix gY, ComplexMatrix[] g, int length) {
            ComplexMatrix gAt = gY.times(factors[F1].adjoint(), false, false);
            g[F1].add(at.adjoint().times(gY, false, false));
            ComplexMatrix gA = gAt.hadamard(factors[T], true);
            g[T].add(gAt.hadamard(a, true));
            g[F2].add(gA.times(m.adjoint(), false, false));
            ComplexMatrix gM = factors[F2].adjoint().times(gA, false, false);
            double[] gx = new double[length];
            System.arraycopy(gM.re, 0, gx, 0, length); // real input: the real part
            return gx;
        }
    }
}
