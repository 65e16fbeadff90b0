package io.flashbutterfly.api;

import io.flashbutterfly.tensor.Tensor;

/**
 * Gradients of a {@link ChannelLinear} layer, owned by the input's arena.
 *
 * @param dx    like x (B, I, L)
 * @param dw    like w (O, I)
 * @param dbias like the bias (O), or null when the forward had none
 */
public record LinearGradients(Tensor dx, Tensor dw, Tensor dbias) {}
