package io.flashbutterfly.ops;

/**
 * The regularisers of {@link KernelRegularization} on kernel rows in float64, forward and
 * backward (the threshold's subgradient is 0 at the kink). A forward returns a {@link Pass}
 * holding what its backward needs. Rows are (channels, taps) row-major.
 */
public final class KernelRegularizer {
    private KernelRegularizer() {}

    /** What a forward pass kept for its backward. */
    public static final class Pass {
        private final KernelRegularization regularization;
        private final int taps;
        private final boolean[] squashPasses;
        private final double[] dropoutScale;
        private final double[] kernel;

        private Pass(KernelRegularization regularization, int taps, boolean[] squashPasses, double[] dropoutScale,
                     double[] kernel) {
            this.regularization = regularization;
            this.taps = taps;
            this.squashPasses = squashPasses;
            this.dropoutScale = dropoutScale;
            this.kernel = kernel;
        }

        /** The regularised kernel. */
        public double[] kernel() { return kernel.clone(); }
    }

    /**
     * The kernel from raw weights: smooth, squash, then (when training) dropout drawn from seed.
     *
     * @param weights  (channels, taps) raw weights
     * @param taps     the row length
     * @param training whether dropout applies
     * @param seed     the dropout mask's seed (the same seed, the same mask: {@link DropoutMask})
     */
    public static Pass forward(double[] weights, int taps, KernelRegularization r, boolean training, long seed) {
        if (taps < 1 || weights.length % taps != 0) {
            throw new IllegalArgumentException("weights of length " + weights.length + " are not rows of " + taps);
        }
        double[] k = smooth(weights, taps, r.smoothWidth());
        boolean[] passes = null;
        if (r.squash() > 0) {
            passes = new boolean[k.length];
            for (int i = 0; i < k.length; i++) {
                double magnitude = Math.abs(k[i]) - r.squash();
                passes[i] = magnitude > 0;
                k[i] = passes[i] ? Math.copySign(magnitude, k[i]) : 0;
            }
        }
        double[] scale = null;
        if (training && r.dropout() > 0) {
            scale = new double[k.length];
            for (int i = 0; i < k.length; i++) {
                scale[i] = DropoutMask.scale(seed, i, r.dropout());
                k[i] *= scale[i];
            }
        }
        return new Pass(r, taps, passes, scale, k);
    }

    /** The gradient of the raw weights for the kernel's gradient dk. */
    public static double[] backward(Pass pass, double[] dk) {
        if (dk.length != pass.kernel.length) {
            throw new IllegalArgumentException("dk has " + dk.length + " values, the kernel " + pass.kernel.length);
        }
        double[] g = dk.clone();
        if (pass.dropoutScale != null) for (int i = 0; i < g.length; i++) g[i] *= pass.dropoutScale[i];
        if (pass.squashPasses != null) for (int i = 0; i < g.length; i++) if (!pass.squashPasses[i]) g[i] = 0;
        // The zero-padded moving average is a symmetric linear map: its transpose is itself.
        return smooth(g, pass.taps, pass.regularization.smoothWidth());
    }

    /** The moving average of odd width along each row, zero padding, divided by width. */
    static double[] smooth(double[] x, int taps, int width) {
        if (width == 1) return x.clone();
        int half = width / 2;
        double[] out = new double[x.length];
        for (int row = 0; row < x.length; row += taps) {
            double window = 0;
            for (int j = 0; j <= Math.min(half, taps - 1); j++) window += x[row + j];
            for (int j = 0; j < taps; j++) {
                out[row + j] = window / width;
                int enter = j + half + 1;
                int leave = j - half;
                if (enter < taps) window += x[row + enter];
                if (leave >= 0) window -= x[row + leave];
            }
        }
        return out;
    }
}
