package io.flashbutterfly.runtime;

import static io.flashbutterfly.bindings.cudart.CudaRuntime.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A CUDA stream: work submitted to one stream runs in order, work on different streams may overlap.
 * {@link #DEFAULT} is CUDA's legacy default stream, which needs no creating or closing.
 */
public final class Stream implements AutoCloseable {
    /** The legacy default stream (handle 0) of the current device. */
    public static final Stream DEFAULT = new Stream(-1, MemorySegment.NULL);

    private final int device;
    private MemorySegment handle;

    private Stream(int device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /** A new non-blocking stream on device (it does not wait on the default stream). */
    public static Stream create(int device) {
        Cuda.setDevice(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            Cuda.check(cudaStreamCreateWithFlags(out, cudaStreamNonBlocking()), "cudaStreamCreateWithFlags");
            return new Stream(device, out.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** The cudaStream_t handle, for native calls. */
    public synchronized MemorySegment handle() {
        if (handle == null) throw new IllegalStateException("stream is closed");
        return handle;
    }

    /** Blocks until all work on this stream is done. */
    public void synchronize() {
        Cuda.check(cudaStreamSynchronize(handle()), "cudaStreamSynchronize");
    }

    /** Destroys the stream (after its work completes); closing {@link #DEFAULT} does nothing. */
    @Override
    public synchronized void close() {
        if (this == DEFAULT || handle == null) return;
        Cuda.setDevice(device);
        MemorySegment h = handle;
        handle = null;
        Cuda.check(cudaStreamDestroy(h), "cudaStreamDestroy");
    }

    @Override
    public String toString() {
        return this == DEFAULT ? "Stream[default]" : "Stream[cuda:" + device + ", 0x" + Long.toHexString(handle().address()) + "]";
    }
}
