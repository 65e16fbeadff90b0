package io.flashbutterfly.ops;

/**
 * A dense complex matrix in float64 (split real and imaginary parts, row-major), with the
 * products the learned butterfly needs and their gradients, in PyTorch's convention for a real
 * loss: the gradient of a complex value z is dL/dRe(z) + i dL/dIm(z).
 */
public final class ComplexMatrix {
    final int rows;
    final int cols;
    final double[] re;
    final double[] im;

    /** A rows x cols matrix of zeros. */
    public ComplexMatrix(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
        this.re = new double[rows * cols];
        this.im = new double[rows * cols];
    }

    /** The n-point DFT matrix, F[k][t] = exp(sign 2 pi i k t / n). */
    public static ComplexMatrix dft(int n, boolean inverse) {
        ComplexMatrix f = new ComplexMatrix(n, n);
        double sign = inverse ? 1 : -1;
        for (int k = 0; k < n; k++) {
            for (int t = 0; t < n; t++) {
                double angle = sign * 2 * Math.PI * ((long) k * t % n) / n;
                f.re[k * n + t] = Math.cos(angle);
                f.im[k * n + t] = Math.sin(angle);
            }
        }
        return f;
    }

    /** A rows x cols matrix read from interleaved (re, im) pairs at values[offset]. */
    public static ComplexMatrix fromInterleaved(int rows, int cols, double[] values, int offset) {
        ComplexMatrix m = new ComplexMatrix(rows, cols);
        for (int e = 0; e < m.re.length; e++) {
            m.re[e] = values[offset + 2 * e];
            m.im[e] = values[offset + 2 * e + 1];
        }
        return m;
    }

    /** Adds this matrix, as interleaved (re, im) pairs, to values[offset...]. */
    public void addInterleavedTo(double[] values, int offset) {
        for (int e = 0; e < re.length; e++) {
            values[offset + 2 * e] += re[e];
            values[offset + 2 * e + 1] += im[e];
        }
    }

    /** Sets element (r, c). */
    public void set(int r, int c, double real, double imaginary) {
        re[r * cols + c] = real;
        im[r * cols + c] = imaginary;
    }

    /** A copy. */
    public ComplexMatrix copy() {
        ComplexMatrix m = new ComplexMatrix(rows, cols);
        System.arraycopy(re, 0, m.re, 0, re.length);
        System.arraycopy(im, 0, m.im, 0, im.length);
        return m;
    }

    /** this . b, with conjugated operands on request. */
    ComplexMatrix times(ComplexMatrix b, boolean conjugateThis, boolean conjugateB) {
        if (cols != b.rows) throw new IllegalArgumentException(rows + "x" + cols + " . " + b.rows + "x" + b.cols);
        ComplexMatrix c = new ComplexMatrix(rows, b.cols);
        double sa = conjugateThis ? -1 : 1;
        double sb = conjugateB ? -1 : 1;
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                double ar = re[i * cols + k];
                double ai = sa * im[i * cols + k];
                for (int j = 0; j < b.cols; j++) {
                    double br = b.re[k * b.cols + j];
                    double bi = sb * b.im[k * b.cols + j];
                    c.re[i * b.cols + j] += ar * br - ai * bi;
                    c.im[i * b.cols + j] += ar * bi + ai * br;
                }
            }
        }
        return c;
    }

    /** The element-wise conjugate. */
    ComplexMatrix conjugate() {
        ComplexMatrix c = copy();
        for (int i = 0; i < c.im.length; i++) c.im[i] = -c.im[i];
        return c;
    }

    /** The conjugate transpose. */
    ComplexMatrix adjoint() {
        ComplexMatrix t = new ComplexMatrix(cols, rows);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t.re[j * rows + i] = re[i * cols + j];
                t.im[j * rows + i] = -im[i * cols + j];
            }
        }
        return t;
    }

    /** The transpose. */
    ComplexMatrix transpose() {
        ComplexMatrix t = new ComplexMatrix(cols, rows);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t.re[j * rows + i] = re[i * cols + j];
                t.im[j * rows + i] = im[i * cols + j];
            }
        }
        return t;
    }

    /** Element-wise product, with the second operand conjugated on request. */
    ComplexMatrix hadamard(ComplexMatrix b, boolean conjugateB) {
        ComplexMatrix c = new ComplexMatrix(rows, cols);
        double sb = conjugateB ? -1 : 1;
        for (int i = 0; i < re.length; i++) {
            double bi = sb * b.im[i];
            c.re[i] = re[i] * b.re[i] - im[i] * bi;
            c.im[i] = re[i] * bi + im[i] * b.re[i];
        }
        return c;
    }

    /** this += b. */
    public void add(ComplexMatrix b) {
        for (int i = 0; i < re.length; i++) {
            re[i] += b.re[i];
            im[i] += b.im[i];
        }
    }
}
