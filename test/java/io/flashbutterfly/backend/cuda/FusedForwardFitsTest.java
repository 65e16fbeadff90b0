package io.flashbutterfly.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.backend.ConvGeometry;
import org.junit.jupiter.api.Test;

/** Which shapes the fused (cuFFT callback) forward takes; the others go to the separate kernels. */
class FusedForwardFitsTest {
    private static ConvGeometry circular(long length) {
        return new ConvGeometry(length, length, 0, length);
    }

    @Test
    void powersOfTwoFit() {
        for (long n : new long[] {1, 2, 4096, 1 << 21}) {
            assertTrue(FusedForward.fits(4, circular(n)), "N=" + n);
        }
    }

    @Test
    void otherSizesDoNot() {
        for (long n : new long[] {11, 1000, 2019, 4 * 673, 65537, 116640}) {
            assertFalse(FusedForward.fits(4, circular(n)), "N=" + n);
        }
    }

    @Test
    void transformsOf2To31ValuesDoNot() {
        ConvGeometry g = circular(1L << 16);
        assertTrue(FusedForward.fits((1L << 31) / (2 * g.bins()), g));
        assertFalse(FusedForward.fits((1L << 31) / (2 * g.bins()) + 1, g));
    }
}
