package io.flashbutterfly.backend.cpu;

import io.flashbutterfly.backend.GeluBackend;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;

/** GELU (tanh approximation) on the CPU in float64. Streams are ignored: every call completes before it returns. */
public final class CpuGelu implements GeluBackend {
    /** The one instance (the backend holds no state). */
    public static final CpuGelu INSTANCE = new CpuGelu();

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double CUBIC = 0.044715;

    private CpuGelu() {}

    // As cuda/src/activation.cu: 0.5 (1 + tanh(a)) as 1 / (1 + exp(-2a)), which keeps the far
    // negative tail (1 + tanh(a) is 0 in float64 below x = -7, while gelu(-9) is -1.3e-28).
    @Override
    public void forward(Tensor x, Tensor y, Stream stream) {
        double[] v = x.toDoubleArray();
        for (int i = 0; i < v.length; i++) v[i] /= 1 + Math.exp(-2 * SQRT_2_OVER_PI * (v[i] + CUBIC * v[i] * v[i] * v[i]));
        y.copyFrom(v);
    }

    @Override
    public void backward(Tensor dy, Tensor x, Tensor dx, Stream stream) {
        double[] g = dy.toDoubleArray();
        double[] v = x.toDoubleArray();
        for (int i = 0; i < g.length; i++) {
            double e = Math.exp(-2 * SQRT_2_OVER_PI * (v[i] + CUBIC * v[i] * v[i] * v[i]));
            double slope = 2 * SQRT_2_OVER_PI * (1 + 3 * CUBIC * v[i] * v[i]);
            // s + x s (1 - s) d(2a)/dx with s = 1 / (1 + e), s (1 - s) = 1 / (2 + e + 1 / e)
            g[i] *= 1 / (1 + e) + v[i] * slope / (2 + e + 1 / e);
        }
        dx.copyFrom(g);
    }
}
