package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The linear layer on the GPU (cuBLAS and our kernels) against the CPU backend, on fresh random
 * inputs, outputs poisoned with NaN before every run: odd lengths, one channel in or out, long
 * rows, a batch of 16 one-point sequences.
 */
@GpuTest
class ChannelLinearGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final double TOLERANCE = Accuracy.tolerance(DType.FP32);

    @ParameterizedTest(name = "B={0} I={1} O={2} L={3} bias={4}")
    @CsvSource({"1,1,1,1,true", "2,3,5,7,false", "1,1,64,4097,true", "3,64,1,513,true", "4,64,128,1000,true",
        "16,32,48,1,false", "2,256,256,333,true"})
    void forwardAndBackwardMatchTheCpu(int batch, int in, int out, int length, boolean withBias) {
        String what = "B=" + batch + " I=" + in + " O=" + out + " L=" + length + " bias=" + withBias;
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.randn(arena, GPU, DType.FP32, Shape.of(batch, in, length), Seeds.fresh("x " + what));
            Tensor w = Tensor.randn(arena, GPU, DType.FP32, Shape.of(out, in), Seeds.fresh("w " + what));
            Tensor bias = withBias ? Tensor.randn(arena, GPU, DType.FP32, Shape.of(out), Seeds.fresh("b " + what)) : null;
            Tensor dy = Tensor.randn(arena, GPU, DType.FP32, Shape.of(batch, out, length), Seeds.fresh("dy " + what));
            Tensor cpuBias = withBias ? bias.to(Device.CPU) : null;

            Tensor y = Poisoned.tensor(arena, GPU, DType.FP32, dy.shape());
            ChannelLinear.forward(x, w, bias, y, Stream.DEFAULT);
            Tensor want = ChannelLinear.forward(x.to(Device.CPU), w.to(Device.CPU), cpuBias);
            assertClose(y.toDoubleArray(), want.toDoubleArray(), TOLERANCE, "y " + what);

            LinearGradients got = new LinearGradients(Poisoned.tensor(arena, GPU, DType.FP32, x.shape()),
                    Poisoned.tensor(arena, GPU, DType.FP32, w.shape()),
                    withBias ? Poisoned.tensor(arena, GPU, DType.FP32, bias.shape()) : null);
            ChannelLinear.backward(dy, x, w, bias, got, Stream.DEFAULT);
            LinearGradients expected = ChannelLinear.backward(dy.to(Device.CPU), x.to(Device.CPU), w.to(Device.CPU),
                    cpuBias);
            assertClose(got.dx().toDoubleArray(), expected.dx().toDoubleArray(), TOLERANCE, "dx " + what);
            assertClose(got.dw().toDoubleArray(), expected.dw().toDoubleArray(), TOLERANCE, "dw " + what);
            if (withBias) {
                assertClose(got.dbias().toDoubleArray(), expected.dbias().toDoubleArray(), TOLERANCE, "dbias " + what);
            }
        }
    }

    @Test
    void runsOnTheGivenStream() {
        try (Arena arena = Arena.ofConfined(); Stream stream = Stream.create(0)) {
            Tensor x = Tensor.randn(arena, GPU, DType.FP32, Shape.of(3, 8, 257), Seeds.fresh("stream x"));
            Tensor w = Tensor.randn(arena, GPU, DType.FP32, Shape.of(5, 8), Seeds.fresh("stream w"));
            Tensor bias = Tensor.randn(arena, GPU, DType.FP32, Shape.of(5), Seeds.fresh("stream b"));
            Tensor y = Poisoned.tensor(arena, GPU, DType.FP32, Shape.of(3, 5, 257));
            Stream.DEFAULT.synchronize(); // the poison lands before the stream's work
            ChannelLinear.forward(x, w, bias, y, stream);
            stream.synchronize();
            Tensor want = ChannelLinear.forward(x.to(Device.CPU), w.to(Device.CPU), bias.to(Device.CPU));
            assertClose(y.toDoubleArray(), want.toDoubleArray(), TOLERANCE, "on a stream");
        }
    }

    @Test
    void tensorsMustShareTheDevice() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(1, 2, 4));
            Tensor hostW = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(3, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ChannelLinear.forward(x, hostW, null));
            assertTrue(e.getMessage().contains("w is on cpu but x is on cuda:0"), e.getMessage());
            Tensor w = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(3, 2));
            Tensor hostBias = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(3));
            assertThrows(IllegalArgumentException.class, () -> ChannelLinear.forward(x, w, hostBias));
            assertThrows(IllegalArgumentException.class, () -> ChannelLinear.forward(x, w, null,
                    Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(1, 3, 4)), Stream.DEFAULT));
        }
    }
}
