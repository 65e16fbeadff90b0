package io.flashbutterfly.backend.cuda;

/**
 * The device memory the GPU backend takes beyond its callers' tensors: per-call scratch, and the
 * cuFFT plans with their work areas, kept across calls.
 */
public final class GpuMemory {
    private GpuMemory() {}

    /** The most per-call scratch bytes held at once since the last {@link #resetPeak()}. */
    public static long peakScratchBytes() { return Scratch.peakBytes(); }

    /** Starts a new peak measurement. */
    public static void resetPeak() { Scratch.resetPeak(); }

    /** Bytes of the cuFFT work areas held now (one per device and stream). */
    public static long workAreaBytes() { return CufftPlanCache.shared().workAreaBytes(); }

    /** Destroys the cached cuFFT plans and frees their work areas (they are remade on demand). */
    public static void releaseCaches() { CufftPlanCache.shared().clear(); }
}
