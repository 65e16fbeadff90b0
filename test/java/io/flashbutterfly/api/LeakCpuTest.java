package io.flashbutterfly.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** Many forward and backward calls over mixed shapes leave no tensor memory behind on the CPU. */
class LeakCpuTest {
    @Test
    void manyCallsOverMixedShapesReturnToTheBaseline() {
        long baseline = Tensor.liveBytes(Device.CPU);
        int[][] shapes = {{1, 1, 8}, {2, 3, 17}, {1, 2, 64}, {3, 1, 5}};
        Mode[] modes = Mode.values();
        for (int call = 0; call < 20_000; call++) {
            int[] s = shapes[call % shapes.length];
            Mode mode = modes[call % modes.length];
            int taps = mode == Mode.BIDIRECTIONAL ? 2 * s[2] : s[2];
            try (Arena step = Arena.ofConfined()) {
                Tensor u = Tensor.randn(step, Device.CPU, DType.FP32, Shape.of(s[0], s[1], s[2]), call);
                Tensor k = Tensor.randn(step, Device.CPU, DType.FP32, Shape.of(s[1], taps), call + 1);
                Tensor d = Tensor.randn(step, Device.CPU, DType.FP32, Shape.of(s[1]), call + 2);
                LongConv conv = LongConv.of(mode);
                Tensor y = conv.forward(u, k, d);
                conv.backward(y, u, k, d);
            }
        }
        assertEquals(baseline, Tensor.liveBytes(Device.CPU), "tensor bytes left behind");
    }
}
