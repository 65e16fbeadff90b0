package io.flashbutterfly.runtime;

/**
 * Free and total memory of one device, as cudaMemGetInfo reports them.
 *
 * @param freeBytes  memory free now
 * @param totalBytes the device's memory
 */
public record MemoryInfo(long freeBytes, long totalBytes) {}
