package io.flashbutterfly.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FastFftSizeTest {
    @Test
    void powersOfTwoUpToTheOnChipLimit() {
        CudaLongConv conv = CudaLongConv.INSTANCE;
        assertEquals(1, conv.fastFftSize(1));
        assertEquals(512, conv.fastFftSize(511));
        assertEquals(2048, conv.fastFftSize(1999));
        for (long minimum = 1; minimum <= CudaLongConv.ON_CHIP_MAX_FFT_SIZE; minimum += 7) {
            long size = conv.fastFftSize(minimum);
            assertEquals(1, Long.bitCount(size), size + " for " + minimum);
            assertTrue(size >= minimum && size < 2 * minimum, size + " for " + minimum);
        }
    }

    @Test
    void smallestSevenSmoothSizeAboveIt() {
        CudaLongConv conv = CudaLongConv.INSTANCE;
        assertEquals(16384, conv.fastFftSize(8193));
        assertEquals(65610, conv.fastFftSize(65537)); // 2 * 3^8 * 5
        assertEquals(131072, conv.fastFftSize(131071));
        assertEquals(131072, CudaLongConv.FLASH_BUTTERFLY.fastFftSize(65537)); // FlashButterfly pads to a power of two
        long limit = CudaLongConv.ON_CHIP_MAX_FFT_SIZE;
        for (long minimum = limit + 1; minimum < limit + 6000; minimum++) {
            long size = conv.fastFftSize(minimum);
            assertTrue(size >= minimum && size < 2 * minimum + 1, "size " + size + " for " + minimum);
            long rest = size;
            for (long p : new long[] {2, 3, 5, 7}) while (rest % p == 0) rest /= p;
            assertEquals(1, rest, size + " is not 7-smooth");
            for (long smaller = minimum; smaller < size; smaller++) {
                long r = smaller;
                for (long p : new long[] {2, 3, 5, 7}) while (r % p == 0) r /= p;
                assertTrue(r != 1, smaller + " is 7-smooth and smaller than " + size);
            }
        }
    }
}
