package io.flashbutterfly.model;

import static io.flashbutterfly.testing.Accuracy.assertClose;

import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.ops.MseLoss;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The model on the GPU against the same model on the CPU: outputs and every parameter's gradient. */
@GpuTest
class LongConvModelGpuTest {
    /** Four fp32 layers in sequence, each held to 1e-5 of the CPU's float64 on its own. */
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "B={0} H={1} L={2}")
    @CsvSource({"1,2,1", "3,4,255", "4,8,1000", "2,16,4096"})
    void forwardAndBackwardMatchTheCpu(int batch, int channels, int length) {
        long seed = Seeds.fresh("model gpu " + batch + channels + length);
        try (Arena arena = Arena.ofConfined()) {
            KernelRegularization smooth = KernelRegularization.NONE.withSmoothing(3);
            LongConvModel gpu = LongConvModel.create(arena, Device.cuda(0), channels, length, smooth, seed);
            LongConvModel cpu = LongConvModel.create(arena, Device.CPU, channels, length, smooth, seed);
            // Parameters away from the init (zero biases and D, a tiny kernel), the same on both.
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < gpu.parameters().size(); i++) {
                double[] values = random.doubles(gpu.parameters().get(i).numel(), -0.5, 0.5).toArray();
                gpu.parameters().get(i).copyFrom(values);
                cpu.parameters().get(i).copyFrom(values);
            }
            Tensor u = Tensor.randn(arena, Device.cuda(0), DType.FP32, Shape.of(batch, 1, length), seed + 1);
            double[] target = random.doubles(batch * length).toArray();
            String what = "B=" + batch + " H=" + channels + " L=" + length;
            try (Arena scratch = Arena.ofConfined()) {
                Tensor yGpu = gpu.forward(scratch, u, false, 0);
                Tensor yCpu = cpu.forward(scratch, u.to(Device.CPU), false, 0);
                assertClose(yGpu.toDoubleArray(), yCpu.toDoubleArray(), TOLERANCE, "y " + what);
                List<Tensor> got = gpu.backward(scratch, MseLoss.of(scratch, yGpu, target).gradient());
                List<Tensor> want = cpu.backward(scratch, MseLoss.of(scratch, yCpu, target).gradient());
                for (int i = 0; i < got.size(); i++) {
                    assertClose(got.get(i).toDoubleArray(), want.get(i).toDoubleArray(), TOLERANCE,
                            "gradient of parameter " + i + " " + what);
                }
            }
        }
    }
}
