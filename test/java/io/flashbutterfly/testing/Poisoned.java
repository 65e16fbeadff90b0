package io.flashbutterfly.testing;

import io.flashbutterfly.backend.cuda.NativeKernels;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;

/** GPU outputs filled with NaN before a run, so an element the run never writes fails the check. */
public final class Poisoned {
    private Poisoned() {}

    /** A new GPU tensor full of NaN (the fill is ordered on the default stream). */
    public static Tensor tensor(Arena arena, Device gpu, DType dtype, Shape shape) {
        Tensor t = Tensor.empty(arena, gpu, dtype, shape);
        NativeKernels.fill(t, Float.NaN, Stream.DEFAULT);
        return t;
    }
}
