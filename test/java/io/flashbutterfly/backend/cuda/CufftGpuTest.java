package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.testing.Accuracy.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.backend.cpu.Fft;
import io.flashbutterfly.runtime.CufftException;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.GpuTest;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@GpuTest
class CufftGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final int BATCH = 3;

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 255, 256, 1000, 1024, 1134, 4096, 65536})
    void r2cMatchesTheFloat64ReferenceAndC2rInvertsIt(int n) {
        int bins = n / 2 + 1;
        try (Arena arena = Arena.ofConfined();
             CufftPlan r2c = CufftPlan.create(0, CufftPlan.Type.R2C, n, BATCH);
             CufftPlan c2r = CufftPlan.create(0, CufftPlan.Type.C2R, n, BATCH)) {
            Tensor x = Tensor.randn(arena, GPU, DType.FP32, Shape.of(BATCH, n), Seeds.fresh("r2c" + n));
            Tensor spectrum = Tensor.empty(arena, GPU, DType.FP32, Shape.of(BATCH, bins, 2));
            Tensor back = Tensor.empty(arena, GPU, DType.FP32, Shape.of(BATCH, n));
            NativeKernels.fill(spectrum, Float.NaN, Stream.DEFAULT);
            NativeKernels.fill(back, Float.NaN, Stream.DEFAULT);
            r2c.execute(x.data(), spectrum.data(), true, Stream.DEFAULT);
            c2r.execute(spectrum.data(), back.data(), false, Stream.DEFAULT);

            double[] input = x.toDoubleArray();
            double[] expected = new double[BATCH * bins * 2];
            for (int b = 0; b < BATCH; b++) {
                double[] re = new double[n];
                double[] im = new double[n];
                System.arraycopy(input, b * n, re, 0, n);
                Fft.forward(re, im);
                for (int k = 0; k < bins; k++) {
                    expected[(b * bins + k) * 2] = re[k];
                    expected[(b * bins + k) * 2 + 1] = im[k];
                }
            }
            assertClose(spectrum.toDoubleArray(), expected, 1e-5, "R2C n=" + n);
            double[] roundTrip = back.toDoubleArray();
            for (int i = 0; i < roundTrip.length; i++) roundTrip[i] /= n;
            assertClose(roundTrip, input, 1e-5, "C2R(R2C(x))/n n=" + n);
        }
    }

    @Test
    void c2cForwardThenInverseReturnsTheInput() {
        int n = 3 * 512;
        try (Arena arena = Arena.ofConfined(); CufftPlan plan = CufftPlan.create(0, CufftPlan.Type.C2C, n, 2)) {
            Tensor x = Tensor.randn(arena, GPU, DType.FP32, Shape.of(2, n, 2), Seeds.fresh("c2c"));
            Tensor y = Tensor.empty(arena, GPU, DType.FP32, Shape.of(2, n, 2));
            NativeKernels.fill(y, Float.NaN, Stream.DEFAULT);
            plan.execute(x.data(), y.data(), true, Stream.DEFAULT);
            plan.execute(y.data(), y.data(), false, Stream.DEFAULT);
            double[] out = y.toDoubleArray();
            for (int i = 0; i < out.length; i++) out[i] /= n;
            assertClose(out, x.toDoubleArray(), 1e-5, "C2C round trip");
        }
    }

    @Test
    void badPlanSizeIsATypedError() {
        var e = assertThrows(CufftException.class, () -> CufftPlan.create(0, CufftPlan.Type.R2C, 0, 1));
        assertTrue(e.codeName().startsWith("CUFFT_"), e.codeName());
        assertEquals("cufftMakePlanMany64", e.function());
        assertTrue(e.code() != 0);
        // cuFFT stays usable after the failure.
        try (CufftPlan ok = CufftPlan.create(0, CufftPlan.Type.R2C, 64, 1)) {
            assertEquals(64, ok.size());
        }
    }

    @Test
    void planCacheStaysBoundedAndEvictionKeepsItWorking() {
        CufftPlanCache cache = new CufftPlanCache();
        int sizes = CufftPlanCache.CAPACITY + 8;
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.randn(arena, GPU, DType.FP32, Shape.of(sizes + 16), Seeds.fresh("plan cache"));
            Tensor spectrum = Tensor.empty(arena, GPU, DType.FP32, Shape.of(sizes / 2 + 9, 2));
            for (int n = 16; n < 16 + sizes; n++) {
                cache.execute(0, CufftPlan.Type.R2C, n, 1, x.data(), spectrum.data(), true, Stream.DEFAULT);
                assertTrue(cache.planCount() <= CufftPlanCache.CAPACITY, "plans held: " + cache.planCount());
            }
            assertEquals(CufftPlanCache.CAPACITY, cache.planCount());
            // The first size's plan was evicted: running it again builds a fresh one that works.
            NativeKernels.fill(spectrum, Float.NaN, Stream.DEFAULT);
            cache.execute(0, CufftPlan.Type.R2C, 16, 1, x.data(), spectrum.data(), true, Stream.DEFAULT);
            double[] re = Arrays.copyOf(x.toDoubleArray(), 16);
            double[] im = new double[16];
            Fft.forward(re, im);
            double[] expected = new double[9 * 2];
            for (int k = 0; k < 9; k++) {
                expected[2 * k] = re[k];
                expected[2 * k + 1] = im[k];
            }
            double[] got = Arrays.copyOf(spectrum.toDoubleArray(), 18);
            assertClose(got, expected, 1e-5, "R2C n=16 after eviction");
        } finally {
            cache.clear();
        }
        assertEquals(0, cache.planCount());
        assertEquals(0, cache.workAreaBytes());
    }

    @Test
    void closedPlanRefusesWork() {
        CufftPlan plan = CufftPlan.create(0, CufftPlan.Type.R2C, 16, 1);
        plan.close();
        plan.close();
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.zeros(arena, GPU, DType.FP32, Shape.of(16));
            assertThrows(IllegalStateException.class, () -> plan.execute(x.data(), x.data(), true, Stream.DEFAULT));
        }
    }
}
