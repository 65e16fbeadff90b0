package io.flashbutterfly.backend;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;

/**
 * What a device must provide for the channel-mixing linear layer
 * y[b, o, t] = sum_i w[o, i] x[b, i, t] + bias[o]. Arguments are checked by the caller (shapes,
 * fp32, one device): x (B, I, L), w (O, I), bias (O) or null, y (B, O, L).
 */
public interface ChannelLinearBackend {
    /** y = w x + bias at every position; bias may be null. */
    void forward(Tensor x, Tensor w, Tensor bias, Tensor y, Stream stream);

    /**
     * Gradients of sum(dy * y) for the forward above: dx (like x), dw (like w), dbias (like the
     * bias; null when there is none).
     */
    void backward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor dbias, Stream stream);
}
