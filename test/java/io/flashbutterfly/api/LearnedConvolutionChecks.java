package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Accuracy;
import io.flashbutterfly.testing.DirectConvolution;
import io.flashbutterfly.testing.Poisoned;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/** The checks that both learned convolutions' tests make. */
final class LearnedConvolutionChecks {
    private LearnedConvolutionChecks() {}

    /** One call's gradients on the device and in the float64 reference, and the tolerance they met. */
    record Compared(LearnedGradients got, LearnedGradients want, double tolerance) {}

    /**
     * Runs conv on its device on fresh random u (B, H, L), k (H, Lk), d (H, when skip) and dy of
     * dtype, every output poisoned with NaN first, and reference (the same parameters, on the CPU)
     * on their float64 copies; asserts that y, du, dk and dD agree. The parameters' gradients are
     * the caller's to check.
     */
    static Compared againstTheReference(Arena arena, LearnedConvolution conv, LearnedConvolution reference,
                                        DType dtype, int batch, int channels, int length, int taps, boolean skip,
                                        String what) {
        Device device = conv.parameters().get(0).device();
        Tensor u = Tensor.randn(arena, device, dtype, Shape.of(batch, channels, length), Seeds.fresh("u " + what));
        Tensor k = Tensor.randn(arena, device, DType.FP32, Shape.of(channels, taps), Seeds.fresh("k " + what));
        Tensor d = skip ? Tensor.randn(arena, device, DType.FP32, Shape.of(channels), Seeds.fresh("d " + what)) : null;
        Tensor dy = Tensor.randn(arena, device, dtype, u.shape(), Seeds.fresh("dy " + what));

        Tensor y = Poisoned.tensor(arena, device, dtype, u.shape());
        conv.forward(u, k, d, y, Stream.DEFAULT);
        List<Tensor> dParameters = new ArrayList<>();
        for (Tensor p : conv.parameters()) dParameters.add(Poisoned.tensor(arena, device, DType.FP32, p.shape()));
        LearnedGradients got = new LearnedGradients(Poisoned.tensor(arena, device, dtype, u.shape()),
                Poisoned.tensor(arena, device, DType.FP32, k.shape()),
                skip ? Poisoned.tensor(arena, device, DType.FP32, d.shape()) : null, dParameters);
        conv.backward(dy, u, k, d, got, Stream.DEFAULT);

        Tensor uRef = float64(arena, u);
        Tensor kRef = float64(arena, k);
        Tensor dRef = float64(arena, d);
        double tol = Accuracy.compositionTolerance(dtype);
        assertClose(y.toDoubleArray(), reference.forward(uRef, kRef, dRef).toDoubleArray(), tol, "y " + what);
        LearnedGradients want = reference.backward(float64(arena, dy), uRef, kRef, dRef);
        assertClose(got.du().toDoubleArray(), want.du().toDoubleArray(), tol, "du " + what);
        assertClose(got.dk().toDoubleArray(), want.dk().toDoubleArray(), tol, "dk " + what);
        if (skip) assertClose(got.dd().toDoubleArray(), want.dd().toDoubleArray(), tol, "dD " + what);
        return new Compared(got, want, tol);
    }

    /**
     * The convolution make gives (on the CPU, at the DFT, its parameters in the arena given),
     * against the direct sums of the causal convolution on random float64 data (B, H, L) with a
     * kernel of Lk taps, forward and backward; each parameter's gradient is shaped like it. The parameters are fp32 tensors (the DFT rounded to
     * fp32), hence agreement to about 1e-7.
     */
    static void isTheCausalConvolution(Function<Arena, LearnedConvolution> make, int batch, int channels, int length,
                                       int taps, String form) {
        String what = "B=" + batch + " H=" + channels + " L=" + length + " Lk=" + taps + " " + form;
        SplittableRandom random = new SplittableRandom(Seeds.fresh("causal " + what));
        double[] u = random.doubles(batch * channels * length, -1, 1).toArray();
        double[] k = random.doubles(channels * taps, -1, 1).toArray();
        double[] d = random.doubles(channels, -1, 1).toArray();
        double[] dy = random.doubles(u.length, -1, 1).toArray();
        try (Arena arena = Arena.ofConfined()) {
            LearnedConvolution conv = make.apply(arena);
            Tensor ut = Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(batch, channels, length), u);
            Tensor kt = Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels, taps), k);
            Tensor dt = Tensor.of(arena, Device.CPU, DType.FP64, Shape.of(channels), d);
            assertClose(conv.forward(ut, kt, dt).toDoubleArray(),
                    DirectConvolution.forward(Mode.CAUSAL, u, k, d, batch, channels, length, taps), 1e-6, "y " + what);
            LearnedGradients g = conv.backward(Tensor.of(arena, Device.CPU, DType.FP64, ut.shape(), dy), ut, kt, dt);
            double[][] want = DirectConvolution.backward(Mode.CAUSAL, dy, u, k, d, batch, channels, length, taps);
            assertClose(g.du().toDoubleArray(), want[0], 1e-6, "du " + what);
            assertClose(g.dk().toDoubleArray(), want[1], 1e-6, "dk " + what);
            assertClose(g.dd().toDoubleArray(), want[2], 1e-12, "dD " + what);
            assertEquals(conv.parameters().size(), g.dFactors().size(), "one gradient per parameter");
            for (int i = 0; i < conv.parameters().size(); i++) {
                assertEquals(conv.parameters().get(i).shape(), g.dFactors().get(i).shape(),
                        "parameter " + i + "'s gradient " + what);
            }
        }
    }

    private static Tensor float64(Arena arena, Tensor t) {
        return t == null ? null : Accuracy.float64Copy(arena, t);
    }
}
