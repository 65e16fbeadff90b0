package io.flashbutterfly.api;

/** Which implementation computes a convolution. */
public enum Algorithm {
    /**
     * The fastest path for the device and shape (the default): on a GPU the on-chip kernel where
     * the FFT fits in shared memory, else cuFFT; the Java FFT on the CPU.
     */
    AUTO,
    /** FFTs through cuFFT on a GPU (with fused callbacks or kernels around them); the Java FFT on the CPU. */
    CUFFT
}
