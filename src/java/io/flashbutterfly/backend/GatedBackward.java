package io.flashbutterfly.backend;

import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;

/**
 * The backward of the gated forward y = post * c, c = conv(v, k) + D * v, v = pre * u, built from
 * a backend's ungated backward and forward and its elementwise product, the same on every backend.
 * For output gradient dy, with dc = dy * post:
 * <pre>
 *   dpost = dy * c;   dv = conv^T(dc) + D * dc;   du = dv * pre;   dpre = dv * u;
 *   dk: the ungated backward's for input v and output gradient dc;  dD = sum dy * post * pre * u.
 * </pre>
 * The intermediates live in the outputs (v in dpre, dc and then c in dpost, dv in du), so a call
 * allocates nothing beyond what the backend's own calls do; it costs one ungated forward (for c)
 * and up to five elementwise products more than the ungated backward.
 */
public final class GatedBackward {
    private GatedBackward() {}

    /**
     * Writes du, dk, dd (given exactly when d is), dpre (exactly when pre is) and dpost (exactly
     * when post is) for output gradient dy; without gates, the backend's backward alone. taps:
     * those kept beside the spectrum ({@link ConvBackend#emptyTaps}; the direct forward's and
     * backward's), or null.
     */
    public static void run(ConvBackend backend, Tensor dy, Tensor u, Tensor spectrum, Tensor taps, ConvGeometry geometry,
                           Tensor d, Tensor pre, Tensor post, Tensor du, Tensor dk, Tensor dd, Tensor dpre, Tensor dpost,
                           Stream stream) {
        if (pre == null && post == null) {
            backend.backward(dy, u, spectrum, taps, geometry, d, du, dk, dd, stream);
            return;
        }
        Tensor v = u;
        if (pre != null) {
            backend.multiply(pre, u, dpre, stream);
            v = dpre;
        }
        Tensor dc = dy;
        if (post != null) {
            backend.multiply(dy, post, dpost, stream);
            dc = dpost;
        }
        // du holds dv; dD from the inputs (v and dc are rounded to u's dtype, and dD's sum cancels)
        backend.backward(dc, v, spectrum, taps, geometry, d, du, dk, null, stream);
        if (dd != null) backend.skipGradient(dy, u, pre, post, dd, stream);
        if (post != null) {
            backend.forward(v, spectrum, taps, geometry, d, null, null, dpost, stream); // c, over dc (used up)
            backend.multiply(dpost, dy, dpost, stream);
        }
        if (pre != null) { // after c: v is read until then
            backend.multiply(du, u, dpre, stream);
            backend.multiply(du, pre, du, stream);
        }
    }
}
