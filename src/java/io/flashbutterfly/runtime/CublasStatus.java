package io.flashbutterfly.runtime;

import static io.flashbutterfly.bindings.cublas.Cublas.*;

/** Turns a {@code cublasStatus_t} into a {@link CublasException}, with cuBLAS's own name and message. */
public final class CublasStatus {
    private CublasStatus() {}

    /** Throws {@link CublasException} unless status is CUBLAS_STATUS_SUCCESS. */
    public static void check(int status, String function) {
        if (status == CUBLAS_STATUS_SUCCESS()) return;
        throw new CublasException(status, cublasGetStatusName(status).getString(0), function,
                cublasGetStatusString(status).getString(0));
    }
}
