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
 * A batched 1-D cuFFT plan over rows (64-bit sizes), like cuFFT's own plan objects: made once
 * for (type, size, batch, layout), executed many times, destroyed by {@link #close()}.
 * R2C maps size real values to size/2+1 complex ones per row; C2R the reverse, unscaled. Rows
 * are packed (the library's transforms run out of place). The work area is cuFFT's own, or one
 * the caller sets before each execution.
 */
public final class CufftPlan implements AutoCloseable {
    /** Transform types: real to complex, complex to real, complex to complex. */
    public enum Type { R2C, C2R, C2C }

    private final Type type;
    private final long size;
    private final long batch;
    private final int device;
    private final long workAreaBytes;
    private final boolean externalWorkArea;
    private final int handle;
    private final long callbackParams;
    private boolean closed;

    /**
     * cuFFT LTO callbacks linked into a plan when it is made: device function names (null for
     * none), each with the LTO image holding it (a separate image per callback: cuFFT links one
     * image per callback), and the bytes of the parameter block they all read.
     *
     * @param load        the load callback's name, or null
     * @param loadImage   LTO-IR holding it
     * @param store       the store callback's name, or null
     * @param storeImage  LTO-IR holding it
     * @param paramsBytes size of the parameter block each execution rewrites
     */
    public record Callbacks(String load, MemorySegment loadImage, String store, MemorySegment storeImage,
                            long paramsBytes) {}

    private CufftPlan(Type type, long size, long batch, int device, int handle, long workAreaBytes,
                      boolean externalWorkArea, long callbackParams) {
        this.callbackParams = callbackParams;
        this.type = type;
        this.size = size;
        this.batch = batch;
        this.device = device;
        this.handle = handle;
        this.workAreaBytes = workAreaBytes;
        this.externalWorkArea = externalWorkArea;
    }

    /**
     * Makes a plan of batch transforms of size points each on device, over packed rows, with a
     * work area that cuFFT allocates itself.
     *
     * @throws io.flashbutterfly.runtime.CufftException e.g. CUFFT_INVALID_SIZE for size 0
     */
    public static CufftPlan create(int device, Type type, long size, long batch) {
        return create(device, type, size, batch, false, null);
    }

    /**
     * Makes a plan over packed rows; with externalWorkArea the caller passes a work area of {@link #workAreaBytes()} to
     * {@link #execute(MemorySegment, MemorySegment, boolean, Stream, long)}; with callbacks, cuFFT
     * links them in (JIT LTO) and they read a parameter block at {@link #callbackParams()}.
     */
    public static CufftPlan create(int device, Type type, long size, long batch, boolean externalWorkArea,
                                   Callbacks callbacks) {
        NativeLibraries.require(NativeLibraries.CudaLibrary.CUFFT);
        Cuda.setDevice(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handleOut = arena.allocate(ValueLayout.JAVA_INT);
            CufftStatus.check(cufftCreate(handleOut), "cufftCreate");
            int handle = handleOut.get(ValueLayout.JAVA_INT, 0);
            long params = 0;
            try {
                if (externalWorkArea) CufftStatus.check(cufftSetAutoAllocation(handle, 0), "cufftSetAutoAllocation");
                if (callbacks != null) {
                    params = Cuda.malloc(device, callbacks.paramsBytes());
                    MemorySegment callerInfo = arena.allocateFrom(ValueLayout.JAVA_LONG, params);
                    if (callbacks.load() != null) {
                        attach(handle, arena, callbacks.load(), callbacks.loadImage(), CUFFT_CB_LD_REAL(), callerInfo);
                    }
                    if (callbacks.store() != null) {
                        attach(handle, arena, callbacks.store(), callbacks.storeImage(),
                                type == Type.R2C ? CUFFT_CB_ST_COMPLEX() : CUFFT_CB_ST_REAL(), callerInfo);
                    }
                }
                MemorySegment n = arena.allocateFrom(ValueLayout.JAVA_LONG, size);
                MemorySegment work = arena.allocate(ValueLayout.JAVA_LONG);
                long complexRow = size / 2 + 1;
                long inDist = type == Type.C2R ? complexRow : size;
                long outDist = type == Type.R2C ? complexRow : size;
                CufftStatus.check(cufftMakePlanMany64(handle, 1, n, n, 1, inDist, n, 1, outDist,
                        cufftType(type), batch, work), "cufftMakePlanMany64");
                return new CufftPlan(type, size, batch, device, handle, work.get(ValueLayout.JAVA_LONG, 0),
                        externalWorkArea, params);
            } catch (RuntimeException e) {
                cufftDestroy(handle);
                if (params != 0) Cuda.free(device, params);
                throw e;
            }
        }
    }

    private static void attach(int handle, Arena arena, String symbol, MemorySegment image, int kind,
                               MemorySegment callerInfo) {
        CufftStatus.check(cufftXtSetJITCallback(handle, arena.allocateFrom(symbol), image, image.byteSize(), kind,
                callerInfo), "cufftXtSetJITCallback(" + symbol + ")");
    }

    /** The device address of the callbacks' parameter block (0 without callbacks). */
    public long callbackParams() { return callbackParams; }

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
    public void execute(MemorySegment in, MemorySegment out, boolean forward, Stream stream) {
        if (externalWorkArea) throw new IllegalStateException("this plan needs a work area: pass one");
        execute(in, out, forward, stream, 0);
    }

    /**
     * Like {@link #execute(MemorySegment, MemorySegment, boolean, Stream)}, with the work area at
     * workArea (at least {@link #workAreaBytes()}, used only by work on stream) for a plan made
     * with an external work area.
     */
    public synchronized void execute(MemorySegment in, MemorySegment out, boolean forward, Stream stream,
                                     long workArea) {
        if (closed) throw new IllegalStateException("cuFFT plan is closed");
        Cuda.setDevice(device);
        CufftStatus.check(cufftSetStream(handle, stream.handle()), "cufftSetStream");
        if (externalWorkArea) {
            CufftStatus.check(cufftSetWorkArea(handle, MemorySegment.ofAddress(workArea)), "cufftSetWorkArea");
        }
        switch (type) {
            case R2C -> CufftStatus.check(cufftExecR2C(handle, in, out), "cufftExecR2C");
            case C2R -> CufftStatus.check(cufftExecC2R(handle, in, out), "cufftExecC2R");
            case C2C -> CufftStatus.check(cufftExecC2C(handle, in, out, forward ? CUFFT_FORWARD() : CUFFT_INVERSE()),
                    "cufftExecC2C");
        }
    }

    /** The transform type. */
    public Type type() { return type; }

    /** Points per transform. */
    public long size() { return size; }

    /** Transforms per execution. */
    public long batch() { return batch; }

    /** Bytes of the work area cuFFT allocated for this plan. */
    public long workAreaBytes() { return workAreaBytes; }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Cuda.setDevice(device);
        CufftStatus.check(cufftDestroy(handle), "cufftDestroy");
        if (callbackParams != 0) Cuda.free(device, callbackParams);
    }
}
