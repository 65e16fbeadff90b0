package io.flashbutterfly.testing;

import io.flashbutterfly.api.Mode;

/**
 * The long convolution and its gradients by direct summation, straight from the definitions in
 * {@link Mode}: slow and independent of any FFT, the check on the FFT-based CPU backend.
 * Arrays are row-major (B, H, L) sequences, (H, Lk) kernels, (H) skips.
 */
public final class DirectConvolution {
    private DirectConvolution() {}

    /** Coefficient linking y[t] to u[src] through kernel tap j, or -1 when tap j does not reach. */
    private static int source(Mode mode, int t, int j, int taps, int length) {
        return switch (mode) {
            case CAUSAL -> t - j >= 0 ? t - j : -1;
            case CIRCULAR -> Math.floorMod(t - j, length);
            case BIDIRECTIONAL -> {
                int half = taps / 2;
                int src = j < half ? t - j : t + (j - half + 1);
                yield src >= 0 && src < length ? src : -1;
            }
        };
    }

    public static double[] forward(Mode mode, double[] u, double[] k, double[] d, int batch, int channels,
                                   int length, int taps) {
        double[] y = new double[u.length];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < channels; h++) {
                int row = (b * channels + h) * length;
                for (int t = 0; t < length; t++) {
                    double sum = d == null ? 0 : d[h] * u[row + t];
                    for (int j = 0; j < taps; j++) {
                        int src = source(mode, t, j, taps, length);
                        if (src >= 0) sum += k[h * taps + j] * u[row + src];
                    }
                    y[row + t] = sum;
                }
            }
        }
        return y;
    }

    /** {du, dk, dd} for output gradient dy (dd is null without d). */
    public static double[][] backward(Mode mode, double[] dy, double[] u, double[] k, double[] d, int batch,
                                      int channels, int length, int taps) {
        double[] du = new double[u.length];
        double[] dk = new double[k.length];
        double[] dd = d == null ? null : new double[d.length];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < channels; h++) {
                int row = (b * channels + h) * length;
                for (int t = 0; t < length; t++) {
                    double g = dy[row + t];
                    if (d != null) {
                        du[row + t] += d[h] * g;
                        dd[h] += g * u[row + t];
                    }
                    for (int j = 0; j < taps; j++) {
                        int src = source(mode, t, j, taps, length);
                        if (src < 0) continue;
                        du[row + src] += k[h * taps + j] * g;
                        dk[h * taps + j] += u[row + src] * g;
                    }
                }
            }
        }
        return new double[][] {du, dk, dd};
    }
}
