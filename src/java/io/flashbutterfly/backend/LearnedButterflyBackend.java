package io.flashbutterfly.backend;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;
import java.util.List;

/**
 * The causal convolution through a learned butterfly ({@code io.flashbutterfly.ops.LearnedButterfly})
 * on one device. Factors are fp32 tensors (groups, rows, cols, 2) of interleaved (re, im) values
 * in {@code ButterflyFactor} order; arguments are checked by the caller.
 */
public interface LearnedButterflyBackend {
    /** y = conv(u, k) + d * u (d (channels) or null). */
    void forward(Tensor u, Tensor k, Tensor d, List<Tensor> factors, ButterflySizes sizes, Tensor y, Stream stream);

    /**
     * du, dk and every factor's gradient (dFactors like factors) for output gradient dy; d's
     * gradient is the convolution backend's {@link ConvBackend#skipGradient}.
     */
    void backward(Tensor dy, Tensor u, Tensor k, Tensor d, List<Tensor> factors, ButterflySizes sizes, Tensor du,
                  Tensor dk, List<Tensor> dFactors, Stream stream);
}
