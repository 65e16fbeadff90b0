package io.flashbutterfly.backend;

/**
 * The sizes of one call of the learned butterfly in the on-chip kernel's factorisation
 * ({@code io.flashbutterfly.ops.StockhamButterfly}): u (batch, channels, length), k (channels,
 * taps), FFT size N, learned 16 x 16 matrices per direction, shared by all channels (groups 1) or
 * one set per channel (groups = channels).
 */
public record StockhamSizes(int batch, int channels, int length, int taps, int fftSize, int levels, int groups) {
    /** The group whose matrices channel h uses. */
    public int group(int h) { return groups == 1 ? 0 : h; }
}
