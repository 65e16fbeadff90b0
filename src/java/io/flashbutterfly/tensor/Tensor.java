package io.flashbutterfly.tensor;

import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongToDoubleFunction;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A dense row-major tensor on the host or a CUDA device.
 *
 * <p>Storage is a {@link MemorySegment}: host memory that Java may read, or for a device tensor a
 * zero-length segment holding the device address, so that dereferencing it on the host throws.
 * Every tensor belongs to an owner {@link Arena}: closing the arena frees it, and {@link #close()}
 * frees it earlier. Any use after that throws {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Arena arena = Arena.ofConfined()) {
 *     Tensor u = Tensor.randn(arena, Device.best(), DType.BF16, Shape.of(4, 8, 1024), 42);
 *     System.out.println(u);   // Tensor[4, 8, 1024] bf16 cuda:0 [0.7461, -1.203, ...]
 * }                            // u's memory is freed here
 * }</pre>
 */
public final class Tensor implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(Tensor.class);
    private static final int PREVIEW = 6;
    private static final Map<Device, AtomicLong> LIVE_BYTES = new ConcurrentHashMap<>();

    private final Arena owner;
    private final Device device;
    private final DType dtype;
    private final Shape shape;
    private final Arena storage = Arena.ofShared();
    private final MemorySegment data;
    private final OwnerLink ownerLink;

    /** What the owner arena's cleanup holds: this tensor until it is closed. */
    private static final class OwnerLink {
        private volatile Tensor tensor;

        OwnerLink(Tensor tensor) { this.tensor = tensor; }

        void closeTensor() {
            Tensor t = tensor;
            if (t != null) t.close();
        }
    }

    private Tensor(Arena owner, Device device, DType dtype, Shape shape, boolean pinned) {
        this.owner = Objects.requireNonNull(owner, "owner arena must not be null");
        this.device = Objects.requireNonNull(device, "device must not be null");
        this.dtype = Objects.requireNonNull(dtype, "dtype must not be null");
        this.shape = Objects.requireNonNull(shape, "shape must not be null");
        if (device.isCuda() && !dtype.onGpu()) {
            throw new IllegalArgumentException("dtype " + dtype + " is CPU-only; GPU tensors hold fp32, fp16 or bf16");
        }
        long bytes = Math.multiplyExact(shape.numel(), (long) dtype.byteSize());
        this.data = allocate(bytes, pinned);
        LIVE_BYTES.computeIfAbsent(device, d -> new AtomicLong()).addAndGet(bytes);
        // Closing the owner closes this tensor; closing this tensor first is fine too. An owner
        // that refuses (closed, or confined to another thread) leaves nothing allocated. The
        // owner reaches this tensor through a link that close() empties: a long-lived owner keeps
        // a few bytes per tensor closed early, not the tensor.
        OwnerLink link = new OwnerLink(this);
        this.ownerLink = link;
        try {
            MemorySegment.NULL.reinterpret(0, owner, ignored -> link.closeTensor());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private MemorySegment allocate(long bytes, boolean pinned) {
        try {
            if (device.isCuda()) {
                int index = device.index();
                long address = Cuda.malloc(index, bytes);
                return MemorySegment.ofAddress(address).reinterpret(0, storage, s -> freeQuietly(() -> Cuda.free(index, address)));
            }
            if (pinned) {
                MemorySegment host = Cuda.mallocHost(bytes);
                long address = host.address();
                return host.reinterpret(bytes, storage, s -> freeQuietly(() -> Cuda.freeHost(address)));
            }
            return storage.allocate(bytes, 64);
        } catch (RuntimeException | OutOfMemoryError e) {
            storage.close();
            throw e;
        }
    }

    private static void freeQuietly(Runnable free) {
        try {
            free.run();
        } catch (RuntimeException e) {
            LOG.error("freeing tensor memory failed", e);
        }
    }

    /** An uninitialised tensor owned by owner. */
    public static Tensor empty(Arena owner, Device device, DType dtype, Shape shape) {
        return new Tensor(owner, device, dtype, shape, false);
    }

    /** An uninitialised host tensor in page-locked memory (fast, truly asynchronous copies). */
    public static Tensor emptyPinned(Arena owner, DType dtype, Shape shape) {
        return new Tensor(owner, Device.CPU, dtype, shape, true);
    }

    /** A tensor of zeros. */
    public static Tensor zeros(Arena owner, Device device, DType dtype, Shape shape) {
        Tensor t = empty(owner, device, dtype, shape);
        if (device.isCuda()) {
            Cuda.memsetAsync(t.data.address(), 0, t.byteSize(), Stream.DEFAULT);
        } else {
            t.data.fill((byte) 0);
        }
        return t;
    }

    /** A tensor with every element value (rounded to dtype). */
    public static Tensor full(Arena owner, Device device, DType dtype, Shape shape, double value) {
        return generate(owner, device, dtype, shape, i -> value);
    }

    /** A tensor of standard normal samples, the same for a given seed on every device. */
    public static Tensor randn(Arena owner, Device device, DType dtype, Shape shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return generate(owner, device, dtype, shape, i -> random.nextGaussian());
    }

    /** A tensor holding values (row-major, rounded to dtype). */
    public static Tensor of(Arena owner, Device device, DType dtype, Shape shape, double... values) {
        checkLength(shape, values.length);
        return generate(owner, device, dtype, shape, i -> values[(int) i]);
    }

    /** A tensor holding values (row-major, rounded to dtype). */
    public static Tensor of(Arena owner, Device device, DType dtype, Shape shape, float... values) {
        checkLength(shape, values.length);
        return generate(owner, device, dtype, shape, i -> values[(int) i]);
    }

    private static void checkLength(Shape shape, int length) {
        if (shape.numel() != length) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.numel() + " values, got " + length);
        }
    }

    private static Tensor generate(Arena owner, Device device, DType dtype, Shape shape, LongToDoubleFunction value) {
        Tensor t = empty(owner, device, dtype, shape);
        try {
            t.fill(value);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /** Overwrites the elements with values (row-major, rounded to dtype), copying to the device if needed. */
    public void copyFrom(double[] values) {
        checkLength(shape, values.length);
        fill(i -> values[(int) i]);
    }

    /** Sets element i to value(i) in index order; through a host staging copy for a device tensor. */
    private void fill(LongToDoubleFunction value) {
        if (!device.isCuda()) {
            MemorySegment host = data();
            for (long i = 0, n = shape.numel(); i < n; i++) dtype.write(host, i, value.applyAsDouble(i));
            return;
        }
        try (Arena staging = Arena.ofConfined()) {
            Tensor host = empty(staging, Device.CPU, dtype, shape);
            host.fill(value);
            copyFrom(host, Stream.DEFAULT);
            Stream.DEFAULT.synchronize();
        }
    }

    /** Copies src (same shape and dtype, any device) into this tensor, ordered on stream. */
    public void copyFrom(Tensor src, Stream stream) {
        Objects.requireNonNull(src, "src must not be null");
        if (!src.shape.equals(shape) || src.dtype != dtype) {
            throw new IllegalArgumentException("copy needs the same shape and dtype: src is " + src.describe()
                    + ", destination is " + describe());
        }
        if (!device.isCuda() && !src.device.isCuda()) {
            data().copyFrom(src.data());
            return;
        }
        Cuda.setDevice((device.isCuda() ? device : src.device).index());
        Cuda.copyAsync(data().address(), src.data().address(), byteSize(), stream);
    }

    /** A copy of this tensor on target, owned by the same arena; waits for the copy. */
    public Tensor to(Device target) {
        Tensor t = empty(owner, target, dtype, shape);
        t.copyFrom(this, Stream.DEFAULT);
        if (device.isCuda() || target.isCuda()) Stream.DEFAULT.synchronize();
        return t;
    }

    /** The elements as doubles (copied from the device if needed). */
    public double[] toDoubleArray() {
        if (shape.numel() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("tensor " + describe() + " has too many elements for a Java array");
        }
        double[] out = new double[(int) shape.numel()];
        readPrefix(out.length, (i, v) -> out[(int) i] = v);
        return out;
    }

    /** The elements as floats (copied from the device if needed). */
    public float[] toFloatArray() {
        double[] values = toDoubleArray();
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) out[i] = (float) values[i];
        return out;
    }

    private interface ElementSink { void accept(long index, double value); }

    /** Reads the first count elements, copying only those bytes from a device. */
    private void readPrefix(long count, ElementSink sink) {
        if (!device.isCuda()) {
            for (long i = 0; i < count; i++) sink.accept(i, dtype.read(data(), i));
            return;
        }
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment host = staging.allocate(count * dtype.byteSize(), 64);
            Cuda.setDevice(device.index());
            Cuda.copyAsync(host.address(), data().address(), host.byteSize(), Stream.DEFAULT);
            Stream.DEFAULT.synchronize();
            for (long i = 0; i < count; i++) sink.accept(i, dtype.read(host, i));
        }
    }

    /**
     * The storage: host memory, or a zero-length segment at the device address.
     *
     * @throws IllegalStateException if the tensor is closed
     */
    public MemorySegment data() {
        if (!storage.scope().isAlive()) throw new IllegalStateException("tensor is closed: " + describe());
        return data;
    }

    /** The arena that owns this tensor; outputs computed from it are owned by it too. */
    public Arena owner() { return owner; }

    /** Where the storage lives. */
    public Device device() { return device; }

    /** The element type. */
    public DType dtype() { return dtype; }

    /** The dimensions. */
    public Shape shape() { return shape; }

    /** Number of elements. */
    public long numel() { return shape.numel(); }

    /** Bytes of storage. */
    public long byteSize() { return shape.numel() * dtype.byteSize(); }

    /** True once closed (directly or through its owner). */
    public boolean isClosed() { return !storage.scope().isAlive(); }

    /** Frees the storage now. Idempotent; the owner closing later is fine. */
    @Override
    public void close() {
        synchronized (storage) {
            if (!storage.scope().isAlive()) return;
            storage.close();
            ownerLink.tensor = null;
            LIVE_BYTES.get(device).addAndGet(-byteSize());
        }
    }

    /** Bytes held by the tensors on device that are not closed yet: a leak shows here. */
    public static long liveBytes(Device device) {
        AtomicLong bytes = LIVE_BYTES.get(device);
        return bytes == null ? 0 : bytes.get();
    }

    private String describe() {
        return "Tensor" + shape + " " + dtype + " " + device;
    }

    /** Shape, dtype, device and the first few values, e.g. {@code Tensor[2, 3] fp32 cpu [1.0, 2.0, ...]}. */
    @Override
    public String toString() {
        if (isClosed()) return describe() + " (closed)";
        long shown = Math.min(PREVIEW, shape.numel());
        StringJoiner values = new StringJoiner(", ", " [", shape.numel() > shown ? ", ...]" : "]");
        readPrefix(shown, (i, v) -> values.add(String.format("%.4g", v)));
        return describe() + values;
    }
}
