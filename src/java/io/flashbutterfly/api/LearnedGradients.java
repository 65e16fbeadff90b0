package io.flashbutterfly.api;

import io.flashbutterfly.tensor.Tensor;
import java.util.List;

/**
 * Gradients of a learned-butterfly convolution ({@link LearnedButterflyConv},
 * {@link StockhamButterflyConv}), owned by the input's arena.
 *
 * @param du       like u (B, H, L)
 * @param dk       like the kernel (H, Lk)
 * @param dd       like D (H), or null when the forward had no D
 * @param dFactors like the factors, in {@link io.flashbutterfly.ops.ButterflyFactor} order; for
 *                 {@link StockhamButterflyConv} the forward levels' then the inverse levels'
 */
public record LearnedGradients(Tensor du, Tensor dk, Tensor dd, List<Tensor> dFactors) {
    public LearnedGradients {
        dFactors = List.copyOf(dFactors);
    }
}
