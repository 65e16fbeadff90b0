package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static io.flashbutterfly.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashbutterfly.backend.cuda.CudaStockhamButterfly;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Accuracy;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The learned butterfly in the on-chip kernel's factorisation on the GPU against the float64 CPU
 * backend, with perturbed matrices and outputs poisoned with NaN first: forward, and the
 * gradients of u, k, D and both directions' matrices, shared and per-channel, bf16 and fp16, odd
 * lengths and kernels shorter than u; at the DFT it matches the fixed FlashButterfly path; fp32
 * sequences and FFT sizes past the backward's limit are refused.
 */
@GpuTest
class StockhamButterflyConvGpuTest {
    private static final Device GPU = Device.cuda(0);

    @ParameterizedTest(name = "{0} B={1} H={2} L={3} Lk={4} N={5} groups={6} D={7}")
    @CsvSource({"BF16,2,3,100,100,256,1,true", "FP16,1,2,777,500,2048,2,true", "BF16,3,2,64,7,128,2,false",
        "BF16,2,2,4000,4000,8192,1,true", "BF16,1,1,1,1,4,1,true"})
    void forwardAndGradientsMatchTheFloat64Reference(DType dtype, int batch, int channels, int length, int taps,
                                                      int fftSize, int groups, boolean skip) {
        String what = dtype + " B=" + batch + " H=" + channels + " L=" + length + " Lk=" + taps + " N=" + fftSize
                + " groups=" + groups;
        try (Arena arena = Arena.ofConfined()) {
            long seed = Seeds.fresh("levels " + what);
            StockhamButterflyConv gpu = StockhamButterflyConv.create(arena, GPU, fftSize, groups, 0.05, seed);
            StockhamButterflyConv cpu = StockhamButterflyConv.create(arena, Device.CPU, fftSize, groups, 0.05, seed);
            LearnedConvolutionChecks.Compared c = LearnedConvolutionChecks.againstTheReference(arena, gpu, cpu, dtype,
                    batch, channels, length, taps, skip, what);
            for (int i = 0; i < 2; i++) {
                String name = (i == 0 ? "dForward " : "dInverse ") + what;
                if (gpu.levels() > 0) {
                    assertClose(c.got().dFactors().get(i).toDoubleArray(), c.want().dFactors().get(i).toDoubleArray(),
                            c.tolerance(), name);
                } else { // no learned level (N <= 16): the placeholder level's gradient is zero, as on the CPU
                    for (double v : c.got().dFactors().get(i).toDoubleArray()) assertEquals(0.0, v, name);
                }
            }
        }
    }

    /** At the DFT the learned path is the convolution LongConv's FlashButterfly path computes. */
    @Test
    void atInitialisationItMatchesTheFixedFlashButterflyPath() {
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(4, 8, 1024);
            Tensor u = Tensor.randn(arena, GPU, DType.BF16, shape, Seeds.fresh("stockham init u"));
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(8, 1024), Seeds.fresh("stockham init k"));
            Tensor d = Tensor.randn(arena, GPU, DType.FP32, Shape.of(8), Seeds.fresh("stockham init d"));
            StockhamButterflyConv learned = StockhamButterflyConv.forLength(arena, GPU, 1024, 1);
            assertEquals(2048, learned.fftSize());
            Tensor fixed = LongConv.causal().algorithm(Algorithm.FLASH_BUTTERFLY).forward(u, k, d);
            assertClose(learned.forward(u, k, d).toDoubleArray(), fixed.toDoubleArray(),
                    Accuracy.compositionTolerance(DType.BF16), "learned at init vs FlashButterfly");
        }
    }

    @Test
    void refusesFp32SequencesAndSizesPastTheBackwardsLimitAndAllocatesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            int max = CudaStockhamButterfly.maxFftSize(0);
            assertRejected(IllegalArgumentException.class, "on cuda:0 the FFT size goes up to " + max + ", got " + 2 * max,
                    () -> StockhamButterflyConv.create(arena, GPU, 2 * max, 1, 0, 0));
            StockhamButterflyConv conv = StockhamButterflyConv.create(arena, GPU, 64, 1, 0, 0);
            Tensor u = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(2, 3, 32));
            Tensor k = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(3, 32));
            long live = Tensor.liveBytes(GPU);
            assertRejected(IllegalArgumentException.class, "takes bf16 or fp16 sequences", () -> conv.forward(u, k, null));
            assertEquals(live, Tensor.liveBytes(GPU), "a rejected call allocated on the GPU");
        }
    }
}

