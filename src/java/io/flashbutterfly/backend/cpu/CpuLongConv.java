package io.flashbutterfly.backend.cpu;

import io.flashbutterfly.backend.ConvBackend;
import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.ops.KernelRegularizer;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.stream.IntStream;

/**
 * The FFT long convolution on the CPU, in float64 whatever the tensors' dtype, rows in parallel.
 * With FP64 outputs it is the reference every GPU path is tested against. Streams are ignored:
 * every call completes before it returns.
 */
public final class CpuLongConv implements ConvBackend {
    /** The one instance (the backend holds no state). */
    public static final CpuLongConv INSTANCE = new CpuLongConv();

    private CpuLongConv() {}

    /** Powers of two: {@link Fft}'s fast case. */
    @Override
    public long fastFftSize(long minimum) {
        return ConvGeometry.powerOfTwoAtLeast(minimum);
    }

    @Override
    public Tensor emptySpectrum(Arena owner, Device device, long channels, ConvGeometry g) {
        return Tensor.empty(owner, Device.CPU, DType.FP64, Shape.of(channels, g.bins(), 2));
    }

    @Override
    public void updateSpectrum(Tensor spectrum, Tensor taps, Tensor k, ConvGeometry g, Stream stream) {
        updateSpectrum(spectrum, k.toDoubleArray(), Math.toIntExact(k.shape().dim(0)), g);
    }

    @Override
    public void updateSpectrum(Tensor spectrum, Tensor taps, Tensor weights, KernelRegularization regularization,
                               long seed, ConvGeometry g, Stream stream) {
        double[] k = KernelRegularizer.forward(weights.toDoubleArray(), Math.toIntExact(g.taps()), regularization,
                true, seed).kernel();
        updateSpectrum(spectrum, k, Math.toIntExact(weights.shape().dim(0)), g);
    }

    private static void updateSpectrum(Tensor spectrum, double[] kv, int channels, ConvGeometry g) {
        int taps = Math.toIntExact(g.taps());
        int n = Math.toIntExact(g.fftSize());
        int bins = Math.toIntExact(g.bins());
        double[] out = new double[channels * bins * 2];
        IntStream.range(0, channels).parallel().forEach(h -> {
            double[] re = new double[n];
            double[] im = new double[n];
            for (int j = 0; j < taps; j++) re[(int) g.tapPosition(j)] = kv[h * taps + j] / n;
            Fft.forward(re, im);
            for (int f = 0; f < bins; f++) {
                out[(h * bins + f) * 2] = re[f];
                out[(h * bins + f) * 2 + 1] = im[f];
            }
        });
        spectrum.copyFrom(out);
    }

    @Override
    public void forward(Tensor u, Tensor spectrum, Tensor taps, ConvGeometry g, Tensor d, Tensor pre, Tensor post,
                        Tensor y, Stream stream) {
        Rows rows = new Rows(u, g);
        double[] vv = u.toDoubleArray(); // u, then v = pre * u row by row
        double[] prev = pre == null ? null : pre.toDoubleArray();
        double[] postv = post == null ? null : post.toDoubleArray();
        double[] kv = spectrum.toDoubleArray();
        double[] dv = d == null ? null : d.toDoubleArray();
        double[] yv = new double[vv.length];
        IntStream.range(0, rows.count).parallel().forEach(r -> {
            int h = r % rows.channels;
            int first = r * rows.length;
            if (prev != null) for (int i = first; i < first + rows.length; i++) vv[i] *= prev[i];
            double[][] x = rows.transform(vv, r);
            multiply(x, kv, h, rows, false);
            Fft.inverse(x[0], x[1]);
            double skip = dv == null ? 0 : dv[h];
            for (int t = 0; t < rows.length; t++) {
                int i = first + t;
                yv[i] = (x[0][t] + skip * vv[i]) * (postv == null ? 1 : postv[i]);
            }
        });
        y.copyFrom(yv);
    }

    @Override
    public void multiply(Tensor a, Tensor b, Tensor out, Stream stream) {
        double[] av = a.toDoubleArray();
        double[] bv = b.toDoubleArray();
        IntStream.range(0, av.length).parallel().forEach(i -> av[i] *= bv[i]);
        out.copyFrom(av);
    }

    @Override
    public void skipGradient(Tensor dy, Tensor u, Tensor pre, Tensor post, Tensor dd, Stream stream) {
        double[] product = dy.toDoubleArray();
        for (Tensor factor : new Tensor[] {u, pre, post}) {
            if (factor == null) continue;
            double[] f = factor.toDoubleArray();
            IntStream.range(0, product.length).parallel().forEach(i -> product[i] *= f[i]);
        }
        int batch = Math.toIntExact(u.shape().dim(0));
        int channels = Math.toIntExact(u.shape().dim(1));
        int length = Math.toIntExact(u.shape().dim(2));
        double[] ddv = new double[channels];
        IntStream.range(0, channels).parallel().forEach(h -> {
            double sum = 0;
            for (int b = 0; b < batch; b++) {
                int first = (b * channels + h) * length;
                for (int t = 0; t < length; t++) sum += product[first + t];
            }
            ddv[h] = sum;
        });
        dd.copyFrom(ddv);
    }

    @Override
    public void backward(Tensor dy, Tensor u, Tensor spectrum, Tensor keptTaps, ConvGeometry g, Tensor d,
                         Tensor du, Tensor dk, Tensor dd, Stream stream) {
        Rows rows = new Rows(u, g);
        double[] dyv = dy.toDoubleArray();
        double[] uv = u.toDoubleArray();
        double[] kv = spectrum.toDoubleArray();
        double[] dv = d == null ? null : d.toDoubleArray();
        int taps = Math.toIntExact(g.taps());
        int l = rows.length;
        double[] duv = new double[uv.length];
        double[] dkv = new double[rows.channels * taps];
        double[] ddv = new double[rows.channels];
        // One task per channel: it owns that channel's dk and dd, so nothing is shared.
        IntStream.range(0, rows.channels).parallel().forEach(h -> {
            double[] accRe = new double[rows.n];
            double[] accIm = new double[rows.n];
            double skipGrad = 0;
            for (int b = 0; b < rows.batch; b++) {
                int r = b * rows.channels + h;
                double[][] gy = rows.transform(dyv, r);
                double[][] x = rows.transform(uv, r);
                for (int f = 0; f < rows.n; f++) { // dk: sum over batch of DY * conj(U)
                    accRe[f] += gy[0][f] * x[0][f] + gy[1][f] * x[1][f];
                    accIm[f] += gy[1][f] * x[0][f] - gy[0][f] * x[1][f];
                }
                multiply(gy, kv, h, rows, true); // du: DY * conj(K)
                Fft.inverse(gy[0], gy[1]);
                double skip = dv == null ? 0 : dv[h];
                for (int t = 0; t < l; t++) {
                    int i = r * l + t;
                    duv[i] = gy[0][t] + skip * dyv[i];
                    skipGrad += dyv[i] * uv[i];
                }
            }
            Fft.inverse(accRe, accIm);
            for (int j = 0; j < taps; j++) dkv[h * taps + j] = accRe[(int) g.tapPosition(j)] / rows.n;
            ddv[h] = skipGrad;
        });
        du.copyFrom(duv);
        dk.copyFrom(dkv);
        if (dd != null) dd.copyFrom(ddv);
    }

    /** x *= K (or conj(K)) for channel h, K given as bins = n/2+1 values of a Hermitian spectrum. */
    private static void multiply(double[][] x, double[] spectrum, int h, Rows rows, boolean conjugate) {
        for (int f = 0; f < rows.n; f++) {
            boolean mirrored = f >= rows.bins;
            int bin = mirrored ? rows.n - f : f;
            double kr = spectrum[(h * rows.bins + bin) * 2];
            double ki = spectrum[(h * rows.bins + bin) * 2 + 1];
            if (mirrored != conjugate) ki = -ki;
            double re = x[0][f] * kr - x[1][f] * ki;
            x[1][f] = x[0][f] * ki + x[1][f] * kr;
            x[0][f] = re;
        }
    }

    /** The (B, H, L) layout and FFT size of one call. */
    private static final class Rows {
        final int batch;
        final int channels;
        final int length;
        final int count;
        final int n;
        final int bins;

        Rows(Tensor u, ConvGeometry g) {
            batch = Math.toIntExact(u.shape().dim(0));
            channels = Math.toIntExact(u.shape().dim(1));
            length = Math.toIntExact(u.shape().dim(2));
            count = Math.multiplyExact(batch, channels);
            n = Math.toIntExact(g.fftSize());
            bins = Math.toIntExact(g.bins());
        }

        /** The forward FFT of row r of values, zero-padded to n: {re, im}. */
        double[][] transform(double[] values, int r) {
            double[] re = new double[n];
            double[] im = new double[n];
            System.arraycopy(values, r * length, re, 0, length);
            Fft.forward(re, im);
            return new double[][] {re, im};
        }
    }
}
