package io.flashbutterfly.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.CudaOutOfMemoryException;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

@GpuTest
class TensorGpuTest {
    private static final Device GPU = Device.cuda(0);

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FP32", "FP16", "BF16"})
    void hostDeviceRoundTripsAreExact(DType dtype) {
        for (long n : new long[] {1, 7, 1000, (1 << 20) + 3}) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor host = Tensor.randn(arena, Device.CPU, dtype, Shape.of(n), Seeds.fresh("rt" + dtype + n));
                Tensor gpu = host.to(GPU);
                Tensor gpu2 = Tensor.empty(arena, GPU, dtype, Shape.of(n));
                gpu2.copyFrom(gpu, Stream.DEFAULT);
                Tensor back = gpu2.to(Device.CPU);
                assertEquals(-1, host.data().mismatch(back.data()), dtype + " n=" + n + ": bytes differ");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FP32", "FP16", "BF16"})
    void factoriesGiveTheSameValuesOnEveryDevice(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(3, 257);
            long seed = Seeds.fresh("factories" + dtype);
            assertArrayEquals(Tensor.randn(arena, Device.CPU, dtype, shape, seed).toDoubleArray(),
                    Tensor.randn(arena, GPU, dtype, shape, seed).toDoubleArray());
            assertArrayEquals(new double[(int) shape.numel()], Tensor.zeros(arena, GPU, dtype, shape).toDoubleArray());
            double[] full = Tensor.full(arena, GPU, dtype, shape, -0.75).toDoubleArray();
            for (double v : full) assertEquals(-0.75, v);
        }
    }

    @Test
    void pinnedHostMemoryCopiesAsynchronously() {
        try (Arena arena = Arena.ofConfined(); Stream stream = Stream.create(0)) {
            Shape shape = Shape.of(1 << 16);
            Tensor pinned = Tensor.emptyPinned(arena, DType.FP32, shape);
            for (int i = 0; i < shape.numel(); i++) pinned.data().setAtIndex(ValueLayout.JAVA_FLOAT, i, i * 0.5f);
            Tensor gpu = Tensor.empty(arena, GPU, DType.FP32, shape);
            Tensor back = Tensor.emptyPinned(arena, DType.FP32, shape);
            gpu.copyFrom(pinned, stream);
            back.copyFrom(gpu, stream);
            stream.synchronize();
            assertEquals(-1, pinned.data().mismatch(back.data()));
        }
    }

    @Test
    void deviceMemoryIsNotHostReadableAndUseAfterCloseThrows() {
        Tensor t;
        try (Arena arena = Arena.ofConfined()) {
            t = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(16));
            assertEquals(0, t.data().byteSize(), "a device tensor's segment has no host-readable bytes");
            Tensor dev = t;
            assertThrows(IndexOutOfBoundsException.class, () -> dev.data().get(ValueLayout.JAVA_FLOAT, 0));
            assertTrue(t.toString().startsWith("Tensor[16] fp32 cuda:0 [0.000"), t.toString());
        }
        assertTrue(t.isClosed());
        assertThrows(IllegalStateException.class, t::data);
        assertThrows(IllegalStateException.class, t::toDoubleArray);
    }

    @Test
    void closingFreesDeviceMemory() {
        long before = Cuda.memoryInfo(0).freeBytes();
        long bytes = 1L << 30;
        try (Arena arena = Arena.ofConfined()) {
            Tensor.empty(arena, GPU, DType.FP32, Shape.of(bytes / 4));
            assertTrue(Cuda.memoryInfo(0).freeBytes() <= before - bytes + (64L << 20), "1 GiB not taken");
        }
        assertTrue(Cuda.memoryInfo(0).freeBytes() >= before - (64L << 20), "1 GiB not given back");
    }

    @Test
    void absurdAllocationIsOutOfMemoryAndNothingLeaks() {
        long before = Cuda.memoryInfo(0).freeBytes();
        try (Arena arena = Arena.ofConfined()) {
            long elements = 1L << 48; // 1 PiB of fp32
            var e = assertThrows(CudaOutOfMemoryException.class,
                    () -> Tensor.empty(arena, GPU, DType.FP32, Shape.of(elements)));
            assertEquals(elements * 4, e.requestedBytes());
            assertTrue(e.freeBytes() > 0 && e.freeBytes() <= Cuda.memoryInfo(0).totalBytes());
            assertEquals("cudaMalloc", e.function());
            // The library stays usable.
            Tensor ok = Tensor.full(arena, GPU, DType.FP32, Shape.of(4), 2.0);
            assertArrayEquals(new double[] {2, 2, 2, 2}, ok.toDoubleArray());
        }
        assertTrue(Cuda.memoryInfo(0).freeBytes() >= before - (64L << 20));
    }
}
