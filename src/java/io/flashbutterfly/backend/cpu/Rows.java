package io.flashbutterfly.backend.cpu;

import java.util.stream.IntStream;

/** Rows of flat (B, H, L) and (H, Lk) arrays, as the per-channel references take them. */
final class Rows {
    private Rows() {}

    /** Channel h's rows of a (batch, channels, length) array, one per batch entry. */
    static double[][] ofChannel(double[] values, int h, int batch, int channels, int length) {
        double[][] rows = new double[batch][];
        for (int b = 0; b < batch; b++) rows[b] = row(values, b * channels + h, length);
        return rows;
    }

    /** One channel's convolution of its batch rows with its kernel row. */
    interface ChannelConvolution {
        double[][] convolve(int h, double[][] rows, double[] k);
    }

    /**
     * y = conv(u, k) + d * u (d null: none) over flat (batch, channels, length) rows, each
     * channel's batch through conv, channels in parallel.
     */
    static double[] forwardByChannel(double[] u, double[] k, double[] d, int batch, int channels, int length, int taps,
                                     ChannelConvolution conv) {
        double[] y = new double[u.length];
        IntStream.range(0, channels).parallel().forEach(h -> putChannel(y, h, conv.convolve(h,
                ofChannel(u, h, batch, channels, length), row(k, h, taps)), d, u, batch, channels, length));
        return y;
    }

    /**
     * Channel h's rows of a flat (batch, channels, length) out: rows[b] + d[h] * x (the D skip
     * term of y for x = u, of du for x = dy; d null: none).
     */
    static void putChannel(double[] out, int h, double[][] rows, double[] d, double[] x, int batch, int channels,
                           int length) {
        for (int b = 0; b < batch; b++) {
            int first = (b * channels + h) * length;
            for (int t = 0; t < length; t++) out[first + t] = rows[b][t] + (d == null ? 0 : d[h] * x[first + t]);
        }
    }

    /** Row r of an array of rows of the given length. */
    static double[] row(double[] values, int r, int length) {
        double[] out = new double[length];
        System.arraycopy(values, r * length, out, 0, length);
        return out;
    }
}
