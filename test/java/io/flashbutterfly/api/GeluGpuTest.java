package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Accuracy;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Poisoned;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GELU on the GPU against the CPU backend, on fresh random inputs, outputs poisoned with NaN before every run. */
@GpuTest
class GeluGpuTest {
    private static final Device GPU = Device.cuda(0);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"1", "7", "3,5,17", "2,3,4097", "4,64,1000", "1,1,1048577"})
    void forwardAndBackwardMatchTheCpu(String dims) {
        long[] d = Arrays.stream(dims.split(",")).mapToLong(Long::parseLong).toArray();
        Shape shape = Shape.of(d);
        SplittableRandom random = new SplittableRandom(Seeds.fresh("gelu " + dims));
        try (Arena arena = Arena.ofConfined()) {
            // Wide enough for both tails: gelu is near 0 far left and near x far right.
            Tensor x = Tensor.of(arena, GPU, DType.FP32, shape, random.doubles(shape.numel(), -8, 8).toArray());
            Tensor dy = Tensor.randn(arena, GPU, DType.FP32, shape, Seeds.fresh("gelu dy " + dims));
            Tensor y = Poisoned.tensor(arena, GPU, DType.FP32, shape);
            Gelu.forward(x, y, Stream.DEFAULT);
            assertClose(y.toDoubleArray(), Gelu.forward(x.to(Device.CPU)).toDoubleArray(),
                    Accuracy.tolerance(DType.FP32), "y " + shape);
            Tensor dx = Poisoned.tensor(arena, GPU, DType.FP32, shape);
            Gelu.backward(dy, x, dx, Stream.DEFAULT);
            assertClose(dx.toDoubleArray(), Gelu.backward(dy.to(Device.CPU), x.to(Device.CPU)).toDoubleArray(),
                    Accuracy.tolerance(DType.FP32), "dx " + shape);
        }
    }
}
