package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flashbutterfly.runtime.Stream;
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
import org.junit.jupiter.params.provider.EnumSource;

@GpuTest
class CublasGpuTest {
    private static final Device GPU = Device.cuda(0);

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FP32", "FP16", "BF16"})
    void matmulMatchesTheFloat64Reference(DType dtype) {
        check(dtype, 1, 33, 65, 17);
        check(dtype, 4, 16, 32, 8);
        check(dtype, 2, 128, 256, 64);
    }

    private static void check(DType dtype, int batch, int m, int k, int n) {
        try (Arena arena = Arena.ofConfined(); CublasHandle blas = CublasHandle.create(0)) {
            Shape as = batch == 1 ? Shape.of(m, k) : Shape.of(batch, m, k);
            Shape bs = batch == 1 ? Shape.of(k, n) : Shape.of(batch, k, n);
            Shape cs = batch == 1 ? Shape.of(m, n) : Shape.of(batch, m, n);
            Tensor a = Tensor.randn(arena, GPU, dtype, as, Seeds.fresh("a" + dtype + m));
            Tensor b = Tensor.randn(arena, GPU, dtype, bs, Seeds.fresh("b" + dtype + m));
            Tensor c = Tensor.randn(arena, GPU, dtype, cs, Seeds.fresh("c" + dtype + m));
            double[] av = a.toDoubleArray();
            double[] bv = b.toDoubleArray();
            double[] cv = c.toDoubleArray();
            float alpha = 0.5f;
            float beta = -2f;
            double[] expected = new double[cv.length];
            for (int p = 0; p < batch; p++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double sum = 0;
                        for (int q = 0; q < k; q++) sum += av[(p * m + i) * k + q] * bv[(p * k + q) * n + j];
                        int idx = (p * m + i) * n + j;
                        expected[idx] = alpha * sum + beta * cv[idx];
                    }
                }
            }
            blas.matmul(a, b, c, alpha, beta, Stream.DEFAULT);
            assertClose(c.toDoubleArray(), expected, Accuracy.tolerance(dtype),
                    dtype + " gemm batch=" + batch + " m=" + m + " k=" + k + " n=" + n);
        }
    }

    @Test
    void rejectsShapesThatDoNotMultiply() {
        try (Arena arena = Arena.ofConfined(); CublasHandle blas = CublasHandle.create(0)) {
            Tensor a = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(4, 5));
            Tensor b = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(6, 3));
            Tensor c = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(4, 3));
            assertThrows(IllegalArgumentException.class, () -> blas.matmul(a, b, c, 1, 0, Stream.DEFAULT));
            Tensor hostB = Tensor.zeros(arena, Device.CPU, DType.FP32, Shape.of(5, 3));
            assertThrows(IllegalArgumentException.class, () -> blas.matmul(a, hostB, c, 1, 0, Stream.DEFAULT));
        }
    }
}
