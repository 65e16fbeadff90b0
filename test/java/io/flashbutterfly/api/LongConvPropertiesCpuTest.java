package io.flashbutterfly.api;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.DirectConvolution;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

/** Properties of the CPU path on random shapes, modes and dtypes, and its behaviour under threads and NaN. */
class LongConvPropertiesCpuTest {
    @RepeatedTest(40)
    void randomShapesModesAndDtypesMatchTheDefinition(RepetitionInfo repetition) {
        // Fresh each run, replayable with -Dflashbutterfly.seed (see Seeds).
        SplittableRandom random = new SplittableRandom(Seeds.fresh("property " + repetition.getCurrentRepetition()));
        Mode mode = Mode.values()[random.nextInt(Mode.values().length)];
        DType dtype = new DType[] {DType.FP64, DType.FP32, DType.BF16, DType.FP16}[random.nextInt(4)];
        int batch = random.nextInt(1, 4);
        int channels = random.nextInt(1, 5);
        int length = random.nextInt(1, 200);
        int half = random.nextInt(1, length + 1);
        int taps = mode == Mode.BIDIRECTIONAL ? 2 * half : half;
        boolean skip = random.nextBoolean();
        String what = mode + " " + dtype + " B=" + batch + " H=" + channels + " L=" + length + " Lk=" + taps + " D=" + skip;
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.randn(arena, Device.CPU, dtype, Shape.of(batch, channels, length), random.nextLong());
            Tensor k = Tensor.randn(arena, Device.CPU, dtype, Shape.of(channels, taps), random.nextLong());
            Tensor d = skip ? Tensor.randn(arena, Device.CPU, dtype, Shape.of(channels), random.nextLong()) : null;
            double[] want = DirectConvolution.forward(mode, u.toDoubleArray(), k.toDoubleArray(),
                    skip ? d.toDoubleArray() : null, batch, channels, length, taps);
            double tolerance = dtype == DType.FP64 ? 1e-12 : dtype == DType.FP32 ? 1e-6 : 2e-2;
            assertClose(LongConv.of(mode).forward(u, k, d).toDoubleArray(), want, tolerance, what);
        }
    }

    @Test
    void threadsGiveBitIdenticalResults() throws Exception {
        try (Arena arena = Arena.ofShared(); ExecutorService pool = Executors.newFixedThreadPool(8)) {
            Tensor u = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(4, 8, 300), 1);
            Tensor k = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(8, 300), 2);
            LongConv conv = LongConv.causal();
            KernelSpectrum spectrum = conv.spectrum(k, 300);
            float[] alone = conv.forward(u, spectrum, null).toFloatArray();
            List<Future<float[]>> runs = new ArrayList<>();
            for (int t = 0; t < 32; t++) runs.add(pool.submit(() -> conv.forward(u, spectrum, null).toFloatArray()));
            for (Future<float[]> run : runs) assertArrayEquals(alone, run.get());
        }
    }

    @Test
    void nanInARowReachesThatRowOnly() {
        // The FFT spreads a NaN over its whole row (every output of that sequence), not to other rows.
        try (Arena arena = Arena.ofConfined()) {
            double[] values = new SplittableRandom(3).doubles(2 * 3 * 16).toArray();
            values[16 + 5] = Double.NaN; // batch 0, channel 1, t = 5
            Tensor u = Tensor.of(arena, Device.CPU, DType.FP32, Shape.of(2, 3, 16), values);
            Tensor k = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(3, 16), 4);
            double[] y = LongConv.causal().forward(u, k, null).toDoubleArray();
            for (int row = 0; row < 6; row++) {
                for (int t = 0; t < 16; t++) {
                    double v = y[row * 16 + t];
                    assertTrue(row == 1 ? Double.isNaN(v) : Double.isFinite(v), "row " + row + " t " + t + ": " + v);
                }
            }
        }
    }
}
