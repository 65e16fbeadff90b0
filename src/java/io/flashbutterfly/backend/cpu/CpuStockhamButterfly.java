package io.flashbutterfly.backend.cpu;

import io.flashbutterfly.backend.StockhamButterflyBackend;
import io.flashbutterfly.backend.StockhamSizes;
import io.flashbutterfly.ops.ComplexMatrix;
import io.flashbutterfly.ops.StockhamButterfly;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;
import java.util.stream.IntStream;

/**
 * The learned butterfly in the on-chip kernel's factorisation in float64 on the host through
 * {@link StockhamButterfly}, one channel's batch per call, channels in parallel: the reference
 * the GPU is tested against.
 */
public final class CpuStockhamButterfly implements StockhamButterflyBackend {
    /** The one instance. */
    public static final CpuStockhamButterfly INSTANCE = new CpuStockhamButterfly();

    private CpuStockhamButterfly() {}

    @Override
    public void forward(Tensor u, Tensor k, Tensor d, Tensor forward, Tensor inverse, StockhamSizes s, Tensor y,
                        Stream stream) {
        double[] uv = u.toDoubleArray();
        double[] kv = k.toDoubleArray();
        double[] dv = d == null ? null : d.toDoubleArray();
        StockhamButterfly[] groups = butterflies(forward, inverse, s);
        y.copyFrom(Rows.forwardByChannel(uv, kv, dv, s.batch(), s.channels(), s.length(), s.taps(),
                (h, rows, kh) -> groups[s.group(h)].convolve(rows, kh)));
    }

    @Override
    public void backward(Tensor dy, Tensor u, Tensor k, Tensor d, Tensor forward, Tensor inverse, StockhamSizes s,
                         Tensor du, Tensor dk, Tensor dd, Tensor dForward, Tensor dInverse, Stream stream) {
        double[] uv = u.toDoubleArray();
        double[] kv = k.toDoubleArray();
        double[] dyv = dy.toDoubleArray();
        double[] dv = d == null ? null : d.toDoubleArray();
        StockhamButterfly[] groups = butterflies(forward, inverse, s);
        double[] duv = new double[uv.length];
        double[] dkv = new double[kv.length];
        StockhamButterfly.Result[] perChannel = new StockhamButterfly.Result[s.channels()];
        IntStream.range(0, s.channels()).parallel().forEach(h -> {
            StockhamButterfly.Result g = groups[s.group(h)].forwardBackward(
                    Rows.ofChannel(uv, h, s.batch(), s.channels(), s.length()), Rows.row(kv, h, s.taps()),
                    Rows.ofChannel(dyv, h, s.batch(), s.channels(), s.length()));
            Rows.putChannel(duv, h, g.du(), dv, dyv, s.batch(), s.channels(), s.length());
            System.arraycopy(g.dk(), 0, dkv, h * s.taps(), s.taps());
            perChannel[h] = g;
        });
        du.copyFrom(duv);
        dk.copyFrom(dkv);
        if (dd != null) CpuLongConv.INSTANCE.skipGradient(dy, u, null, null, dd, stream);
        double[] forwardGrads = new double[Math.toIntExact(dForward.numel())];
        double[] inverseGrads = new double[forwardGrads.length];
        for (int h = 0; h < s.channels(); h++) {
            for (int level = 0; level < s.levels(); level++) {
                int at = (s.group(h) * s.levels() + level) * 512;
                perChannel[h].dForward()[level].addInterleavedTo(forwardGrads, at);
                perChannel[h].dInverse()[level].addInterleavedTo(inverseGrads, at);
            }
        }
        dForward.copyFrom(forwardGrads);
        dInverse.copyFrom(inverseGrads);
    }

    /** One butterfly per group, from the matrix tensors. */
    private static StockhamButterfly[] butterflies(Tensor forward, Tensor inverse, StockhamSizes s) {
        double[] f = forward.toDoubleArray();
        double[] g = inverse.toDoubleArray();
        StockhamButterfly[] groups = new StockhamButterfly[s.groups()];
        for (int group = 0; group < s.groups(); group++) {
            ComplexMatrix[] fm = new ComplexMatrix[s.levels()];
            ComplexMatrix[] gm = new ComplexMatrix[s.levels()];
            for (int level = 0; level < s.levels(); level++) {
                fm[level] = ComplexMatrix.fromInterleaved(16, 16, f, (group * s.levels() + level) * 512);
                gm[level] = ComplexMatrix.fromInterleaved(16, 16, g, (group * s.levels() + level) * 512);
            }
            groups[group] = StockhamButterfly.of(s.fftSize(), fm, gm);
        }
        return groups;
    }
}
