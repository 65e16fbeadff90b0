package io.flashbutterfly.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Bfloat16Test {
    @Test
    void exactValuesRoundTrip() {
        for (float v : new float[] {0f, -0f, 1f, -2f, 0.5f, 65280f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            assertEquals(v, Bfloat16.toFloat(Bfloat16.fromFloat(v)), "value " + v);
        }
        assertEquals((short) 0x3F80, Bfloat16.fromFloat(1f));
        assertEquals((short) 0xC000, Bfloat16.fromFloat(-2f));
    }

    @Test
    void roundsToNearestEven() {
        // 1 + 2^-8 lies halfway between bf16 1.0 and 1 + 2^-7: ties go to the even mantissa, 1.0.
        assertEquals(1f, Bfloat16.toFloat(Bfloat16.fromFloat(1f + 0x1p-8f)));
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): goes up.
        assertEquals(1f + 0x1p-6f, Bfloat16.toFloat(Bfloat16.fromFloat(1f + 3 * 0x1p-8f)));
        // Just above halfway rounds up.
        assertEquals(1f + 0x1p-7f, Bfloat16.toFloat(Bfloat16.fromFloat(1f + 0x1p-8f + 0x1p-20f)));
    }

    @Test
    void nanStaysNanAndOverflowGoesToInfinity() {
        assertTrue(Float.isNaN(Bfloat16.toFloat(Bfloat16.fromFloat(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, Bfloat16.toFloat(Bfloat16.fromFloat(Float.MAX_VALUE)));
    }

    @Test
    void relativeErrorIsWithinHalfAnUlp() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            float v = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-6, 6)));
            float r = Bfloat16.toFloat(Bfloat16.fromFloat(v));
            assertTrue(Math.abs(r - v) <= Math.abs(v) * 0x1p-8f, () -> v + " -> " + r);
        }
    }
}
