package io.flashbutterfly.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorCpuTest {
    @ParameterizedTest
    @EnumSource(DType.class)
    void holdsValuesRoundedToItsDtype(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            double[] values = {1.0, -2.5, 0.1, 1e-3, 3.0, 1000.0};
            Tensor t = Tensor.of(arena, Device.CPU, dtype, Shape.of(2, 3), values);
            double[] back = t.toDoubleArray();
            for (int i = 0; i < values.length; i++) {
                double tol = switch (dtype) { case FP64 -> 0; case FP32 -> 1e-7; case FP16 -> 1e-3; case BF16 -> 4e-3; };
                assertEquals(values[i], back[i], Math.abs(values[i]) * tol, dtype + " element " + i);
            }
            assertEquals(6L * dtype.byteSize(), t.byteSize());
        }
    }

    @Test
    void randnIsSeededAndStandardNormal() {
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(64, 1024);
            double[] a = Tensor.randn(arena, Device.CPU, DType.FP32, shape, 42).toDoubleArray();
            double[] b = Tensor.randn(arena, Device.CPU, DType.FP32, shape, 42).toDoubleArray();
            double[] c = Tensor.randn(arena, Device.CPU, DType.FP32, shape, 43).toDoubleArray();
            assertArrayEquals(a, b);
            assertNotEquals(a[0], c[0]);
            double mean = java.util.Arrays.stream(a).average().orElseThrow();
            double var = java.util.Arrays.stream(a).map(x -> (x - mean) * (x - mean)).average().orElseThrow();
            assertEquals(0, mean, 0.02);
            assertEquals(1, var, 0.02);
        }
    }

    @Test
    void zerosAndFull() {
        try (Arena arena = Arena.ofConfined()) {
            assertArrayEquals(new double[5], Tensor.zeros(arena, Device.CPU, DType.BF16, Shape.of(5)).toDoubleArray());
            assertArrayEquals(new double[] {0.25, 0.25, 0.25},
                    Tensor.full(arena, Device.CPU, DType.FP16, Shape.of(3), 0.25).toDoubleArray());
        }
    }

    @Test
    void closingTheOwnerClosesTheTensorAndUseAfterCloseThrows() {
        Tensor t;
        try (Arena arena = Arena.ofConfined()) {
            t = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(4));
            assertFalse(t.isClosed());
        }
        assertTrue(t.isClosed());
        var e = assertThrows(IllegalStateException.class, t::data);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, t::toDoubleArray);
        assertTrue(t.toString().endsWith("(closed)"));
    }

    @Test
    void anOwnerThatRefusesLeavesNothingAllocated() throws Exception {
        long before = Tensor.liveBytes(Device.CPU);
        Arena closed = Arena.ofConfined();
        closed.close();
        assertThrows(IllegalStateException.class, () -> Tensor.zeros(closed, Device.CPU, DType.FP32, Shape.of(1024)));
        try (Arena confined = Arena.ofConfined()) {
            var thrown = new java.util.concurrent.atomic.AtomicReference<Throwable>();
            Thread other = new Thread(() -> {
                try {
                    Tensor.zeros(confined, Device.CPU, DType.FP32, Shape.of(1024));
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            other.start();
            other.join();
            assertTrue(thrown.get() instanceof WrongThreadException, "got " + thrown.get());
        }
        assertEquals(before, Tensor.liveBytes(Device.CPU));
    }

    @Test
    void closeIsEarlyAndIdempotent() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(4));
            t.close();
            t.close();
            assertTrue(t.isClosed());
        } // the owner's close after the tensor's must not fail
    }

    @Test
    void aTensorClosedEarlyIsNotKeptReachableByItsOwner() throws InterruptedException {
        try (Arena longLived = Arena.ofConfined()) {
            Tensor t = Tensor.zeros(longLived, Device.CPU, DType.FP32, Shape.of(4));
            WeakReference<Tensor> ref = new WeakReference<>(t);
            t.close();
            t = null;
            for (int i = 0; i < 50 && ref.get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertNull(ref.get(), "the open owner arena still holds the closed tensor");
        }
    }

    @Test
    void copyFromChecksShapeAndDtype() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(3), 1f, 2f, 3f);
            Tensor b = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(3));
            b.copyFrom(a, io.flashbutterfly.runtime.Stream.DEFAULT);
            assertArrayEquals(new double[] {1, 2, 3}, b.toDoubleArray());
            Tensor c = Tensor.zeros(arena, Device.CPU, DType.FP16, Shape.of(3));
            var e = assertThrows(IllegalArgumentException.class, () -> c.copyFrom(a, io.flashbutterfly.runtime.Stream.DEFAULT));
            assertTrue(e.getMessage().contains("same shape and dtype"), e.getMessage());
        }
    }

    @Test
    void rejectsBadArgumentsNamingThem() {
        try (Arena arena = Arena.ofConfined()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(2, 2), 1.0, 2.0));
            assertTrue(e.getMessage().contains("needs 4 values"), e.getMessage());
            var fp64 = assertThrows(IllegalArgumentException.class,
                    () -> Tensor.empty(arena, Device.cuda(0), DType.FP64, Shape.of(2)));
            assertTrue(fp64.getMessage().contains("CPU-only"), fp64.getMessage());
            var owner = assertThrows(NullPointerException.class, () -> Tensor.empty(null, Device.CPU, DType.FP32, Shape.of(2)));
            assertTrue(owner.getMessage().contains("owner"), owner.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Device.cuda(-1));
        }
    }

    @Test
    void toStringShowsShapeDtypeDeviceAndAPreview() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor t = Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(2, 4), 1, 2, 3, 4, 5, 6, 7, 8f);
            assertEquals("Tensor[2, 4] fp32 cpu [1.000, 2.000, 3.000, 4.000, 5.000, 6.000, ...]", t.toString());
            Tensor small = Tensor.of(arena, Device.CPU, DType.BF16, Shape.of(2), 0.5, -1.0);
            assertEquals("Tensor[2] bf16 cpu [0.5000, -1.000]", small.toString());
        }
    }
}
