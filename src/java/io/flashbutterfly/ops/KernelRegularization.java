package io.flashbutterfly.ops;

/**
 * The paper's kernel regularisers, applied to raw kernel weights on every forward, in this
 * order: smooth (moving average of odd width, stride 1, zero padding, like
 * {@code AvgPool1d(width, 1, width / 2)}), squash ({@code sign(k) * max(|k| - lambda, 0)}),
 * kernel dropout (rate p, training only, scaled by 1 / (1 - p)).
 *
 * @param smoothWidth the moving average's width, odd; 1 turns smoothing off
 * @param squash      lambda of the soft threshold; 0 turns squashing off
 * @param dropout     the dropout rate p in [0, 1), and below 1 once rounded to fp32 (the GPU's
 *                    regulariser takes it so; rates within 2^-25 of 1 round to 1); 0 turns dropout off
 */
public record KernelRegularization(int smoothWidth, double squash, double dropout) {
    /** The paper code's defaults: squash 0.003, dropout 0.2, no smoothing. */
    public static final KernelRegularization DEFAULT = new KernelRegularization(1, 0.003, 0.2);
    /** No regularisation: the kernel is the raw weights. */
    public static final KernelRegularization NONE = new KernelRegularization(1, 0, 0);

    /** Checks the ranges named above. */
    public KernelRegularization {
        if (smoothWidth < 1 || smoothWidth % 2 == 0) {
            throw new IllegalArgumentException("smoothWidth must be odd and >= 1, got " + smoothWidth);
        }
        if (!(squash >= 0)) throw new IllegalArgumentException("squash must be >= 0, got " + squash);
        if (!(dropout >= 0 && (float) dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1) and below 1 in fp32, got " + dropout);
        }
    }

    /** The same with smoothing of the given odd width. */
    public KernelRegularization withSmoothing(int width) { return new KernelRegularization(width, squash, dropout); }

    /** The same with squashing by lambda. */
    public KernelRegularization withSquash(double lambda) { return new KernelRegularization(smoothWidth, lambda, dropout); }

    /** The same with kernel dropout at rate p. */
    public KernelRegularization withDropout(double p) { return new KernelRegularization(smoothWidth, squash, p); }
}
