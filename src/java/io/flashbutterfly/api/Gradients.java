package io.flashbutterfly.api;

import io.flashbutterfly.tensor.Tensor;

/**
 * Gradients of a long convolution, owned by the input's arena.
 *
 * @param du like u (B, H, L)
 * @param dk like the kernel (H, Lk)
 * @param dd like D (H), or null when the forward had no D
 */
public record Gradients(Tensor du, Tensor dk, Tensor dd) {}
