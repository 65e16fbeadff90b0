package io.flashbutterfly.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** Where CUDA is unusable, the CPU still works and a GPU request fails saying why. */
class NoGpuTest {
    @Test
    void aGpuRequestSaysWhatIsMissing() {
        assumeTrue(!Cuda.isAvailable(), "a CUDA GPU is present: this test is for machines without one");
        try (Arena arena = Arena.ofConfined()) {
            Tensor cpu = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(4));
            assertTrue(cpu.toDoubleArray().length == 4, "the CPU path works");
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> Tensor.zeros(arena, Device.cuda(0), DType.FP32, Shape.of(4)));
            assertTrue(e instanceof GpuException || e instanceof NativeLibraryException, e.toString());
            assertTrue(e.getMessage().contains(e instanceof NativeLibraryException ? "tried" : "cuda"),
                    "the message says what failed: " + e.getMessage());
            assertEquals(Device.CPU, Device.best());
        }
    }
}
