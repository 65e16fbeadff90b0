package io.flashbutterfly.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.testing.GpuTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The limits the native library reports, as the path choice uses them. */
@GpuTest
class OnChipLimitGpuTest {
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FP32", "FP16", "BF16"})
    void monarchTakesUpTo512InnerRowsOfAQuarterOfTheOnChipLimit(DType dtype) {
        long onChip = OnChipLimit.maxFftSize(0, dtype);
        long inner = onChip / 4;  // complex values of one inner row
        long oneLevel = OnChipLimit.monarchMaxFftSize(0, dtype, true);
        long twoLevels = OnChipLimit.monarchMaxFftSize(0, dtype, false);
        assertEquals(2 * 16 * inner, oneLevel, "one outer level of up to 16 rows");
        assertEquals(2 * 512 * inner, twoLevels, "two outer levels of up to 16 x 32 rows");

        assertFalse(CudaLongConv.monarchFits(circular(onChip), dtype, 0), "on chip, not Monarch");
        assertTrue(CudaLongConv.monarchFits(circular(2 * onChip), dtype, 0));
        assertTrue(CudaLongConv.monarchFits(circular(twoLevels), dtype, 0));
        assertFalse(CudaLongConv.monarchFits(circular(2 * twoLevels), dtype, 0));
    }

    /** A circular convolution whose FFT size is its length. */
    private static ConvGeometry circular(long n) {
        return new ConvGeometry(n, n, 0, n);
    }
}
