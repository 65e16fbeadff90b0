package io.flashbutterfly.api;

import static io.flashbutterfly.testing.CpuTensors.zeros;
import static io.flashbutterfly.testing.Rejections.assertRejected;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** Bad arguments give exceptions that name the argument and say what was expected. */
class LongConvValidationTest {
    /** Zeros of fp32 on the CPU: what these checks need. */
    @Test
    void shapesAndLengths() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = zeros(arena, 2, 3, 8);
            Tensor k = zeros(arena, 3, 8);
            LongConv conv = LongConv.causal();
            assertRejected(IllegalArgumentException.class, "u must be (B, H, L)",
                    () -> conv.forward(zeros(arena, 3, 8), k, null));
            assertRejected(IllegalArgumentException.class, "k's length 9",
                    () -> conv.forward(u, zeros(arena, 3, 9), null));
            assertRejected(IllegalArgumentException.class, "H=3",
                    () -> conv.forward(u, zeros(arena, 4, 8), null));
            assertRejected(IllegalArgumentException.class, "k must be (H, Lk)",
                    () -> conv.spectrum(zeros(arena, 3, 8, 1), 8));
            assertRejected(IllegalArgumentException.class, "d must be (H=3)",
                    () -> conv.forward(u, k, zeros(arena, 2)));
            assertRejected(IllegalArgumentException.class, "even Lk",
                    () -> LongConv.bidirectional().forward(u, zeros(arena, 3, 7), null));
            assertRejected(IllegalArgumentException.class, "length must be >= 1", () -> conv.spectrum(k, 0));
            assertRejected(NullPointerException.class, "u must not be null", () -> conv.forward(null, k, null));
            assertRejected(NullPointerException.class, "k must not be null", () -> conv.forward(u, (Tensor) null, null));
        }
    }

    @Test
    void outputsAndGradientsMustMatch() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = zeros(arena, 2, 3, 8);
            Tensor k = zeros(arena, 3, 8);
            LongConv conv = LongConv.causal();
            KernelSpectrum spectrum = conv.spectrum(k, 8);
            Tensor wrongDtype = Tensor.zeros(arena, Device.CPU, DType.BF16, u.shape());
            assertRejected(IllegalArgumentException.class, "y must be [2, 3, 8] fp32",
                    () -> conv.forward(u, spectrum, null, wrongDtype, io.flashbutterfly.runtime.Stream.DEFAULT));
            assertRejected(IllegalArgumentException.class, "dy must be",
                    () -> conv.backward(zeros(arena, 1, 3, 8), u, spectrum, null));
            Tensor shorter = zeros(arena, 2, 3, 7);
            assertRejected(IllegalArgumentException.class, "spectrum is for H=3, L=8",
                    () -> conv.forward(shorter, spectrum, null));
            assertRejected(IllegalArgumentException.class, "must match the spectrum's kernel",
                    () -> spectrum.update(zeros(arena, 3, 4)));
        }
    }

    @Test
    void closedTensorsAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = zeros(arena, 1, 1, 8);
            Tensor k = zeros(arena, 1, 8);
            u.close();
            assertRejected(IllegalStateException.class, "closed", () -> LongConv.causal().forward(u, k, null));
        }
    }
}
