package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;

import io.flashbutterfly.backend.cuda.CudaLongConv;
import io.flashbutterfly.backend.cuda.NativeKernels;
import io.flashbutterfly.runtime.Cuda;
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
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A tensor of more than 2^31 elements (64-bit indexing): the unfused forward, and the fused one
 * and the default asked for, which take the separate kernels there (cuFFT's callback kernels
 * index with 32 bits; FFT size 65610 is no power of two either).
 */
@GpuTest
@Tag("large")
class LargeTensorGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final long CHANNELS = 32769;
    private static final int LENGTH = 65536; // B * H * L = 2^31 + 65536
    private static final int TAPS = 16;

    static List<CudaLongConv> forwards() {
        return List.of(CudaLongConv.UNFUSED, CudaLongConv.FUSED, CudaLongConv.INSTANCE);
    }

    @ParameterizedTest
    @MethodSource("forwards")
    void aTensorPastTwoToTheThirtyOneElementsConvolves(CudaLongConv forward) {
        LongConv conv = LongConv.causal();
        try (Arena arena = Arena.ofConfined()) {
            // 61 random rows repeated: drawing 2^31 values on the host would take a minute.
            Tensor tile = Tensor.randn(arena, GPU, DType.BF16, Shape.of(1, 61, LENGTH), Seeds.fresh("large u"));
            Tensor u = tiled(arena, tile, Shape.of(1, CHANNELS, LENGTH));
            Tensor k = Tensor.randn(arena, GPU, DType.FP32, Shape.of(CHANNELS, TAPS), Seeds.fresh("large k"));
            Tensor y = Poisoned.tensor(arena, GPU, DType.BF16, u.shape());
            KernelSpectrum spectrum = conv.spectrum(k, LENGTH);
            forward.forward(u, spectrum.data(), spectrum.geometry(), null, y, Stream.DEFAULT);
            Stream.DEFAULT.synchronize();
            for (long channel : new long[] {0, CHANNELS / 2, CHANNELS - 1}) {
                Tensor uRow = slice(arena, u, channel * LENGTH, Shape.of(1, 1, LENGTH));
                Tensor yRow = slice(arena, y, channel * LENGTH, Shape.of(1, 1, LENGTH));
                Tensor kRow = slice(arena, k, channel * TAPS, Shape.of(1, TAPS));
                Tensor want = LongConv.causal().forward(Accuracy.float64Copy(arena, uRow), Accuracy.float64Copy(arena, kRow), null);
                assertClose(yRow.toDoubleArray(), want.toDoubleArray(), 2e-2, forward + " channel " + channel);
            }
        }
    }

    /** A tensor of the given shape holding copies of tile one after another, copied on the device. */
    private static Tensor tiled(Arena arena, Tensor tile, Shape shape) {
        Tensor out = Tensor.empty(arena, GPU, tile.dtype(), shape);
        long total = out.byteSize();
        long filled = Math.min(tile.byteSize(), total);
        Cuda.copyAsync(out.data().address(), tile.data().address(), filled, Stream.DEFAULT);
        while (filled < total) {
            long chunk = Math.min(filled, total - filled);
            Cuda.copyAsync(out.data().address() + filled, out.data().address(), chunk, Stream.DEFAULT);
            filled += chunk;
        }
        return out;
    }

    /** The elements of t from element offset on, as a new tensor of the given shape. */
    private static Tensor slice(Arena arena, Tensor t, long offset, Shape shape) {
        Tensor out = Tensor.empty(arena, GPU, t.dtype(), shape);
        long size = t.dtype().byteSize();
        Cuda.copyAsync(out.data().address(), t.data().address() + offset * size, out.byteSize(), Stream.DEFAULT);
        Stream.DEFAULT.synchronize();
        return out;
    }
}
