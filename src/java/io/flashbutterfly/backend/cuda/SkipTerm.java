package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/** The skip weights D as the kernels read them, fp32. */
final class SkipTerm {
    private SkipTerm() {}

    /** D itself when it is fp32, else a copy cast into scratch for this call; NULL when there is no D. */
    static CallOperand of(int device, Tensor d, Stream stream) {
        if (d == null) return CallOperand.existing(MemorySegment.NULL);
        if (d.dtype() == DType.FP32) return CallOperand.existing(d.data());
        return CallOperand.computed(device, d.numel() * 4, stream, copy ->
                NativeKernels.castPad(d.data(), d.dtype(), d.numel(), copy, DType.FP32, d.numel(), 1, 1f, stream));
    }
}
