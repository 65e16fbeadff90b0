package io.flashbutterfly.backend.cpu;

import io.flashbutterfly.backend.ButterflySizes;
import io.flashbutterfly.backend.LearnedButterflyBackend;
import io.flashbutterfly.ops.ButterflyFactor;
import io.flashbutterfly.ops.ComplexMatrix;
import io.flashbutterfly.ops.LearnedButterfly;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The learned-butterfly convolution in float64 on the host through {@link LearnedButterfly}, one
 * channel's batch per call (its kernel transformed once), channels in parallel: the reference the
 * GPU is tested against.
 */
public final class CpuLearnedButterfly implements LearnedButterflyBackend {
    /** The one instance. */
    public static final CpuLearnedButterfly INSTANCE = new CpuLearnedButterfly();

    private CpuLearnedButterfly() {}

    @Override
    public void forward(Tensor u, Tensor k, Tensor d, List<Tensor> factors, ButterflySizes s, Tensor y,
                        Stream stream) {
        double[] uv = u.toDoubleArray();
        double[] kv = k.toDoubleArray();
        double[] dv = d == null ? null : d.toDoubleArray();
        LearnedButterfly[] groups = butterflies(factors, s);
        y.copyFrom(Rows.forwardByChannel(uv, kv, dv, s.batch(), s.channels(), s.length(), s.taps(),
                (h, rows, kh) -> groups[s.group(h)].convolve(rows, kh)));
    }

    @Override
    public void backward(Tensor dy, Tensor u, Tensor k, Tensor d, List<Tensor> factors, ButterflySizes s, Tensor du,
                         Tensor dk, List<Tensor> dFactors, Stream stream) {
        double[] uv = u.toDoubleArray();
        double[] kv = k.toDoubleArray();
        double[] dyv = dy.toDoubleArray();
        double[] dv = d == null ? null : d.toDoubleArray();
        LearnedButterfly[] groups = butterflies(factors, s);
        double[] duv = new double[uv.length];
        double[] dkv = new double[kv.length];
        ComplexMatrix[][] perChannel = new ComplexMatrix[s.channels()][];
        IntStream.range(0, s.channels()).parallel().forEach(h -> {
            LearnedButterfly.Result g = groups[s.group(h)].forwardBackward(
                    Rows.ofChannel(uv, h, s.batch(), s.channels(), s.length()), Rows.row(kv, h, s.taps()),
                    Rows.ofChannel(dyv, h, s.batch(), s.channels(), s.length()));
            Rows.putChannel(duv, h, g.du(), dv, dyv, s.batch(), s.channels(), s.length());
            System.arraycopy(g.dk(), 0, dkv, h * s.taps(), s.taps());
            perChannel[h] = g.dFactors();
        });
        du.copyFrom(duv);
        dk.copyFrom(dkv);
        for (ButterflyFactor f : ButterflyFactor.values()) {
            Tensor out = dFactors.get(f.ordinal());
            double[] values = new double[Math.toIntExact(out.numel())];
            int size = 2 * f.rows(s.n1(), s.n2()) * f.cols(s.n1(), s.n2());
            for (int h = 0; h < s.channels(); h++) perChannel[h][f.ordinal()].addInterleavedTo(values, s.group(h) * size);
            out.copyFrom(values);
        }
    }

    /** One butterfly per group, from the factor tensors. */
    private static LearnedButterfly[] butterflies(List<Tensor> factors, ButterflySizes s) {
        double[][] values = factors.stream().map(Tensor::toDoubleArray).toArray(double[][]::new);
        LearnedButterfly[] groups = new LearnedButterfly[s.groups()];
        for (int g = 0; g < s.groups(); g++) {
            ComplexMatrix[] matrices = new ComplexMatrix[values.length];
            for (ButterflyFactor f : ButterflyFactor.values()) {
                int rows = f.rows(s.n1(), s.n2());
                int cols = f.cols(s.n1(), s.n2());
                matrices[f.ordinal()] = ComplexMatrix.fromInterleaved(rows, cols, values[f.ordinal()], g * 2 * rows * cols);
            }
            groups[g] = LearnedButterfly.of(s.n1(), s.n2(), matrices);
        }
        return groups;
    }
}
