package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;

import io.flashbutterfly.backend.cuda.CudaLongConv;
import io.flashbutterfly.backend.cuda.NativeKernels;
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
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * Random shapes, modes, dtypes (of u, k and D) and forward implementations on the GPU against the
 * float64 CPU backend, forward and backward, outputs poisoned first. Replayable with
 * -Dflashbutterfly.seed (see Seeds). Small enough to run under compute-sanitizer.
 */
@GpuTest
class LongConvPropertiesGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final DType[] HALF_OR_FULL = {DType.FP32, DType.FP16, DType.BF16};
    private static final CudaLongConv[] FORWARDS = {
        CudaLongConv.INSTANCE, CudaLongConv.CUFFT_ONLY, CudaLongConv.FUSED, CudaLongConv.UNFUSED, CudaLongConv.ON_CHIP,
        CudaLongConv.MONARCH
    };

    @RepeatedTest(48)
    void randomCasesMatchTheFloat64Reference(RepetitionInfo repetition) {
        SplittableRandom random = new SplittableRandom(Seeds.fresh("gpu property " + repetition.getCurrentRepetition()));
        Mode mode = Mode.values()[random.nextInt(Mode.values().length)];
        DType dtype = HALF_OR_FULL[random.nextInt(3)];
        DType kernelDtype = random.nextBoolean() ? DType.FP32 : dtype;
        DType skipDtype = random.nextBoolean() ? DType.FP32 : dtype;
        int batch = random.nextInt(1, 5);
        int channels = random.nextInt(1, 7);
        CudaLongConv drawn = FORWARDS[random.nextInt(FORWARDS.length)];
        // Mostly on-chip sizes, one case in four past them (the cuFFT paths); for Monarch a power
        // of two L with a full-length kernel, so that the FFT size (2L, or L circular) is one.
        boolean monarch = drawn == CudaLongConv.MONARCH;
        int length = monarch ? 1 << random.nextInt(13, 17)
                : random.nextInt(4) == 0 ? random.nextInt(4097, 20000) : random.nextInt(1, 4097);
        int half = monarch ? length : random.nextInt(1, length + 1);
        int taps = mode == Mode.BIDIRECTIONAL ? 2 * half : half;
        boolean skip = random.nextBoolean();
        String what = mode + " " + dtype + " k=" + kernelDtype + " D=" + (skip ? skipDtype : "none") + " B=" + batch
                + " H=" + channels + " L=" + length + " Lk=" + taps + " " + drawn;
        try {
            check(random, mode, dtype, kernelDtype, skipDtype, batch, channels, length, taps, skip, drawn, what);
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e); // a device error names the case that raised it
        }
    }

    private static void check(SplittableRandom random, Mode mode, DType dtype, DType kernelDtype, DType skipDtype,
                              int batch, int channels, int length, int taps, boolean skip, CudaLongConv drawn,
                              String drawnCase) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.randn(arena, GPU, dtype, Shape.of(batch, channels, length), random.nextLong());
            Tensor k = Tensor.randn(arena, GPU, kernelDtype, Shape.of(channels, taps), random.nextLong());
            Tensor d = skip ? Tensor.randn(arena, GPU, skipDtype, Shape.of(channels), random.nextLong()) : null;
            Tensor dy = Tensor.randn(arena, GPU, dtype, u.shape(), random.nextLong());
            LongConv conv = LongConv.of(mode);
            KernelSpectrum spectrum = conv.spectrum(k, length);
            boolean doesNotFit = drawn == CudaLongConv.ON_CHIP && !CudaLongConv.onChipFits(spectrum.geometry(), dtype, 0)
                    || drawn == CudaLongConv.MONARCH && !CudaLongConv.monarchFits(spectrum.geometry(), dtype, 0);
            CudaLongConv forwardPath = doesNotFit ? CudaLongConv.INSTANCE : drawn;
            String what = doesNotFit ? drawnCase + ", ran " + forwardPath : drawnCase;

            Tensor y = poisoned(arena, dtype, u.shape());
            forwardPath.forward(u, spectrum.data(), spectrum.geometry(), d, y, Stream.DEFAULT);
            Gradients got = new Gradients(poisoned(arena, dtype, u.shape()), poisoned(arena, kernelDtype, k.shape()),
                    skip ? poisoned(arena, skipDtype, d.shape()) : null);
            conv.backward(dy, u, spectrum, d, got, Stream.DEFAULT);

            Tensor uRef = Accuracy.float64Copy(arena, u);
            Tensor kRef = Accuracy.float64Copy(arena, k);
            Tensor dRef = skip ? Accuracy.float64Copy(arena, d) : null;
            assertClose(y.toDoubleArray(), conv.forward(uRef, kRef, dRef).toDoubleArray(), Accuracy.tolerance(dtype),
                    "y " + what);
            Gradients want = conv.backward(Accuracy.float64Copy(arena, dy), uRef, kRef, dRef);
            assertClose(got.du().toDoubleArray(), want.du().toDoubleArray(), Accuracy.tolerance(dtype), "du " + what);
            assertClose(got.dk().toDoubleArray(), want.dk().toDoubleArray(), Accuracy.tolerance(kernelDtype),
                    "dk " + what);
            if (skip) {
                assertClose(got.dd().toDoubleArray(), want.dd().toDoubleArray(), Accuracy.tolerance(skipDtype),
                        "dD " + what);
            }
        }
    }

    private static Tensor poisoned(Arena arena, DType dtype, Shape shape) {
        return Poisoned.tensor(arena, GPU, dtype, shape);
    }
}
