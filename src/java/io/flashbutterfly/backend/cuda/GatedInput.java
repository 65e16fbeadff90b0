package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * What a cuFFT forward transforms, laid out like u and of its dtype: u itself, or without fusing
 * the gate there, pre * u computed into stream-ordered scratch for this call.
 */
final class GatedInput implements AutoCloseable {
    private final MemorySegment pointer;
    private final Scratch copy;

    private GatedInput(MemorySegment pointer, Scratch copy) {
        this.pointer = pointer;
        this.copy = copy;
    }

    static GatedInput of(int device, Tensor u, Tensor pre, Stream stream) {
        if (pre == null) return new GatedInput(u.data(), null);
        Scratch copy = Scratch.allocate(device, u.byteSize(), stream);
        try {
            NativeKernels.multiply(u.data(), pre.data(), copy.segment(), u.dtype(), u.numel(), stream);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        }
        return new GatedInput(copy.segment(), copy);
    }

    /** The input's device address. */
    MemorySegment pointer() { return pointer; }

    @Override
    public void close() {
        if (copy != null) copy.close();
    }
}
