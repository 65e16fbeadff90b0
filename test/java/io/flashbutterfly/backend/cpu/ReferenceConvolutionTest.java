package io.flashbutterfly.backend.cpu;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReferenceConvolutionTest {
    @Test
    void smallExampleByHand() {
        double[] u = {1, 2, 3, 4};
        double[] k = {1, -1};
        assertArrayEquals(new double[] {1, 1, 1, 1}, ReferenceConvolution.causalDirect(u, k), 0);
        assertArrayEquals(new double[] {1, 1, 1, 1}, ReferenceConvolution.causalFft(u, k), 1e-12);
    }

    @ParameterizedTest
    @CsvSource({"1,1", "7,7", "8,3", "255,255", "372,100", "1000,1000", "1134,17", "4096,4096"})
    void fftPathMatchesDirectSum(int l, int lk) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("conv" + l + "x" + lk));
        double[] u = random.doubles(l, -1, 1).toArray();
        double[] k = random.doubles(lk, -1, 1).toArray();
        assertClose(ReferenceConvolution.causalFft(u, k), ReferenceConvolution.causalDirect(u, k), 1e-12,
                "L=" + l + " Lk=" + lk);
    }

    @Test
    void tensorFormAddsTheSkipPerChannel() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(1, 2, 3), 1, 2, 3, 4, 5, 6f);
            Tensor k = Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(2, 2), 1, 0, 0, 1f);
            Tensor d = Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(2), 10, 100f);
            double[] y = ReferenceConvolution.causal(arena, u, k, d).toDoubleArray();
            // channel 0: identity kernel + 10 u; channel 1: a delay by one + 100 u.
            assertArrayEquals(new double[] {11, 22, 33, 400, 504, 605}, y, 1e-12);
        }
    }

    @Test
    void rejectsMismatchedShapes() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(1, 2, 3));
            Tensor longKernel = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(2, 4));
            Tensor wrongChannels = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(3, 3));
            assertThrows(IllegalArgumentException.class, () -> ReferenceConvolution.causal(arena, u, longKernel, null));
            assertThrows(IllegalArgumentException.class, () -> ReferenceConvolution.causal(arena, u, wrongChannels, null));
        }
    }
}
