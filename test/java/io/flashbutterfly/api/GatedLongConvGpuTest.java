package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static io.flashbutterfly.testing.Rejections.assertRejected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.backend.cuda.CudaLongConv;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Accuracy;
import io.flashbutterfly.testing.GateCase;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Poisoned;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The gated convolution on the GPU against the float64 CPU backend, outputs poisoned with NaN
 * first: every algorithm, mode and gate case, fp32 and bf16, forward and backward, on shapes that
 * reach every kernel: the on-chip kernel with two rows as one sequence (an odd batch leaves the
 * last one alone) and with one row, element by element for odd lengths, and Monarch (a power of
 * two and an odd length); then every forward path forced, and gates the GPU must refuse.
 */
@GpuTest
class GatedLongConvGpuTest {
    private static final Device GPU = Device.cuda(0);
    /** (B, H, L); the fourth runs without D; the last takes Monarch with 8 inner rows of 16384 values for bf16. */
    private static final int[][] SHAPES = {{3, 2, 1000}, {1, 3, 4096}, {2, 2, 777}, {1, 2, 999}, {1, 2, 65536},
        {1, 1, 65535}, {1, 1, 131071}};
    private static final DType[] DTYPES = {DType.FP32, DType.BF16};

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Algorithm algorithm : Algorithm.values()) {
            for (DType dtype : DTYPES) {
                for (Mode mode : Mode.values()) {
                    for (int s = 0; s < SHAPES.length; s++) {
                        int[] bhl = SHAPES[s];
                        // FLASH_BUTTERFLY's FFT sizes are powers of two: a circular L must be one
                        boolean powerOfTwo = Integer.bitCount(bhl[2]) == 1;
                        if (algorithm == Algorithm.FLASH_BUTTERFLY && mode == Mode.CIRCULAR && !powerOfTwo) continue;
                        for (GateCase gates : GateCase.values()) {
                            cases.add(Arguments.of(algorithm, dtype, mode, gates, bhl[0], bhl[1], bhl[2], s != 3));
                        }
                    }
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1} {2} {3} B={4} H={5} L={6} D={7}")
    @MethodSource("cases")
    void forwardAndBackwardMatchTheFloat64Reference(Algorithm algorithm, DType dtype, Mode mode, GateCase gates,
                                                    int batch, int channels, int length, boolean skip) {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.draw(arena, mode, dtype, gates, batch, channels, length, skip);
            String what = algorithm + " " + in.describe;
            double tol = Accuracy.compositionTolerance(dtype);
            LongConv conv = LongConv.of(mode).algorithm(algorithm);
            KernelSpectrum spectrum = conv.spectrum(in.k, length);
            Tensor y = poisoned(arena, dtype, in.u.shape());
            conv.forward(in.u, spectrum, in.d, in.gates, y, Stream.DEFAULT);
            Gradients got = new Gradients(poisoned(arena, dtype, in.u.shape()),
                    poisoned(arena, DType.FP32, in.k.shape()), skip ? poisoned(arena, DType.FP32, in.d.shape()) : null,
                    gates.pre() ? poisoned(arena, dtype, in.u.shape()) : null,
                    gates.post() ? poisoned(arena, dtype, in.u.shape()) : null);
            conv.backward(in.dy, in.u, spectrum, in.d, in.gates, got, Stream.DEFAULT);

            LongConv reference = LongConv.of(mode);
            Tensor kRef = in.reference(in.k);
            Tensor dRef = in.reference(in.d);
            Gates gatesRef = new Gates(in.reference(in.gates.pre()), in.reference(in.gates.post()));
            Tensor uRef = in.reference(in.u);
            assertClose(y.toDoubleArray(), reference.forward(uRef, kRef, dRef, gatesRef).toDoubleArray(), tol,
                    "y " + what);
            Gradients want = reference.backward(in.reference(in.dy), uRef, kRef, dRef, gatesRef);
            assertClose(got.du().toDoubleArray(), want.du().toDoubleArray(), tol, "du " + what);
            assertClose(got.dk().toDoubleArray(), want.dk().toDoubleArray(), tol, "dk " + what);
            if (skip) assertClose(got.dd().toDoubleArray(), want.dd().toDoubleArray(), tol, "dD " + what);
            if (gates.pre()) assertClose(got.dpre().toDoubleArray(), want.dpre().toDoubleArray(), tol, "dpre " + what);
            if (gates.post()) {
                assertClose(got.dpost().toDoubleArray(), want.dpost().toDoubleArray(), tol, "dpost " + what);
            }
        }
    }

    static List<Arguments> pathCases() {
        List<Arguments> cases = new ArrayList<>();
        for (DType dtype : DTYPES) {
            for (int[] bhl : SHAPES) {
                for (GateCase gates : GateCase.values()) cases.add(Arguments.of(dtype, gates, bhl[0], bhl[1], bhl[2]));
            }
        }
        return cases;
    }

    /**
     * The causal gated forward through each path that takes the shape, forced: on chip or Monarch,
     * the fused cuFFT forward (callbacks) and the unfused one (the gates as elementwise passes).
     */
    @ParameterizedTest(name = "{0} {1} B={2} H={3} L={4}")
    @MethodSource("pathCases")
    void everyForwardPathAppliesTheGates(DType dtype, GateCase gates, int batch, int channels, int length) {
        try (Arena arena = Arena.ofConfined()) {
            Inputs in = Inputs.draw(arena, Mode.CAUSAL, dtype, gates, batch, channels, length, true);
            KernelSpectrum spectrum = LongConv.causal().spectrum(in.k, length);
            ConvGeometry geometry = spectrum.geometry();
            Map<String, CudaLongConv> paths = new LinkedHashMap<>();
            if (CudaLongConv.onChipFits(geometry, dtype, 0)) paths.put("on chip", CudaLongConv.ON_CHIP);
            if (CudaLongConv.monarchFits(geometry, dtype, 0)) paths.put("monarch", CudaLongConv.MONARCH);
            if (CudaLongConv.fusedFits(in.u.numel() / length, geometry)) paths.put("fused", CudaLongConv.FUSED);
            paths.put("unfused", CudaLongConv.UNFUSED);
            Tensor want = LongConv.causal().forward(in.reference(in.u), in.reference(in.k), in.reference(in.d),
                    new Gates(in.reference(in.gates.pre()), in.reference(in.gates.post())));
            for (Map.Entry<String, CudaLongConv> path : paths.entrySet()) {
                Tensor y = poisoned(arena, dtype, in.u.shape());
                path.getValue().forward(in.u, spectrum.data(), geometry, in.d, in.gates.pre(), in.gates.post(), y,
                        Stream.DEFAULT);
                assertClose(y.toDoubleArray(), want.toDoubleArray(), Accuracy.compositionTolerance(dtype),
                        path.getKey() + " " + in.describe);
            }
            assertNull(CudaLongConv.FUSED.fusedForwardUnavailable(),
                    "cuFFT could not link the fused forward's callbacks");
        }
    }

    @Test
    void gatesMustBeOnUsDeviceWithItsShapeAndDtype() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.zeros(arena, GPU, DType.BF16, Shape.of(2, 3, 64));
            LongConv conv = LongConv.causal();
            KernelSpectrum k = conv.spectrum(Tensor.zeros(arena, GPU, DType.FP32, Shape.of(3, 64)), 64);
            Tensor onHost = Tensor.zeros(arena, Device.CPU, DType.BF16, u.shape());
            Tensor fp32 = Tensor.zeros(arena, GPU, DType.FP32, u.shape());
            Tensor shorter = Tensor.zeros(arena, GPU, DType.BF16, Shape.of(2, 3, 63));
            Gradients onWrongDevice = new Gradients(Tensor.zeros(arena, GPU, DType.BF16, u.shape()),
                    Tensor.zeros(arena, GPU, DType.FP32, Shape.of(3, 64)), null, null, onHost);
            long live = Tensor.liveBytes(GPU);
            assertRejected(IllegalArgumentException.class, "gates.pre must be [2, 3, 64] bf16 on cuda:0, got [2, 3, 64] bf16 cpu",
                    () -> conv.forward(u, k, null, Gates.pre(onHost)));
            assertRejected(IllegalArgumentException.class, "gates.post must be [2, 3, 64] bf16 on cuda:0, got [2, 3, 64] fp32 cuda:0",
                    () -> conv.forward(u, k, null, Gates.post(fp32)));
            assertRejected(IllegalArgumentException.class, "gates.pre must be [2, 3, 64] bf16 on cuda:0, got [2, 3, 63] bf16 cuda:0",
                    () -> conv.backward(u, u, k, null, new Gates(shorter, u)));
            assertRejected(IllegalArgumentException.class, "out.dpost must be [2, 3, 64] bf16 on cuda:0",
                    () -> conv.backward(u, u, k, null, Gates.post(u), onWrongDevice, Stream.DEFAULT));
            assertEquals(live, Tensor.liveBytes(GPU), "a rejected call allocated on the GPU");
        }
    }


    private static Tensor poisoned(Arena arena, DType dtype, Shape shape) {
        return Poisoned.tensor(arena, GPU, dtype, shape);
    }

    /** One case's GPU inputs (the gates of its gate case, D when asked) and their float64 CPU copies. */
    private record Inputs(Arena arena, String describe, Tensor u, Tensor k, Tensor d, Gates gates, Tensor dy) {
        static Inputs draw(Arena arena, Mode mode, DType dtype, GateCase gateCase, int batch, int channels, int length,
                           boolean skip) {
            String describe = mode + " " + dtype + " " + gateCase + " B=" + batch + " H=" + channels + " L=" + length
                    + " D=" + skip;
            Shape shape = Shape.of(batch, channels, length);
            int taps = mode == Mode.BIDIRECTIONAL ? 2 * length : length;
            Tensor u = Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("u " + describe));
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(channels, taps), Seeds.fresh("k " + describe));
            Tensor d = skip ? Tensor.randn(arena, GPU, DType.FP32, Shape.of(channels), Seeds.fresh("d " + describe))
                    : null;
            Tensor pre = gateCase.pre() ? Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("pre " + describe)) : null;
            Tensor post = gateCase.post() ? Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("post " + describe))
                    : null;
            Tensor dy = Tensor.randn(arena, GPU, dtype, shape, Seeds.fresh("dy " + describe));
            return new Inputs(arena, describe, u, k, d, new Gates(pre, post), dy);
        }

        /** A float64 CPU copy of t, or null for null. */
        Tensor reference(Tensor t) {
            return t == null ? null : Accuracy.float64Copy(arena, t);
        }
    }
}
