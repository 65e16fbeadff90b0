package io.flashbutterfly.backend;

/**
 * The sizes of one learned-butterfly convolution: u (batch, channels, length), k (channels,
 * taps), FFT size n1 * n2, factors shared by all channels (groups 1) or one set per channel
 * (groups = channels).
 */
public record ButterflySizes(int batch, int channels, int length, int taps, int n1, int n2, int groups) {
    /** The FFT size N. */
    public int fftSize() { return n1 * n2; }

    /** The group whose factors channel h uses. */
    public int group(int h) { return groups == 1 ? 0 : h; }
}
