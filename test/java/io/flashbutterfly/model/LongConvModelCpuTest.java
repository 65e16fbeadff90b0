package io.flashbutterfly.model;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.api.LongConv;
import io.flashbutterfly.ops.Adam;
import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.ops.MseLoss;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.FiniteDifference;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The model on the CPU: its gradients are the derivatives of its loss, and training it works. */
class LongConvModelCpuTest {
    private static final int B = 8;
    private static final int H = 4;
    private static final int L = 64;

    @Test
    void trainingReducesTheHeldOutLoss() {
        long seed = Seeds.fresh("model training");
        try (Arena arena = Arena.ofConfined()) {
            // The hidden map, what the model must learn: causal convolution with a damped oscillation.
            double[] hidden = new double[L];
            for (int t = 0; t < L; t++) hidden[t] = 0.3 * Math.exp(-3.0 * t / L) * Math.cos(4 * Math.PI * t / L);
            Tensor kTrue = Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(1, L), hidden);
            LongConvModel model = LongConvModel.create(arena, Device.CPU, H, L,
                    KernelRegularization.NONE.withSmoothing(3), seed);
            Tensor heldOut = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(B, 1, L), seed - 1);
            double[] heldOutTarget = target(kTrue, heldOut);
            Adam adam = new Adam(0.01);
            double before = heldOutLoss(model, heldOut, heldOutTarget);
            for (int step = 0; step < 200; step++) {
                try (Arena scratch = Arena.ofConfined()) {
                    Tensor u = Tensor.randn(scratch, Device.CPU, DType.FP32, Shape.of(B, 1, L), seed + 1000 + step);
                    model.trainStep(scratch, u, target(kTrue, u), adam, step);
                }
            }
            // Over 24 seeds the held-out loss fell 24 to 20000 times.
            double after = heldOutLoss(model, heldOut, heldOutTarget);
            assertTrue(after < before / 10, "held-out loss went from " + before + " to " + after);
        }
    }

    private static double[] target(Tensor kTrue, Tensor u) {
        return LongConv.causal().forward(u, kTrue, null).toDoubleArray();
    }

    private static double heldOutLoss(LongConvModel model, Tensor u, double[] target) {
        try (Arena scratch = Arena.ofConfined()) {
            return model.loss(scratch, u, target);
        }
    }

    @Test
    void backwardIsTheDerivativeOfTheLoss() {
        long seed = Seeds.fresh("model gradients");
        SplittableRandom random = new SplittableRandom(seed);
        int length = 9;
        try (Arena arena = Arena.ofConfined()) {
            // Smoothing is linear, so the kernel's gradient goes through a regulariser and stays smooth.
            LongConvModel model = LongConvModel.create(arena, Device.CPU, 3, length,
                    KernelRegularization.NONE.withSmoothing(3), seed);
            List<Tensor> parameters = model.parameters();
            for (Tensor p : parameters) p.copyFrom(random.doubles(p.numel()).map(v -> v - 0.5).toArray());
            Tensor u = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(2, 1, length), seed + 1);
            double[] target = random.doubles(2 * length).toArray();
            List<Tensor> gradients;
            try (Arena scratch = Arena.ofConfined()) {
                Tensor y = model.forward(scratch, u, false, 0);
                gradients = model.backward(arena, MseLoss.of(scratch, y, target).gradient());
            }
            for (int i = 0; i < parameters.size(); i++) {
                Tensor p = parameters.get(i);
                double[] values = p.toDoubleArray();
                double[] numeric = new double[values.length];
                for (int j = 0; j < values.length; j++) {
                    numeric[j] = FiniteDifference.central(values, j, 1e-2, () -> {
                        p.copyFrom(values);
                        return heldOutLoss(model, u, target);
                    });
                }
                p.copyFrom(values);
                // fp32 parameters and activations: a step of 1e-2 keeps rounding near 1e-5 of the slope.
                assertClose(gradients.get(i).toDoubleArray(), numeric, 1e-3, "parameter " + i + " " + p.shape());
            }
        }
    }

    @Test
    void argumentsAreChecked() {
        try (Arena arena = Arena.ofConfined()) {
            LongConvModel model = LongConvModel.create(arena, Device.CPU, 2, 8, KernelRegularization.NONE, 1);
            Tensor dy = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(1, 1, 8));
            assertThrows(IllegalStateException.class, () -> model.backward(arena, dy));
            Tensor wrongLength = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(1, 1, 9));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.forward(arena, wrongLength, false, 0));
            assertTrue(e.getMessage().contains("u must be (B, 1, L=8)"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> LongConvModel.create(arena, Device.CPU, 0, 8, KernelRegularization.NONE, 1));
        }
    }
}
