package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;

/** What a cuFFT forward transforms, laid out like u and of its dtype. */
final class GatedInput {
    private GatedInput() {}

    /** u itself, or without fusing the gate there, pre * u computed into scratch for this call. */
    static CallOperand of(int device, Tensor u, Tensor pre, Stream stream) {
        if (pre == null) return CallOperand.existing(u.data());
        return CallOperand.computed(device, u.byteSize(), stream, product ->
                NativeKernels.multiply(u.data(), pre.data(), product, u.dtype(), u.numel(), stream));
    }
}
