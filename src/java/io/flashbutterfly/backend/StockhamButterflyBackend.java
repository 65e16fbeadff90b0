package io.flashbutterfly.backend;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;

/**
 * The causal convolution through the learned butterfly in the on-chip kernel's factorisation
 * ({@code io.flashbutterfly.ops.StockhamButterfly}) on one device. The matrices are fp32 tensors
 * (groups, levels, 16, 16, 2) of interleaved (re, im) values, one for the forward transform and
 * one for the inverse; arguments are checked by the caller.
 */
public interface StockhamButterflyBackend {
    /** y = conv(u, k) + d * u (d (channels) or null). */
    void forward(Tensor u, Tensor k, Tensor d, Tensor forward, Tensor inverse, StockhamSizes sizes, Tensor y,
                 Stream stream);

    /** du, dk, dd (given exactly with d) and both directions' matrix gradients for output gradient dy. */
    void backward(Tensor dy, Tensor u, Tensor k, Tensor d, Tensor forward, Tensor inverse, StockhamSizes sizes,
                  Tensor du, Tensor dk, Tensor dd, Tensor dForward, Tensor dInverse, Stream stream);
}
