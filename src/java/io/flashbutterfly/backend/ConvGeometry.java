package io.flashbutterfly.backend;

/**
 * The shape of one FFT long convolution, in the numbers backends need: sequence length, the
 * kernel's causal and anti-causal taps, and the FFT size. Tap {@code j < causalTaps} multiplies
 * u[t - j]; anti-causal tap s (1-based) multiplies u[t + s]. The FFT size is large enough that
 * nothing wraps around, except in circular mode where it equals the length on purpose.
 *
 * @param length         L, the sequence length
 * @param causalTaps     kernel taps applied to the past (and present)
 * @param anticausalTaps kernel taps applied to the future (bidirectional mode), else 0
 * @param fftSize        N
 */
public record ConvGeometry(long length, long causalTaps, long anticausalTaps, long fftSize) {
    /** Checks that the numbers fit together (taps within the FFT, FFT at least L). */
    public ConvGeometry {
        if (length < 1 || causalTaps < 0 || anticausalTaps < 0 || causalTaps + anticausalTaps < 1
                || fftSize < length || causalTaps + anticausalTaps > fftSize) {
            throw new IllegalArgumentException("inconsistent convolution geometry: L=" + length + ", taps="
                    + causalTaps + "+" + anticausalTaps + ", N=" + fftSize);
        }
    }

    /** Kernel taps in all: the kernel tensor's last dimension. */
    public long taps() { return causalTaps + anticausalTaps; }

    /** Complex bins of a real FFT of size N: N / 2 + 1. */
    public long bins() { return fftSize / 2 + 1; }

    /** Where kernel tap j sits in an FFT row: j for causal taps, N - s for anti-causal tap s. */
    public long tapPosition(long j) {
        return j < causalTaps ? j : fftSize - (j - causalTaps + 1);
    }

    /** The smallest power of two at least minimum (1 for a minimum of 1 or less). */
    public static long powerOfTwoAtLeast(long minimum) {
        return Long.highestOneBit(Math.max(1, minimum) * 2 - 1);
    }
}
