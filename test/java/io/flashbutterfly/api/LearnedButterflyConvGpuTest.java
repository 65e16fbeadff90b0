package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static io.flashbutterfly.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashbutterfly.ops.ButterflyFactor;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Accuracy;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The learned butterfly on the GPU against the float64 CPU backend, with perturbed factors and
 * outputs poisoned with NaN first: forward, and the gradients of u, k, D and every factor, for
 * shared and per-channel factors, every dtype, square and lopsided factorisations, odd lengths
 * and kernels shorter than u; at the exact DFT it matches the fixed FlashButterfly path.
 */
@GpuTest
class LearnedButterflyConvGpuTest {
    private static final Device GPU = Device.cuda(0);
    /**
     * (B, H, L, Lk, n1, n2); the third runs without D. L = 1 has six rows: half-precision products
     * err by about 2^-9 of each term, and a single du that nearly cancels (k dy against D dy) made a
     * one-row case's relative error reach 1.9e-2 of the 2e-2 allowed.
     */
    private static final int[][] SHAPES = {{2, 3, 100, 100, 16, 16}, {1, 2, 777, 500, 32, 64}, {3, 2, 64, 7, 8, 16},
        {2, 4, 1000, 1000, 64, 32}, {2, 3, 1, 1, 1, 2}, {4, 2, 300, 211, 4, 128}};

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (DType dtype : new DType[] {DType.FP32, DType.BF16, DType.FP16}) {
            for (int s = 0; s < SHAPES.length; s++) {
                for (boolean shared : new boolean[] {true, false}) cases.add(Arguments.of(dtype, shared, SHAPES[s], s != 2));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} shared={1} {2} D={3}")
    @MethodSource("cases")
    void forwardAndGradientsMatchTheFloat64Reference(DType dtype, boolean shared, int[] shape, boolean skip) {
        int batch = shape[0], channels = shape[1], length = shape[2], taps = shape[3], n1 = shape[4], n2 = shape[5];
        String what = dtype + " shared=" + shared + " B=" + batch + " H=" + channels + " L=" + length + " Lk=" + taps
                + " " + n1 + "x" + n2;
        try (Arena arena = Arena.ofConfined()) {
            int groups = shared ? 1 : channels;
            long seed = Seeds.fresh("factors " + what);
            LearnedButterflyConv gpu = LearnedButterflyConv.create(arena, GPU, n1, n2, groups, 0.05, seed);
            LearnedButterflyConv cpu = LearnedButterflyConv.create(arena, Device.CPU, n1, n2, groups, 0.05, seed);
            LearnedConvolutionChecks.Compared c = LearnedConvolutionChecks.againstTheReference(arena, gpu, cpu, dtype,
                    batch, channels, length, taps, skip, what);
            for (ButterflyFactor f : ButterflyFactor.values()) {
                assertClose(c.got().dFactors().get(f.ordinal()).toDoubleArray(),
                        c.want().dFactors().get(f.ordinal()).toDoubleArray(), c.tolerance(), "d" + f + " " + what);
            }
        }
    }

    /** At the exact DFT the learned path is the convolution LongConv's FlashButterfly path computes. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void atInitialisationItMatchesTheFixedFlashButterflyPath(DType dtype) {
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(4, 8, 1024);
            Tensor u = Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("init u " + dtype));
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(8, 1024), Seeds.fresh("init k " + dtype));
            Tensor d = Tensor.randn(arena, GPU, DType.FP32, Shape.of(8), Seeds.fresh("init d " + dtype));
            LearnedButterflyConv learned = LearnedButterflyConv.forLength(arena, GPU, 1024, 1);
            assertEquals(2048, learned.fftSize());
            Tensor fixed = LongConv.causal().algorithm(Algorithm.FLASH_BUTTERFLY).forward(u, k, d);
            assertClose(learned.forward(u, k, d).toDoubleArray(), fixed.toDoubleArray(),
                    Accuracy.compositionTolerance(dtype), "learned at init vs FlashButterfly " + dtype);
        }
    }

    static List<DType> dtypes() {
        return List.of(DType.FP32, DType.BF16);
    }

    @Test
    void refusesInputsOnAnotherDeviceAndAllocatesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            LearnedButterflyConv conv = LearnedButterflyConv.create(arena, GPU, 8, 8, 1, 0, 1);
            Tensor u = Tensor.zeros(arena, GPU, DType.BF16, Shape.of(2, 3, 32));
            Tensor kOnHost = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(3, 32));
            Tensor k = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(3, 32));
            Tensor fp64 = Tensor.zeros(arena, Device.CPU, DType.FP64, Shape.of(2, 3, 32));
            Tensor dyFp32 = Tensor.zeros(arena, GPU, DType.FP32, u.shape());
            long live = Tensor.liveBytes(GPU);
            assertRejected(IllegalArgumentException.class, "k is on cpu but the learned parameters are on cuda:0",
                    () -> conv.forward(u, kOnHost, null));
            assertRejected(IllegalArgumentException.class, "u is on cpu but the learned parameters are on cuda:0",
                    () -> conv.forward(fp64, k, null));
            assertRejected(IllegalArgumentException.class, "dy must be [2, 3, 32] bf16 on cuda:0",
                    () -> conv.backward(dyFp32, u, k, null));
            assertEquals(live, Tensor.liveBytes(GPU), "a rejected call allocated on the GPU");
        }
    }
}
