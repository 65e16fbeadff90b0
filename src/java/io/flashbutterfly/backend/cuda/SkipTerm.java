package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * The skip weights D as the kernels read them, fp32: D itself when it is fp32, else a copy cast
 * into stream-ordered scratch for this call; NULL when there is no D.
 */
final class SkipTerm implements AutoCloseable {
    private final MemorySegment pointer;
    private final Scratch copy;

    private SkipTerm(MemorySegment pointer, Scratch copy) {
        this.pointer = pointer;
        this.copy = copy;
    }

    static SkipTerm of(int device, Tensor d, Stream stream) {
        if (d == null) return new SkipTerm(MemorySegment.NULL, null);
        if (d.dtype() == DType.FP32) return new SkipTerm(d.data(), null);
        Scratch copy = Scratch.allocate(device, d.numel() * 4, stream);
        try {
            NativeKernels.castPad(d.data(), d.dtype(), d.numel(), copy.segment(), DType.FP32, d.numel(), 1, 1f, stream);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
        return new SkipTerm(copy.segment(), copy);
    }

    /** The fp32 weights' device address, or NULL. */
    MemorySegment pointer() { return pointer; }

    @Override
    public void close() {
        if (copy != null) copy.close();
    }
}
