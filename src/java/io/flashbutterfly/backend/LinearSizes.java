package io.flashbutterfly.backend;

import io.flashbutterfly.tensor.Tensor;

/**
 * The channel-mixing linear layer's sizes as ints, for x (B, I, L) and w (O, I): what both
 * backends index with (Java arrays on the CPU, cuBLAS's 32-bit sizes on a GPU).
 */
public record LinearSizes(int batch, int in, int length, int out) {
    public static LinearSizes of(Tensor x, Tensor w) {
        return new LinearSizes(int32("B", x.shape().dim(0)), int32("I", x.shape().dim(1)),
                int32("L", x.shape().dim(2)), int32("O", w.shape().dim(0)));
    }

    private static int int32(String name, long value) {
        if (value > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " = " + value + " exceeds the linear layer's 32-bit sizes");
        }
        return (int) value;
    }
}
