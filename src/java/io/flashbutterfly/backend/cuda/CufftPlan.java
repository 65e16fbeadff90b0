package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.cufft.Cufft.*;

import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.CufftStatus;
import io.flashbutterfly.runtime.NativeLibraries;
import io.flashbutterfly.runtime.Stream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A batched 1-D cuFFT plan over contiguous rows (64-bit sizes), like cuFFT's own plan objects:
 * made once for (type, size, batch), executed many times, destroyed by {@link #close()}.
 * R2C maps size real values to size/2+1 complex ones per row; C2R the reverse, unscaled.
 */
public final class CufftPlan implements AutoCloseable {
    /** Transform types. */
    public enum Type { R2C, C2R, C2C }

    private final Type type;
    private final long size;
    private final long batch;
    private final int device;
    private final long workAreaBytes;
    private int handle;
    private boolean closed;

    private CufftPlan(Type type, long size, long batch, int device, int handle, long workAreaBytes) {
        this.type = type;
        this.size = size;
        this.batch = batch;
        this.device = device;
        this.handle = handle;
        this.workAreaBytes = workAreaBytes;
    }

    /**
     * Makes a plan of batch transforms of size points each on device.
     *
     * @throws io.flashbutterfly.runtime.CufftException e.g. CUFFT_INVALID_SIZE for size 0
     */
    public static CufftPlan create(int device, Type type, long size, long batch) {
        NativeLibraries.require(NativeLibraries.CudaLibrary.CUFFT);
        Cuda.setDevice(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handleOut = arena.allocate(ValueLayout.JAVA_INT);
            CufftStatus.check(cufftCreate(handleOut), "cufftCreate");
            int handle = handleOut.get(ValueLayout.JAVA_INT, 0);
            try {
                MemorySegment n = arena.allocateFrom(ValueLayout.JAVA_LONG, size);
                MemorySegment work = arena.allocate(ValueLayout.JAVA_LONG);
                long complexRow = size / 2 + 1;
                long inDist = type == Type.C2R ? complexRow : size;
                long outDist = type == Type.R2C ? complexRow : size;
                CufftStatus.check(cufftMakePlanMany64(handle, 1, n, n, 1, inDist, n, 1, outDist,
                        cufftType(type), batch, work), "cufftMakePlanMany64");
                return new CufftPlan(type, size, batch, device, handle, work.get(ValueLayout.JAVA_LONG, 0));
            } catch (RuntimeException e) {
                cufftDestroy(handle);
                throw e;
            }
        }
    }

    private static int cufftType(Type type) {
        return switch (type) {
            case R2C -> CUFFT_R2C();
            case C2R -> CUFFT_C2R();
            case C2C -> CUFFT_C2C();
        };
    }

    /**
     * Runs the transform from in to out (device addresses; may be equal for in-place), ordered on
     * stream. For C2C, forward selects the sign.
     */
    public synchronized void execute(MemorySegment in, MemorySegment out, boolean forward, Stream stream) {
        if (closed) throw new IllegalStateException("cuFFT plan is closed");
        Cuda.setDevice(device);
        CufftStatus.check(cufftSetStream(handle, stream.handle()), "cufftSetStream");
        switch (type) {
            case R2C -> CufftStatus.check(cufftExecR2C(handle, in, out), "cufftExecR2C");
            case C2R -> CufftStatus.check(cufftExecC2R(handle, in, out), "cufftExecC2R");
            case C2C -> CufftStatus.check(cufftExecC2C(handle, in, out, forward ? CUFFT_FORWARD() : CUFFT_INVERSE()),
                    "cufftExecC2C");
        }
    }

    public Type type() { return type; }

    public long size() { return size; }

    public long batch() { return batch; }

    /** Bytes of the work area cuFFT allocated for this plan. */
    public long workAreaBytes() { return workAreaBytes; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Cuda.setDevice(device);
        CufftStatus.check(cufftDestroy(handle), "cufftDestroy");
    }
}
