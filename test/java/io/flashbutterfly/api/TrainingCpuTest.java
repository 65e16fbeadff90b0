package io.flashbutterfly.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.ops.Adam;
import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A small model learns a hidden impulse response on the CPU: the training loop end to end. */
class TrainingCpuTest {
    private static final int B = 8;
    private static final int H = 2;
    private static final int L = 64;

    @Test
    void trainingRecoversAHiddenImpulseResponse() {
        long seed = Seeds.fresh("training");
        LongConv conv = LongConv.causal();
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom random = new SplittableRandom(seed);
            double[] hidden = new double[H * L];
            for (int i = 0; i < hidden.length; i++) hidden[i] = random.nextGaussian() * Math.exp(-(i % L) / 8.0);
            Tensor kTrue = Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(H, L), hidden);
            LongConvKernel kernel = LongConvKernel.create(arena, Device.CPU, H, L, LongConvKernel.Init.RANDOM, seed)
                    .regularization(KernelRegularization.NONE.withSquash(1e-4).withDropout(0.1));
            Tensor d = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(H));
            Adam adam = new Adam(0.02);
            double before = heldOutLoss(conv, kernel, d, kTrue, seed);
            for (int step = 0; step < 300; step++) {
                try (Arena scratch = Arena.ofConfined()) {
                    Tensor u = Tensor.randn(scratch, Device.CPU, DType.FP32, Shape.of(B, H, L), seed + 1000 + step);
                    double[] target = conv.forward(u, kTrue, null).toDoubleArray();
                    Tensor k = kernel.forward(scratch, true, step);
                    double[] y = conv.forward(u, k, d).toDoubleArray();
                    double[] dy = new double[y.length];
                    for (int i = 0; i < y.length; i++) dy[i] = 2 * (y[i] - target[i]) / y.length;
                    Tensor dyTensor = Tensor.of(scratch, Device.CPU, DType.FP32, u.shape(), dy);
                    Gradients g = conv.backward(dyTensor, u, k, d);
                    adam.step(kernel.weights(), kernel.backward(scratch, g.dk()));
                    adam.step(d, g.dd());
                }
            }
            double after = heldOutLoss(conv, kernel, d, kTrue, seed);
            assertTrue(after < before / 20, "held-out loss went from " + before + " to " + after);
        }
    }

    private static double heldOutLoss(LongConv conv, LongConvKernel kernel, Tensor d, Tensor kTrue, long seed) {
        try (Arena scratch = Arena.ofConfined()) {
            Tensor u = Tensor.randn(scratch, Device.CPU, DType.FP32, Shape.of(B, H, L), seed - 1);
            double[] target = conv.forward(u, kTrue, null).toDoubleArray();
            double[] y = conv.forward(u, kernel.forward(scratch, false, 0), d).toDoubleArray();
            double sum = 0;
            for (int i = 0; i < y.length; i++) sum += (y[i] - target[i]) * (y[i] - target[i]);
            return sum / y.length;
        }
    }

    @Test
    void initsHaveThePaperCodesScale() {
        try (Arena arena = Arena.ofConfined()) {
            double[] random = LongConvKernel.create(arena, Device.CPU, 8, 1024, LongConvKernel.Init.RANDOM, 1)
                    .weights().toDoubleArray();
            double sq = 0;
            for (double v : random) sq += v * v;
            assertEquals(0.002, Math.sqrt(sq / random.length), 0.0002);
            double[] decaying = LongConvKernel.create(arena, Device.CPU, 4, 1024, LongConvKernel.Init.DOUBLE_EXPONENTIAL, 1)
                    .weights().toDoubleArray();
            double head = 0;
            double tail = 0;
            for (int c = 0; c < 4; c++) {
                for (int t = 0; t < 64; t++) head += Math.abs(decaying[c * 1024 + t]);
                for (int t = 960; t < 1024; t++) tail += Math.abs(decaying[c * 1024 + t]);
            }
            assertTrue(tail < head / 3, "the double-exponential init decays: head " + head + ", tail " + tail);
        }
    }

    @Test
    void aStepsSpectrumIsTheSpectrumOfThatStepsKernel() {
        try (Arena arena = Arena.ofConfined()) {
            KernelRegularization r = KernelRegularization.NONE.withSmoothing(3).withSquash(1e-3).withDropout(0.3);
            LongConvKernel kernel = LongConvKernel.create(arena, Device.CPU, 3, 40, LongConvKernel.Init.RANDOM, 9)
                    .regularization(r);
            LongConv conv = LongConv.causal();
            KernelSpectrum fused = kernel.spectrum(conv, 50, true, 4, arena);
            double[] want = conv.spectrum(kernel.forward(arena, true, 4), 50).data().toDoubleArray();
            io.flashbutterfly.testing.Accuracy.assertClose(fused.data().toDoubleArray(), want, 1e-6, "step 4");
            kernel.updateSpectrum(fused, true, 5); // another dropout mask
            double[] next = conv.spectrum(kernel.forward(arena, true, 5), 50).data().toDoubleArray();
            io.flashbutterfly.testing.Accuracy.assertClose(fused.data().toDoubleArray(), next, 1e-6, "step 5");
            assertTrue(!java.util.Arrays.equals(want, next), "steps draw different masks");
            LongConvKernel other = LongConvKernel.create(arena, Device.CPU, 3, 20, LongConvKernel.Init.RANDOM, 9);
            assertThrows(IllegalArgumentException.class, () -> other.updateSpectrum(fused, true, 6));
        }
    }

    @Test
    void backwardNeedsAForwardAndTheKernelsShape() {
        try (Arena arena = Arena.ofConfined()) {
            LongConvKernel kernel = LongConvKernel.create(arena, Device.CPU, 2, 8, LongConvKernel.Init.RANDOM, 1);
            Tensor dk = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(2, 8));
            assertThrows(IllegalStateException.class, () -> kernel.backward(arena, dk));
            kernel.forward(arena, false, 0);
            assertThrows(IllegalArgumentException.class,
                    () -> kernel.backward(arena, Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(2, 4))));
        }
    }
}
