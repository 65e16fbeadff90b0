package io.flashbutterfly.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.testing.GpuTest;
import org.junit.jupiter.api.Test;

@GpuTest
class DeviceGpuTest {
    @Test
    void queriesTheDevice() {
        assertTrue(Cuda.deviceCount() >= 1);
        DeviceInfo info = Cuda.deviceInfo(0);
        assertFalse(info.name().isBlank());
        assertTrue(info.major() >= 7, info.toString());
        assertTrue(info.multiprocessors() > 0, info.toString());
        assertTrue(info.totalMemoryBytes() > (1L << 30), info.toString());
        assertTrue(info.sharedMemoryPerBlockOptin() >= 48 * 1024, info.toString());
        MemoryInfo memory = Cuda.memoryInfo(0);
        assertTrue(memory.freeBytes() > 0 && memory.freeBytes() <= memory.totalBytes(), memory.toString());
        assertEquals(info.totalMemoryBytes(), memory.totalBytes());
    }

    @Test
    void versionsAreConsistent() {
        assertTrue(Cuda.runtimeVersion() >= 12000, "runtime " + Cuda.runtimeVersion());
        assertTrue(Cuda.driverVersion() >= Cuda.runtimeVersion(), "driver older than runtime");
    }

    @Test
    void eventsTimeWorkOnAStream() {
        try (Stream stream = Stream.create(0); Event start = Event.create(0); Event end = Event.create(0)) {
            long bytes = 64L << 20;
            long a = Cuda.malloc(0, bytes);
            try {
                start.record(stream);
                Cuda.memsetAsync(a, 1, bytes, stream);
                end.record(stream);
                float ms = end.elapsedMillisSince(start);
                assertTrue(ms > 0 && ms < 10_000, "elapsed " + ms);
            } finally {
                stream.synchronize();
                Cuda.free(0, a);
            }
        }
    }

    @Test
    void closedStreamsAndEventsRefuseUse() {
        Stream stream = Stream.create(0);
        stream.close();
        stream.close();
        assertThrows(IllegalStateException.class, stream::handle);
        Event event = Event.create(0);
        event.close();
        assertThrows(IllegalStateException.class, () -> event.record(Stream.DEFAULT));
    }

    @Test
    void invalidDeviceIsATypedError() {
        var e = assertThrows(CudaException.class, () -> Cuda.setDevice(Cuda.deviceCount() + 7));
        assertEquals("cudaErrorInvalidDevice", e.codeName());
        assertEquals("cudaSetDevice", e.function());
        Cuda.setDevice(0); // and the runtime stays usable: the error is not reported again by a later launch
        assertTrue(Cuda.memoryInfo(0).freeBytes() > 0);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var t = io.flashbutterfly.tensor.Tensor.zeros(arena, io.flashbutterfly.tensor.Device.cuda(0),
                    io.flashbutterfly.tensor.DType.FP32, io.flashbutterfly.tensor.Shape.of(8));
            io.flashbutterfly.backend.cuda.NativeKernels.fill(t, 3f, Stream.DEFAULT);
            assertEquals(3.0, t.toDoubleArray()[7]);
        }
    }
}
