package io.flashbutterfly.api;

/** Which implementation computes a convolution. */
public enum Algorithm {
    /** The fastest path available for the device (the default). */
    AUTO,
    /** FFTs through cuFFT (GPU) or the Java FFT (CPU), with fused kernels around them. */
    CUFFT
}
