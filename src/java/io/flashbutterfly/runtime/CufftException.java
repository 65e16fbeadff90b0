package io.flashbutterfly.runtime;

/** A cuFFT call returned an error ({@code cufftResult}). */
public final class CufftException extends GpuException {
    public CufftException(int code, String codeName, String function, String message) {
        super(code, codeName, function, message);
    }
}
