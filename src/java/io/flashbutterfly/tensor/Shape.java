package io.flashbutterfly.tensor;

import java.util.Arrays;

/** Dimensions of a row-major tensor, each at least 1. Immutable. */
public final class Shape {
    private final long[] dims;
    private final long numel;

    private Shape(long[] dims) {
        if (dims.length == 0) throw new IllegalArgumentException("a shape needs at least one dimension");
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 1) {
                throw new IllegalArgumentException("dimension " + i + " must be >= 1, got " + dims[i]
                        + " in " + Arrays.toString(dims));
            }
            n = Math.multiplyExact(n, dims[i]);
        }
        this.dims = dims;
        this.numel = n;
    }

    /** A shape from its dimensions, outermost first. */
    public static Shape of(long... dims) {
        return new Shape(dims.clone());
    }

    /** Number of dimensions. */
    public int rank() { return dims.length; }

    /** Size of dimension i; negative i counts from the end (-1 is the last). */
    public long dim(int i) {
        int j = i < 0 ? dims.length + i : i;
        if (j < 0 || j >= dims.length) {
            throw new IndexOutOfBoundsException("dimension " + i + " of a rank-" + dims.length + " shape");
        }
        return dims[j];
    }

    /** Number of elements. */
    public long numel() { return numel; }

    /** The dimensions, as a copy. */
    public long[] dims() { return dims.clone(); }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() { return Arrays.hashCode(dims); }

    @Override
    public String toString() { return Arrays.toString(dims); }
}
