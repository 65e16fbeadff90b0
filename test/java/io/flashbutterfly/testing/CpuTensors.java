package io.flashbutterfly.testing;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;

/** Zero tensors on the CPU, for tests that only need shapes and dtypes. */
public final class CpuTensors {
    private CpuTensors() {}

    public static Tensor zeros(Arena arena, DType dtype, long... dims) {
        return Tensor.zeros(arena, Device.CPU, dtype, Shape.of(dims));
    }

    /** fp32 zeros. */
    public static Tensor zeros(Arena arena, long... dims) {
        return zeros(arena, DType.FP32, dims);
    }
}
