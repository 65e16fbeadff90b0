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
import org.junit.jupiter.params.provider.CsvSource;

/** GELU on the GPU against the CPU backend, on fresh random inputs, outputs poisoned with NaN before every run. */
@GpuTest
class GeluGpuTest {
    private static final Device GPU = Device.cuda(0);

    /**
     * Shapes with x drawn from [low, high): both tails (gelu near 0 far left, near x far right),
     * and the left tail alone, where only a form without cancellation keeps fp32's accuracy. A
     * single element is drawn where gelu' has no zero (it has one near x = -0.75, where no fp32
     * sum keeps its relative accuracy).
     */
    @ParameterizedTest(name = "[{0}] x in [{1}, {2})")
    @CsvSource({"1,0,8", "1,-9,-3", "7,-8,8", "'3,5,17',-8,8", "'2,3,4097',-8,8", "'4,64,1000',-8,8",
        "'1,1,1048577',-8,8", "'3,1000',-9,-3"})
    void forwardAndBackwardMatchTheCpu(String dims, double low, double high) {
        Shape shape = Shape.of(Arrays.stream(dims.split(",")).mapToLong(Long::parseLong).toArray());
        SplittableRandom random = new SplittableRandom(Seeds.fresh("gelu " + dims + low));
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.of(arena, GPU, DType.FP32, shape, random.doubles(shape.numel(), low, high).toArray());
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
