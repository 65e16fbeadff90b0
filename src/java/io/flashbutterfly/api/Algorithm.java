package io.flashbutterfly.api;

/** Which implementation computes a convolution. */
public enum Algorithm {
    /**
     * The fastest path for the device and shape (the default): on a GPU the fastest of the forwards
     * that apply (for fp16/bf16 causal sequences of up to 2048 samples the direct product with the
     * kernel's Toeplitz matrix, the on-chip kernel up to the FFT size one block's shared memory holds - 65536 for
     * fp16/bf16 and 32768 for fp32 on an H100 -, the Monarch forward for powers of two up to 256
     * times that, the cuFFT forwards), timed on a shape's first call; the Java FFT on the CPU.
     */
    AUTO,
    /**
     * The FlashButterfly forward on a GPU: the on-chip kernel where the FFT size fits one block,
     * else the Monarch forward (FFT sizes are powers of two; a size neither takes, e.g. a circular
     * convolution of a length that is no power of two, is an IllegalArgumentException saying
     * so); the backward's du runs through the same kernel transposed (the spectrum's conjugate),
     * dk on cuFFT. The Java FFT on the CPU.
     */
    FLASH_BUTTERFLY,
    /** FFTs through cuFFT on a GPU (with fused callbacks or kernels around them); the Java FFT on the CPU. */
    CUFFT
}
