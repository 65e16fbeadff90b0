package io.flashbutterfly.api;

import io.flashbutterfly.tensor.Tensor;

/**
 * Gradients of a long convolution, owned by the input's arena.
 *
 * @param du    like u (B, H, L)
 * @param dk    like the kernel (H, Lk)
 * @param dd    like D (H), or null when the forward had no D
 * @param dpre  like the pre gate (B, H, L), or null when the forward had none ({@link Gates})
 * @param dpost like the post gate (B, H, L), or null when the forward had none
 */
public record Gradients(Tensor du, Tensor dk, Tensor dd, Tensor dpre, Tensor dpost) {
    /** Gradients of an ungated convolution: no dpre, no dpost. */
    public Gradients(Tensor du, Tensor dk, Tensor dd) {
        this(du, dk, dd, null, null);
    }
}
