package io.flashbutterfly.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@GpuTest
class NativeKernelsGpuTest {
    private static final Device GPU = Device.cuda(0);

    @ParameterizedTest
    @CsvSource({
        "FP32,FP32", "FP32,FP16", "FP32,BF16",
        "FP16,FP32", "FP16,FP16", "FP16,BF16",
        "BF16,FP32", "BF16,FP16", "BF16,BF16"})
    void castPadMatchesTheHostRoundingExactly(DType from, DType to) {
        int rows = 3;
        for (int[] cols : new int[][] {{100, 131}, {131, 100}, {7, 7}, {1, 4096}}) {
            try (Arena arena = Arena.ofConfined()) {
                Tensor src = Tensor.randn(arena, GPU, from, Shape.of(rows, cols[0]), Seeds.fresh("cast" + from + to + cols[0]));
                Tensor dst = Tensor.empty(arena, GPU, to, Shape.of(rows, cols[1]));
                NativeKernels.fill(dst, Float.NaN, Stream.DEFAULT);
                float scale = 0.37f;
                NativeKernels.castPad(src, dst, scale, Stream.DEFAULT);

                double[] in = src.toDoubleArray();
                MemorySegment expected = Arena.ofAuto().allocate((long) rows * cols[1] * to.byteSize());
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols[1]; c++) {
                        float v = c < cols[0] ? scale * (float) in[r * cols[0] + c] : 0f;
                        to.write(expected, (long) r * cols[1] + c, v);
                    }
                }
                double[] want = new double[rows * cols[1]];
                for (int i = 0; i < want.length; i++) want[i] = to.read(expected, i);
                assertArrayEquals(want, dst.toDoubleArray(), from + "->" + to + " " + cols[0] + "->" + cols[1]);
            }
        }
    }

    @Test
    void fillWritesEveryElementIncludingNaN() {
        try (Arena arena = Arena.ofConfined()) {
            for (DType dtype : new DType[] {DType.FP32, DType.FP16, DType.BF16}) {
                Tensor t = Tensor.zeros(arena, GPU, dtype, Shape.of(3, 1001));
                NativeKernels.fill(t, 1.5f, Stream.DEFAULT);
                for (double v : t.toDoubleArray()) assertTrue(v == 1.5, dtype + " got " + v);
                NativeKernels.fill(t, Float.NaN, Stream.DEFAULT);
                for (double v : t.toDoubleArray()) assertTrue(Double.isNaN(v), dtype + " got " + v);
            }
        }
    }

    @Test
    void rejectsMismatchedRowsAndHostTensors() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor src = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(3, 8));
            Tensor dst = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(4, 8));
            assertThrows(IllegalArgumentException.class, () -> NativeKernels.castPad(src, dst, 1, Stream.DEFAULT));
            Tensor host = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(3, 8));
            assertThrows(IllegalArgumentException.class, () -> NativeKernels.castPad(src, host, 1, Stream.DEFAULT));
        }
    }
}
