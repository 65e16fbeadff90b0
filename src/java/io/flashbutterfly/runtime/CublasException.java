package io.flashbutterfly.runtime;

/** A cuBLAS call returned an error ({@code cublasStatus_t}). */
public final class CublasException extends GpuException {
    /** A failed cuBLAS call: status code, its name, the function and the message. */
    public CublasException(int code, String codeName, String function, String message) {
        super(code, codeName, function, message);
    }
}
