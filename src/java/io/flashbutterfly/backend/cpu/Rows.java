package io.flashbutterfly.backend.cpu;

/** Rows of flat (B, H, L) and (H, Lk) arrays, as the per-channel references take them. */
final class Rows {
    private Rows() {}

    /** Channel h's rows of a (batch, channels, length) array, one per batch entry. */
    static double[][] ofChannel(double[] values, int h, int batch, int channels, int length) {
        double[][] rows = new double[batch][];
        for (int b = 0; b < batch; b++) rows[b] = row(values, b * channels + h, length);
        return rows;
    }

    /** Row r of an array of rows of the given length. */
    static double[] row(double[] values, int r, int length) {
        double[] out = new double[length];
        System.arraycopy(values, r * length, out, 0, length);
        return out;
    }
}
