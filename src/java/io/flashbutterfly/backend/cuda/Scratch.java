package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Device scratch memory for one call, ordered on a stream: taken from the device's pool and
 * given back when the work queued so far on that stream is done, so neither end synchronises.
 * Counts the bytes in use and their peak, the library's own view of its extra memory.
 */
final class Scratch implements AutoCloseable {
    private static final AtomicLong IN_USE = new AtomicLong();
    private static final AtomicLong PEAK = new AtomicLong();

    private final long address;
    private final long bytes;
    private final Stream stream;
    private boolean closed;

    private Scratch(long address, long bytes, Stream stream) {
        this.address = address;
        this.bytes = bytes;
        this.stream = stream;
    }

    static Scratch allocate(int device, long bytes, Stream stream) {
        long address = Cuda.mallocAsync(device, bytes, stream);
        PEAK.accumulateAndGet(IN_USE.addAndGet(bytes), Math::max);
        return new Scratch(address, bytes, stream);
    }

    long address() { return address; }

    MemorySegment segment() { return MemorySegment.ofAddress(address); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        IN_USE.addAndGet(-bytes);
        Cuda.freeAsync(address, stream);
    }

    /** The most scratch bytes held at once since the last {@link #resetPeak()}. */
    static long peakBytes() { return PEAK.get(); }

    /** Starts a new peak measurement from the bytes in use now. */
    static void resetPeak() { PEAK.set(IN_USE.get()); }
}
