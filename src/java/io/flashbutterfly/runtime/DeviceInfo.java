package io.flashbutterfly.runtime;

/**
 * What the library needs to know about one CUDA device.
 *
 * @param index                    the CUDA device ordinal
 * @param name                     e.g. "NVIDIA H100 80GB HBM3"
 * @param major                    compute capability, major
 * @param minor                    compute capability, minor
 * @param multiprocessors          streaming multiprocessors
 * @param totalMemoryBytes         device memory
 * @param sharedMemoryPerBlockOptin the most shared memory one block may ask for
 * @param l2CacheBytes             L2 cache size
 */
public record DeviceInfo(int index, String name, int major, int minor, int multiprocessors,
                         long totalMemoryBytes, int sharedMemoryPerBlockOptin, int l2CacheBytes) {
    @Override
    public String toString() {
        return "cuda:" + index + " " + name + " (sm_" + major + minor + ", " + multiprocessors + " SMs, "
                + (totalMemoryBytes >> 20) + " MiB, " + (sharedMemoryPerBlockOptin >> 10) + " KiB smem/block)";
    }
}
