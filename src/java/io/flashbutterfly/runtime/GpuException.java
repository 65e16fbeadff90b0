package io.flashbutterfly.runtime;

/**
 * A status code other than success from a GPU library call. The base of {@link CudaException},
 * {@link CufftException} and {@link CublasException}; each carries the numeric code, its symbolic
 * name, the library's message and the function that returned it.
 */
public abstract class GpuException extends RuntimeException {
    private final int code;
    private final String codeName;
    private final String function;

    /**
     * @param code     the library's status code
     * @param codeName its symbolic name
     * @param function the native function that returned it
     * @param message  the library's description
     */
    protected GpuException(int code, String codeName, String function, String message) {
        super(function + " failed: " + codeName + " (" + code + "): " + message);
        this.code = code;
        this.codeName = codeName;
        this.function = function;
    }

    /** The library's numeric status code. */
    public int code() { return code; }

    /** The status code's symbolic name, e.g. {@code cudaErrorMemoryAllocation}. */
    public String codeName() { return codeName; }

    /** The native function that returned the status, e.g. {@code cudaMalloc}. */
    public String function() { return function; }
}
