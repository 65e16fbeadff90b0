package io.flashbutterfly.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShapeTest {
    @Test
    void dimensionsAndElementCount() {
        Shape s = Shape.of(2, 3, 5);
        assertEquals(3, s.rank());
        assertEquals(30, s.numel());
        assertEquals(5, s.dim(-1));
        assertEquals(2, s.dim(0));
        assertEquals("[2, 3, 5]", s.toString());
        assertEquals(Shape.of(2, 3, 5), s);
        assertNotEquals(Shape.of(2, 15), s);
    }

    @Test
    void largerThanIntElementCounts() {
        assertEquals(1L << 33, Shape.of(1 << 16, 1 << 17).numel());
    }

    @Test
    void rejectsBadDimensionsWithTheirPosition() {
        var e = assertThrows(IllegalArgumentException.class, () -> Shape.of(4, 0, 2));
        assertTrue(e.getMessage().contains("dimension 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shape.of(-1));
        assertThrows(IllegalArgumentException.class, () -> Shape.of());
        assertThrows(ArithmeticException.class, () -> Shape.of(Long.MAX_VALUE, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> Shape.of(2).dim(1));
    }

    @Test
    void dimsIsADefensiveCopy() {
        long[] dims = {4, 5};
        Shape s = Shape.of(dims);
        dims[0] = 9;
        s.dims()[1] = 9;
        assertEquals(Shape.of(4, 5), s);
    }
}
