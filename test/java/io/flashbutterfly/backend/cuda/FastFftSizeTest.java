package io.flashbutterfly.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FastFftSizeTest {
    @Test
    void smallestSevenSmoothSizeAtLeastTheMinimum() {
        CudaLongConv conv = CudaLongConv.INSTANCE;
        assertEquals(1, conv.fastFftSize(1));
        assertEquals(512, conv.fastFftSize(511));
        assertEquals(2000, conv.fastFftSize(1999));
        assertEquals(2268, conv.fastFftSize(2267));
        assertEquals(14, conv.fastFftSize(13));
        for (long minimum = 1; minimum < 5000; minimum++) {
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
