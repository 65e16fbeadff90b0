package io.flashbutterfly.api;

import static io.flashbutterfly.testing.CpuTensors.zeros;
import static io.flashbutterfly.testing.Rejections.assertRejected;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** The linear layer and GELU refuse bad arguments with exceptions that name the argument and what was expected. */
class LayerValidationTest {
    @Test
    void linearShapesAndDtypes() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = zeros(arena, 2, 3, 8);
            Tensor w = zeros(arena, 4, 3);
            Tensor bias = zeros(arena, 4);
            assertRejected(IllegalArgumentException.class, "x must be (B, I, L)",
                    () -> ChannelLinear.forward(zeros(arena, 3, 8), w, bias));
            assertRejected(IllegalArgumentException.class, "w must be (O, I=3)",
                    () -> ChannelLinear.forward(x, zeros(arena, 4, 2), bias));
            assertRejected(IllegalArgumentException.class, "bias must be (O=4)",
                    () -> ChannelLinear.forward(x, w, zeros(arena, 3)));
            assertRejected(IllegalArgumentException.class, "x must be fp32, got bf16",
                    () -> ChannelLinear.forward(zeros(arena, DType.BF16, 2, 3, 8), w, bias));
            assertRejected(IllegalArgumentException.class, "w must be fp32, got fp64",
                    () -> ChannelLinear.forward(x, zeros(arena, DType.FP64, 4, 3), bias));
            assertRejected(IllegalArgumentException.class, "bias must be fp32, got fp16",
                    () -> ChannelLinear.forward(x, w, zeros(arena, DType.FP16, 4)));
            assertRejected(NullPointerException.class, "x must not be null", () -> ChannelLinear.forward(null, w, bias));
            assertRejected(IllegalArgumentException.class, "y must be [2, 4, 8] fp32 on cpu",
                    () -> ChannelLinear.forward(x, w, bias, zeros(arena, 2, 3, 8), Stream.DEFAULT));
            assertRejected(IllegalArgumentException.class, "dy must be [2, 4, 8] fp32 on cpu",
                    () -> ChannelLinear.backward(zeros(arena, 2, 4, 7), x, w, bias));
            Tensor dy = zeros(arena, 2, 4, 8);
            LinearGradients noBias = new LinearGradients(zeros(arena, 2, 3, 8), zeros(arena, 4, 3), null);
            assertRejected(IllegalArgumentException.class, "out.dbias must be given exactly when bias is",
                    () -> ChannelLinear.backward(dy, x, w, bias, noBias, Stream.DEFAULT));
            LinearGradients wrongDw = new LinearGradients(zeros(arena, 2, 3, 8), zeros(arena, 3, 4), zeros(arena, 4));
            assertRejected(IllegalArgumentException.class, "out.dw must be [4, 3]",
                    () -> ChannelLinear.backward(dy, x, w, bias, wrongDw, Stream.DEFAULT));
        }
    }

    @Test
    void geluShapesAndDtypes() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = zeros(arena, 2, 3);
            assertRejected(IllegalArgumentException.class, "x must be fp32, got bf16",
                    () -> Gelu.forward(zeros(arena, DType.BF16, 2, 3)));
            assertRejected(IllegalArgumentException.class, "y must be [2, 3] fp32 on cpu",
                    () -> Gelu.forward(x, zeros(arena, 3, 2), Stream.DEFAULT));
            assertRejected(IllegalArgumentException.class, "dy must be [2, 3] fp32 on cpu",
                    () -> Gelu.backward(zeros(arena, DType.FP64, 2, 3), x));
            assertRejected(IllegalArgumentException.class, "dx must be [2, 3] fp32 on cpu",
                    () -> Gelu.backward(x, x, zeros(arena, 6), Stream.DEFAULT));
            assertRejected(NullPointerException.class, "x must not be null", () -> Gelu.forward(null));
        }
    }

    @Test
    void closedTensorsAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = zeros(arena, 1, 2, 8);
            Tensor w = zeros(arena, 2, 2);
            x.close();
            assertRejected(IllegalStateException.class, "closed", () -> ChannelLinear.forward(x, w, null));
            assertRejected(IllegalStateException.class, "closed", () -> Gelu.forward(x));
            Tensor y = zeros(arena, 1, 2, 8);
            y.close();
            assertRejected(IllegalStateException.class, "closed",
                    () -> ChannelLinear.forward(zeros(arena, 1, 2, 8), w, null, y, Stream.DEFAULT));
        }
    }
}
