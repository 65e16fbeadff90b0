package io.flashbutterfly.runtime;

import static io.flashbutterfly.bindings.cudart.CudaRuntime.*;

import io.flashbutterfly.bindings.cudart.cudaDeviceProp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CUDA runtime housekeeping: devices, memory, copies, errors. The only class that calls the
 * runtime bindings for these, and the one place that turns a {@code cudaError_t} into an
 * exception. Every method loads the runtime on first use.
 */
public final class Cuda {
    private static volatile String unavailableReason;
    private static volatile boolean probed;

    private Cuda() {}

    /** True when the CUDA runtime loads and sees at least one device. Never throws. */
    public static boolean isAvailable() {
        return unavailableReason() == null;
    }

    /** Why CUDA cannot be used here (library not found, no device, old driver), or null if it can. */
    public static String unavailableReason() {
        if (!probed) {
            synchronized (Cuda.class) {
                if (!probed) {
                    unavailableReason = probe();
                    probed = true;
                }
            }
        }
        return unavailableReason;
    }

    private static String probe() {
        try {
            int count = deviceCount();
            return count > 0 ? null : "the CUDA runtime reports no device";
        } catch (NativeLibraryException | GpuException e) {
            return e.getMessage();
        } catch (LinkageError e) {
            return "the CUDA runtime lacks a symbol: " + e;
        }
    }

    /**
     * Throws {@link CudaException} unless status is cudaSuccess. A failing call also leaves its
     * error as the thread's "last error", which a later launch check would report as its own:
     * that is cleared here, so each error is reported once, by the call that caused it.
     */
    public static void check(int status, String function) {
        if (status != cudaSuccess()) {
            cudaGetLastError();
            throw new CudaException(status, errorName(status), function, errorString(status));
        }
    }

    /** cudaGetErrorName, e.g. "cudaErrorInvalidValue". */
    public static String errorName(int status) {
        NativeLibraries.require(NativeLibraries.CudaLibrary.RUNTIME);
        return cudaGetErrorName(status).getString(0);
    }

    private static String errorString(int status) {
        return cudaGetErrorString(status).getString(0);
    }

    /** The number of CUDA devices; 0 when the driver has none ({@code cudaErrorNoDevice}). */
    public static int deviceCount() {
        NativeLibraries.require(NativeLibraries.CudaLibrary.RUNTIME);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            int status = cudaGetDeviceCount(count);
            if (status == cudaErrorNoDevice()) {
                cudaGetLastError();
                return 0;
            }
            check(status, "cudaGetDeviceCount");
            return count.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** Makes device the current one for this thread. */
    public static void setDevice(int device) {
        NativeLibraries.require(NativeLibraries.CudaLibrary.RUNTIME);
        check(cudaSetDevice(device), "cudaSetDevice");
    }

    /** Name, compute capability, SMs, memory and shared-memory limits of a device. */
    public static DeviceInfo deviceInfo(int device) {
        NativeLibraries.require(NativeLibraries.CudaLibrary.RUNTIME);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment prop = cudaDeviceProp.allocate(arena);
            check(cudaGetDeviceProperties(prop, device), "cudaGetDeviceProperties");
            return new DeviceInfo(device, cudaDeviceProp.name(prop).getString(0),
                    cudaDeviceProp.major(prop), cudaDeviceProp.minor(prop),
                    cudaDeviceProp.multiProcessorCount(prop), cudaDeviceProp.totalGlobalMem(prop),
                    (int) cudaDeviceProp.sharedMemPerBlockOptin(prop), cudaDeviceProp.l2CacheSize(prop));
        }
    }

    /** Free and total memory of a device. */
    public static MemoryInfo memoryInfo(int device) {
        setDevice(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
            check(cudaMemGetInfo(free, total), "cudaMemGetInfo");
            return new MemoryInfo(free.get(ValueLayout.JAVA_LONG, 0), total.get(ValueLayout.JAVA_LONG, 0));
        }
    }

    /**
     * Allocates device memory.
     *
     * @return the device address
     * @throws CudaOutOfMemoryException with the requested and free bytes if the device is full
     */
    public static long malloc(int device, long bytes) {
        return allocate(device, bytes, "cudaMalloc", out -> cudaMalloc(out, Math.max(bytes, 1)));
    }

    /**
     * Allocates device memory ordered on stream, from the device's memory pool, which keeps freed
     * memory for reuse (see {@link #freeAsync}): no device-wide synchronisation, unlike cudaMalloc.
     *
     * @return the device address, usable by work queued on stream after this call
     * @throws CudaOutOfMemoryException with the requested and free bytes if the device is full
     */
    public static long mallocAsync(int device, long bytes, Stream stream) {
        keepPoolMemory(device);
        return allocate(device, bytes, "cudaMallocAsync",
                out -> cudaMallocAsync(out, Math.max(bytes, 1), stream.handle()));
    }

    /** Returns memory from {@link #mallocAsync} to the pool once the work queued on stream is done. */
    public static void freeAsync(long address, Stream stream) {
        check(cudaFreeAsync(MemorySegment.ofAddress(address), stream.handle()), "cudaFreeAsync");
    }

    private static final Set<Integer> POOLS_KEEPING_MEMORY = ConcurrentHashMap.newKeySet();

    /** Lets the device's default pool keep freed memory, like a caching allocator, instead of
     *  giving it back at every synchronisation. */
    private static void keepPoolMemory(int device) {
        if (POOLS_KEEPING_MEMORY.contains(device)) return;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pool = arena.allocate(ValueLayout.ADDRESS);
            check(cudaDeviceGetDefaultMemPool(pool, device), "cudaDeviceGetDefaultMemPool");
            MemorySegment threshold = arena.allocateFrom(ValueLayout.JAVA_LONG, -1L); // UINT64_MAX
            check(cudaMemPoolSetAttribute(pool.get(ValueLayout.ADDRESS, 0), cudaMemPoolAttrReleaseThreshold(), threshold),
                    "cudaMemPoolSetAttribute");
        }
        POOLS_KEEPING_MEMORY.add(device);
    }

    private interface Allocator { int allocate(MemorySegment out); }

    private static long allocate(int device, long bytes, String function, Allocator allocator) {
        if (bytes < 0) throw new IllegalArgumentException("bytes must be >= 0, got " + bytes);
        setDevice(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ptr = arena.allocate(ValueLayout.ADDRESS);
            int status = allocator.allocate(ptr);
            if (status == cudaErrorMemoryAllocation()) {
                cudaGetLastError(); // the error is not sticky: clear it so later calls see success
                MemoryInfo info = memoryInfo(device);
                throw new CudaOutOfMemoryException(status, errorName(status), function, device, bytes,
                        info.freeBytes(), info.totalBytes());
            }
            check(status, function);
            return ptr.get(ValueLayout.ADDRESS, 0).address();
        }
    }

    /** Frees device memory from {@link #malloc}. */
    public static void free(int device, long address) {
        setDevice(device);
        check(cudaFree(MemorySegment.ofAddress(address)), "cudaFree");
    }

    /** Allocates page-locked host memory of the given size, readable from Java until freed. */
    public static MemorySegment mallocHost(long bytes) {
        NativeLibraries.require(NativeLibraries.CudaLibrary.RUNTIME);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ptr = arena.allocate(ValueLayout.ADDRESS);
            int status = cudaMallocHost(ptr, Math.max(bytes, 1));
            if (status == cudaErrorMemoryAllocation()) {
                cudaGetLastError();
                throw new CudaException(status, errorName(status), "cudaMallocHost",
                        "cannot pin " + bytes + " bytes of host memory");
            }
            check(status, "cudaMallocHost");
            return ptr.get(ValueLayout.ADDRESS, 0);
        }
    }

    /** Frees memory from {@link #mallocHost}. */
    public static void freeHost(long address) {
        check(cudaFreeHost(MemorySegment.ofAddress(address)), "cudaFreeHost");
    }

    /**
     * Copies bytes between any two addresses (host or device; unified addressing tells which),
     * ordered on stream. Pageable host memory makes the call return only once the copy is done.
     */
    public static void copyAsync(long dst, long src, long bytes, Stream stream) {
        check(cudaMemcpyAsync(MemorySegment.ofAddress(dst), MemorySegment.ofAddress(src), bytes,
                cudaMemcpyDefault(), stream.handle()), "cudaMemcpyAsync");
    }

    /** Sets bytes of device memory to value, ordered on stream. */
    public static void memsetAsync(long dst, int value, long bytes, Stream stream) {
        check(cudaMemsetAsync(MemorySegment.ofAddress(dst), value, bytes, stream.handle()), "cudaMemsetAsync");
    }

    /** Waits for all work on a device. */
    public static void synchronize(int device) {
        setDevice(device);
        check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    }

    /** The CUDA runtime's version, encoded as 1000 * major + 10 * minor. */
    public static int runtimeVersion() {
        return readInt(out -> cudaRuntimeGetVersion(out), "cudaRuntimeGetVersion");
    }

    /** The newest CUDA version the installed driver supports (0 when there is no driver). */
    public static int driverVersion() {
        return readInt(out -> cudaDriverGetVersion(out), "cudaDriverGetVersion");
    }

    private interface IntQuery { int call(MemorySegment out); }

    /** Calls a runtime function that writes one int through its pointer argument. */
    private static int readInt(IntQuery query, String function) {
        NativeLibraries.require(NativeLibraries.CudaLibrary.RUNTIME);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
            check(query.call(out), function);
            return out.get(ValueLayout.JAVA_INT, 0);
        }
    }
}
