package io.flashbutterfly.backend.cpu;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * The float64 reference causal convolution on the CPU: y[b,h,t] = sum_{j<=t} k[h,j] u[b,h,t-j]
 * (+ D[h] u[b,h,t]). Direct summation when the kernel is short, FFT (size >= L + Lk - 1, a power
 * of two) otherwise; rows run in parallel. Every GPU path is checked against it.
 */
public final class ReferenceConvolution {
    /** Below this many multiply-adds per row the direct sum is as fast as the FFT and exact. */
    static final long DIRECT_LIMIT = 1L << 16;

    private ReferenceConvolution() {}

    /** One row: the first out.length terms of the causal convolution of u with k. */
    public static double[] causal(double[] u, double[] k) {
        return (long) u.length * k.length <= DIRECT_LIMIT ? causalDirect(u, k) : causalFft(u, k);
    }

    /** One row by direct summation. */
    public static double[] causalDirect(double[] u, double[] k) {
        double[] y = new double[u.length];
        for (int t = 0; t < u.length; t++) {
            double sum = 0;
            for (int j = 0, last = Math.min(t, k.length - 1); j <= last; j++) sum += k[j] * u[t - j];
            y[t] = sum;
        }
        return y;
    }

    /** One row through a zero-padded FFT (nothing wraps around). */
    public static double[] causalFft(double[] u, double[] k) {
        int n = Integer.highestOneBit(Math.max(1, u.length + k.length - 1) * 2 - 1);
        double[] ur = new double[n];
        double[] ui = new double[n];
        double[] kr = new double[n];
        double[] ki = new double[n];
        System.arraycopy(u, 0, ur, 0, u.length);
        System.arraycopy(k, 0, kr, 0, k.length);
        Fft.forward(ur, ui);
        Fft.forward(kr, ki);
        for (int i = 0; i < n; i++) {
            double r = ur[i] * kr[i] - ui[i] * ki[i];
            ui[i] = ur[i] * ki[i] + ui[i] * kr[i];
            ur[i] = r;
        }
        Fft.inverse(ur, ui);
        double[] y = new double[u.length];
        for (int t = 0; t < u.length; t++) y[t] = ur[t] / n;
        return y;
    }

    /**
     * The causal convolution of u (B, H, L) with k (H, Lk), Lk <= L, plus d (H) * u when d is not
     * null, in float64 on the CPU. Inputs may be on any device and of any dtype.
     *
     * @return a new FP64 CPU tensor (B, H, L) owned by owner
     */
    public static Tensor causal(Arena owner, Tensor u, Tensor k, Tensor d) {
        Objects.requireNonNull(u, "u must not be null");
        Objects.requireNonNull(k, "k must not be null");
        Shape us = u.shape();
        if (us.rank() != 3) throw new IllegalArgumentException("u must be (B, H, L), got " + us);
        int b = Math.toIntExact(us.dim(0));
        int h = Math.toIntExact(us.dim(1));
        int l = Math.toIntExact(us.dim(2));
        if (k.shape().rank() != 2 || k.shape().dim(0) != h || k.shape().dim(1) > l) {
            throw new IllegalArgumentException("k must be (H=" + h + ", Lk <= " + l + "), got " + k.shape());
        }
        if (d != null && (d.shape().rank() != 1 || d.shape().dim(0) != h)) {
            throw new IllegalArgumentException("d must be (H=" + h + "), got " + d.shape());
        }
        double[] uv = u.toDoubleArray();
        double[] kv = k.toDoubleArray();
        double[] dv = d == null ? null : d.toDoubleArray();
        int lk = Math.toIntExact(k.shape().dim(1));
        double[] y = new double[uv.length];
        IntStream.range(0, b * h).parallel().forEach(row -> {
            int channel = row % h;
            double[] urow = new double[l];
            System.arraycopy(uv, row * l, urow, 0, l);
            double[] krow = new double[lk];
            System.arraycopy(kv, channel * lk, krow, 0, lk);
            double[] yrow = causal(urow, krow);
            double skip = dv == null ? 0 : dv[channel];
            for (int t = 0; t < l; t++) y[row * l + t] = yrow[t] + skip * urow[t];
        });
        return Tensor.of(owner, Device.CPU, DType.FP64, us, y);
    }
}
