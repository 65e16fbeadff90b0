package io.flashbutterfly.backend;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;

/**
 * What a device must provide for GELU in its tanh approximation,
 * gelu(x) = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), elementwise. Arguments are
 * checked by the caller (one shape, fp32, one device).
 */
public interface GeluBackend {
    /** y = gelu(x). */
    void forward(Tensor x, Tensor y, Stream stream);

    /** dx = dy * gelu'(x). */
    void backward(Tensor dy, Tensor x, Tensor dx, Stream stream);
}
