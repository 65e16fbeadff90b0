package io.flashbutterfly.api;

import io.flashbutterfly.tensor.Tensor;
import java.util.Objects;

/**
 * Optional elementwise gates around a long convolution: with v = pre * u,
 * <pre>
 *   y = post * (conv(v, k) + D * v)
 * </pre>
 * as in H3 and Hyena, where the gates are projections of the layer's input. Either may be null (no
 * gate); a given one is shaped like u (B, H, L), with u's dtype and device. On a GPU the
 * FlashButterfly kernels apply them as they load u and store y.
 *
 * <pre>{@code
 * Tensor y = conv.forward(u, kf, d, new Gates(pre, post));
 * Gradients g = conv.backward(dy, u, kf, d, new Gates(pre, post));   // g.dpre(), g.dpost() too
 * }</pre>
 *
 * @param pre  multiplies u before the convolution and the skip term, or null
 * @param post multiplies their sum, or null
 */
public record Gates(Tensor pre, Tensor post) {
    /** No gates: the plain convolution. */
    public static final Gates NONE = new Gates(null, null);

    /** Only a gate on the input. */
    public static Gates pre(Tensor pre) {
        return new Gates(Objects.requireNonNull(pre, "pre must not be null"), null);
    }

    /** Only a gate on the output. */
    public static Gates post(Tensor post) {
        return new Gates(null, Objects.requireNonNull(post, "post must not be null"));
    }

    /** True when neither gate is given. */
    public boolean isEmpty() {
        return pre == null && post == null;
    }
}
