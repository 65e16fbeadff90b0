package io.flashbutterfly.ops;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flashbutterfly.api.KernelSpectrum;
import io.flashbutterfly.api.LongConv;
import io.flashbutterfly.api.LongConvKernel;
import io.flashbutterfly.api.Mode;
import io.flashbutterfly.backend.cuda.NativeKernels;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Accuracy;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The regularisers on a GPU (smooth, squash, dropout; fused into the kernel spectrum too)
 * against {@link KernelRegularizer} in float64 on the same weights: the regularised kernel, the
 * weights' gradient (of the spectrum's step, made after another step's kernel), and the spectrum
 * (poisoned before it is recomputed in place for the next step), training (dropout drawn) and not.
 */
@GpuTest
class KernelRegularizerGpuTest {
    private static final Device GPU = Device.cuda(0);

    static List<Arguments> cases() {
        KernelRegularization all = KernelRegularization.NONE.withSmoothing(7).withSquash(1e-3).withDropout(0.3);
        List<Arguments> cases = new ArrayList<>();
        for (KernelRegularization r : new KernelRegularization[] {KernelRegularization.NONE, all,
                KernelRegularization.NONE.withSmoothing(5), KernelRegularization.NONE.withSquash(2e-3),
                KernelRegularization.DEFAULT}) {
            for (Mode mode : Mode.values()) {
                for (int[] shape : new int[][] {{1, 1}, {3, 1000}, {2, 4097}}) {
                    cases.add(Arguments.of(r, mode, shape[0], shape[1], cases.size() % 2 == 0));
                }
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1} H={2} L={3} training={4}")
    @MethodSource("cases")
    void regularisersMatchTheFloat64Reference(KernelRegularization r, Mode mode, int channels, int length,
                                              boolean training) {
        String what = r + " " + mode + " H=" + channels + " L=" + length + " training=" + training;
        int taps = mode == Mode.BIDIRECTIONAL ? 2 * length : length;
        long step = 11;
        try (Arena arena = Arena.ofConfined()) {
            LongConvKernel gpu = LongConvKernel.create(arena, GPU, channels, taps, LongConvKernel.Init.RANDOM, 5)
                    .regularization(r);
            LongConvKernel cpu = LongConvKernel.create(arena, Device.CPU, channels, taps, LongConvKernel.Init.RANDOM, 5)
                    .regularization(r);
            Tensor k = gpu.forward(arena, training, step);
            Tensor want = cpu.forward(arena, training, step);
            assertClose(k.toDoubleArray(), want.toDoubleArray(), Accuracy.tolerance(DType.FP32), "k " + what);

            LongConv conv = LongConv.of(mode);
            gpu.forward(arena, training, step + 1); // another step first: the spectrum's must stand for backward
            KernelSpectrum fused = gpu.spectrum(conv, length, training, step, arena);
            KernelSpectrum reference = conv.spectrum(Accuracy.float64Copy(arena, want), length);
            assertEquals(reference.fftSize(), fused.fftSize(), what);
            assertClose(fused.data().toDoubleArray(), reference.data().toDoubleArray(),
                    Accuracy.tolerance(DType.FP32), "spectrum " + what);

            Tensor dk = Tensor.randn(arena, GPU, DType.FP32, k.shape(), Seeds.fresh("dk " + what));
            Tensor dw = gpu.backward(arena, dk);
            Tensor dwWant = cpu.backward(arena, dk.to(Device.CPU));
            assertClose(dw.toDoubleArray(), dwWant.toDoubleArray(), Accuracy.tolerance(DType.FP32), "dw " + what);

            // the next step, in place (another dropout mask when training)
            NativeKernels.fill(fused.data(), Float.NaN, Stream.DEFAULT);
            gpu.updateSpectrum(fused, training, step + 2);
            KernelSpectrum next = conv.spectrum(Accuracy.float64Copy(arena, cpu.forward(arena, training, step + 2)), length);
            assertClose(fused.data().toDoubleArray(), next.data().toDoubleArray(),
                    Accuracy.tolerance(DType.FP32), "updated spectrum " + what);
        }
    }
}
