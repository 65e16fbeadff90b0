package io.flashbutterfly.runtime;

import static io.flashbutterfly.bindings.cudart.CudaRuntime.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** A CUDA event with timing: record it on a stream, then wait for it or time between two. */
public final class Event implements AutoCloseable {
    private final int device;
    private MemorySegment handle;

    private Event(int device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /** A new timing event on device. */
    public static Event create(int device) {
        Cuda.setDevice(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            Cuda.check(cudaEventCreateWithFlags(out, cudaEventDefault()), "cudaEventCreateWithFlags");
            return new Event(device, out.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** The cudaEvent_t handle, for native calls. */
    public synchronized MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("event is closed");
        return handle;
    }

    /** Records the event at the current end of stream's work. */
    public Event record(Stream stream) {
        Cuda.check(cudaEventRecord(handle(), stream.handle()), "cudaEventRecord");
        return this;
    }

    /** Blocks until the recorded work is done. */
    public void synchronize() {
        Cuda.check(cudaEventSynchronize(handle()), "cudaEventSynchronize");
    }

    /** Milliseconds between start and this event (both recorded); waits for this event first. */
    public float elapsedMillisSince(Event start) {
        synchronize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ms = arena.allocate(ValueLayout.JAVA_FLOAT);
            Cuda.check(cudaEventElapsedTime(ms, start.handle(), handle()), "cudaEventElapsedTime");
            return ms.get(ValueLayout.JAVA_FLOAT, 0);
        }
    }

    @Override
    public synchronized void close() {
        if (handle == null) return;
        Cuda.setDevice(device);
        MemorySegment h = handle;
        handle = null;
        Cuda.check(cudaEventDestroy(h), "cudaEventDestroy");
    }
}
