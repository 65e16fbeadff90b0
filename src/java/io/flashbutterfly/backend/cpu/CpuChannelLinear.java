package io.flashbutterfly.backend.cpu;

import io.flashbutterfly.backend.ChannelLinearBackend;
import io.flashbutterfly.backend.LinearSizes;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The channel-mixing linear layer on the CPU, in float64 whatever the tensors' dtype, rows in
 * parallel. Streams are ignored: every call completes before it returns.
 */
public final class CpuChannelLinear implements ChannelLinearBackend {
    /** The one instance (the backend holds no state). */
    public static final CpuChannelLinear INSTANCE = new CpuChannelLinear();

    private CpuChannelLinear() {}

    @Override
    public void forward(Tensor x, Tensor w, Tensor bias, Tensor y, Stream stream) {
        LinearSizes n = LinearSizes.of(x, w);
        double[] xv = x.toDoubleArray();
        double[] wv = w.toDoubleArray();
        double[] bv = bias == null ? null : bias.toDoubleArray();
        double[] yv = new double[Math.toIntExact(y.numel())];
        // One task per output row (b, o): it alone writes that row.
        IntStream.range(0, n.batch() * n.out()).parallel().forEach(r -> {
            int b = r / n.out();
            int o = r % n.out();
            int row = r * n.length();
            if (bv != null) Arrays.fill(yv, row, row + n.length(), bv[o]);
            for (int i = 0; i < n.in(); i++) {
                double weight = wv[o * n.in() + i];
                int src = (b * n.in() + i) * n.length();
                for (int t = 0; t < n.length(); t++) yv[row + t] += weight * xv[src + t];
            }
        });
        y.copyFrom(yv);
    }

    @Override
    public void backward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor dbias, Stream stream) {
        LinearSizes n = LinearSizes.of(x, w);
        double[] dyv = dy.toDoubleArray();
        double[] xv = x.toDoubleArray();
        double[] wv = w.toDoubleArray();
        double[] dxv = new double[xv.length];
        double[] dwv = new double[wv.length];
        double[] dbv = new double[n.out()];
        // dx[b, i, :] = sum_o w[o, i] dy[b, o, :], one task per row (b, i).
        IntStream.range(0, n.batch() * n.in()).parallel().forEach(r -> {
            int b = r / n.in();
            int i = r % n.in();
            int row = r * n.length();
            for (int o = 0; o < n.out(); o++) {
                double weight = wv[o * n.in() + i];
                int src = (b * n.out() + o) * n.length();
                for (int t = 0; t < n.length(); t++) dxv[row + t] += weight * dyv[src + t];
            }
        });
        // dw[o, i] = sum_{b, t} dy[b, o, t] x[b, i, t] and dbias[o] = sum_{b, t} dy[b, o, t], one task per o.
        IntStream.range(0, n.out()).parallel().forEach(o -> {
            for (int b = 0; b < n.batch(); b++) {
                int grad = (b * n.out() + o) * n.length();
                for (int t = 0; t < n.length(); t++) dbv[o] += dyv[grad + t];
                for (int i = 0; i < n.in(); i++) {
                    int src = (b * n.in() + i) * n.length();
                    double sum = 0;
                    for (int t = 0; t < n.length(); t++) sum += dyv[grad + t] * xv[src + t];
                    dwv[o * n.in() + i] += sum;
                }
            }
        });
        dx.copyFrom(dxv);
        dw.copyFrom(dwv);
        if (dbias != null) dbias.copyFrom(dbv);
    }
}
