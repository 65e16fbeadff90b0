package io.flashbutterfly.runtime;

/** A CUDA runtime call returned an error ({@code cudaError_t}). */
public class CudaException extends GpuException {
    /** A failed CUDA runtime call: status code, its name, the function and the message. */
    public CudaException(int code, String codeName, String function, String message) {
        super(code, codeName, function, message);
    }
}
