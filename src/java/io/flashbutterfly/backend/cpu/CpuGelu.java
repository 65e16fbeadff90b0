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

    @Override
    public void forward(Tensor x, Tensor y, Stream stream) {
        double[] v = x.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = 0.5 * v[i] * (1 + Math.tanh(SQRT_2_OVER_PI * (v[i] + CUBIC * v[i] * v[i] * v[i])));
        }
        y.copyFrom(v);
    }

    @Override
    public void backward(Tensor dy, Tensor x, Tensor dx, Stream stream) {
        double[] g = dy.toDoubleArray();
        double[] v = x.toDoubleArray();
        for (int i = 0; i < g.length; i++) {
            double th = Math.tanh(SQRT_2_OVER_PI * (v[i] + CUBIC * v[i] * v[i] * v[i]));
            double slope = SQRT_2_OVER_PI * (1 + 3 * CUBIC * v[i] * v[i]);
            g[i] *= 0.5 * (1 + th) + 0.5 * v[i] * (1 - th * th) * slope;
        }
        dx.copyFrom(g);
    }
}
