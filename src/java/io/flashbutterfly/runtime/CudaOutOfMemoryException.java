package io.flashbutterfly.runtime;

/**
 * A device allocation failed for lack of memory. The library freed whatever the failing call had
 * taken and stays usable.
 */
public final class CudaOutOfMemoryException extends CudaException {
    private final long requestedBytes;
    private final long freeBytes;

    /**
     * @param code           the status code (cudaErrorMemoryAllocation)
     * @param codeName       its name
     * @param function       the allocating function
     * @param device         the device
     * @param requestedBytes bytes asked for
     * @param freeBytes      bytes free when it failed
     * @param totalBytes     the device's memory
     */
    public CudaOutOfMemoryException(int code, String codeName, String function, int device,
                                    long requestedBytes, long freeBytes, long totalBytes) {
        super(code, codeName, function, "cannot allocate " + requestedBytes + " bytes on cuda:" + device
                + " (" + freeBytes + " of " + totalBytes + " bytes free)");
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    /** Bytes the failed allocation asked for. */
    public long requestedBytes() { return requestedBytes; }

    /** Free device memory when the allocation failed. */
    public long freeBytes() { return freeBytes; }
}
