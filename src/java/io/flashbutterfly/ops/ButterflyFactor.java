package io.flashbutterfly.ops;

/**
 * The six factor matrices of the two-level learned butterfly of size N = n1 * n2, in the order
 * {@link LearnedButterfly#factors()} holds them. The forward transform of a sequence x, seen as
 * the n2 x n1 matrix M[i][c] = x[c + n1 i], is Y = ((F2 . M) * TWIDDLE) . F1; the inverse of a
 * spectrum Z is out = INVERSE_F2 . ((Z . INVERSE_F1) * INVERSE_TWIDDLE), x = Re(out) / N
 * (. a matrix product, * elementwise).
 */
public enum ButterflyFactor {
    /** The n2-point DFT, left of the data (n2 x n2). */
    F2,
    /** The twiddles between the levels (n2 x n1). */
    TWIDDLE,
    /** The n1-point DFT, right of the data (n1 x n1). */
    F1,
    /** The inverse n1-point DFT (n1 x n1). */
    INVERSE_F1,
    /** The inverse twiddles (n2 x n1). */
    INVERSE_TWIDDLE,
    /** The inverse n2-point DFT (n2 x n2). */
    INVERSE_F2;

    /** The factor's rows for the given sizes. */
    public int rows(int n1, int n2) {
        return this == F1 || this == INVERSE_F1 ? n1 : n2;
    }

    /** The factor's columns for the given sizes. */
    public int cols(int n1, int n2) {
        return this == F2 || this == INVERSE_F2 ? n2 : n1;
    }
}
