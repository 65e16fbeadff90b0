package io.flashbutterfly.api;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;
import java.util.List;

/**
 * A causal convolution y = conv(u, k) + D * u through a transform whose matrices are trainable
 * parameters: {@link LearnedButterflyConv} (the paper's two-level factorisation) or
 * {@link StockhamButterflyConv} (the on-chip kernel's own). Code that trains one, such as a
 * layer with an optimiser, can take either; each says which dtypes and FFT sizes it takes on
 * which device and refuses others.
 *
 * <pre>{@code
 * LearnedConvolution conv = StockhamButterflyConv.create(arena, device, 2048, 1, 0.0, 7);
 * LearnedGradients g = conv.backward(dy, u, k, d);
 * for (int i = 0; i < conv.parameters().size(); i++) adam.step(conv.parameters().get(i), g.dFactors().get(i));
 * }</pre>
 */
public sealed interface LearnedConvolution permits LearnedButterflyConv, StockhamButterflyConv {
    /** The trainable matrices, in the order of {@link LearnedGradients#dFactors()}. */
    List<Tensor> parameters();

    /** y = conv(u, k) + d * u (d may be null), as a new tensor like u owned by u's arena. */
    Tensor forward(Tensor u, Tensor k, Tensor d);

    /** Writes conv(u, k) + d * u into y (like u), ordered on stream. */
    void forward(Tensor u, Tensor k, Tensor d, Tensor y, Stream stream);

    /** Gradients of u, k, d (null without d) and of every parameter for output gradient dy, owned by u's arena. */
    LearnedGradients backward(Tensor dy, Tensor u, Tensor k, Tensor d);

    /**
     * Writes the gradients into out (shaped like u, k, d and the parameters; dd given exactly
     * with d), ordered on stream.
     */
    void backward(Tensor dy, Tensor u, Tensor k, Tensor d, LearnedGradients out, Stream stream);
}
