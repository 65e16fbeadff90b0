package io.flashbutterfly.runtime;

/** A cuFFT call returned an error ({@code cufftResult}). */
public final class CufftException extends GpuException {
    /** A failed cuFFT call: status code, its name, the function and the message. */
    public CufftException(int code, String codeName, String function, String message) {
        super(code, codeName, function, message);
    }
}
