package io.flashbutterfly.ops;

/**
 * Kernel dropout's draws: a uniform double in [0, 1) per (seed, tap index), from splitmix64's
 * finaliser on seed + (index + 1) * 0x9E3779B97F4A7C15, so any tap's draw is known without the
 * others' (the GPU's regulariser, cuda/src/kernel_regularizer.cu, draws the same values).
 */
public final class DropoutMask {
    private DropoutMask() {}

    /** The uniform double in [0, 1) of tap index under seed. */
    public static double uniform(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }

    /**
     * What dropout at rate multiplies tap index by: 0, or 1 / (1 - rate) where the tap is kept.
     * The draw is compared with the rate rounded to fp32, as the GPU's regulariser takes it, so
     * both keep the same taps.
     */
    public static double scale(long seed, long index, double rate) {
        if (rate <= 0) return 1;
        return uniform(seed, index) >= (float) rate ? 1 / (1 - rate) : 0;
    }
}
