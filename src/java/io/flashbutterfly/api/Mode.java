package io.flashbutterfly.api;

/** How the kernel meets the sequence. */
public enum Mode {
    /**
     * {@code y[t] = sum over j <= t of k[j] u[t - j]}: the past only. Kernel (H, Lk), {@code Lk <= L}, shorter
     * kernels zero-padded; FFT size {@code >= L + Lk - 1}, so nothing wraps around.
     */
    CAUSAL,
    /** y[t] = sum over j of k[j] u[(t - j) mod L]: the sequence as a ring. Kernel (H, Lk), {@code Lk <= L}; FFT size L. */
    CIRCULAR,
    /**
     * Past and future, as in the paper's code: a kernel (H, 2M), {@code M <= L}, whose first half is the
     * causal kernel and whose second half is the anti-causal one, tap s (1-based) multiplying
     * u[t + s]: {@code y[t] = sum over j < M of k[j] u[t - j] + sum over s = 1..M of k[M + s - 1] u[t + s]}.
     */
    BIDIRECTIONAL
}
