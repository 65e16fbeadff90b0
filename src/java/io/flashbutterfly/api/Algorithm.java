package io.flashbutterfly.api;

/** Which implementation computes a convolution. */
public enum Algorithm {
    /**
     * The fastest path for the device and shape (the default): on a GPU the fastest of the forwards
     * that apply (the on-chip kernel up to FFT size 8192, the Monarch forward for larger powers of
     * two up to 131072, the cuFFT forwards), timed on a shape's first call; the Java FFT on the CPU.
     */
    AUTO,
    /** FFTs through cuFFT on a GPU (with fused callbacks or kernels around them); the Java FFT on the CPU. */
    CUFFT
}
