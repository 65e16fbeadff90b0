package io.flashbutterfly.bench;

import io.flashbutterfly.api.Algorithm;
import io.flashbutterfly.api.Gradients;
import io.flashbutterfly.api.KernelSpectrum;
import io.flashbutterfly.api.LearnedButterflyConv;
import io.flashbutterfly.api.LearnedConvolution;
import io.flashbutterfly.api.LearnedGradients;
import io.flashbutterfly.api.LongConv;
import io.flashbutterfly.api.StockhamButterflyConv;
import io.flashbutterfly.backend.cuda.CudaStockhamButterfly;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The learned butterflies against the fixed FlashButterfly path on the same causal convolutions,
 * as a training step runs them: the forward with the kernel's transform computed in the call (the
 * kernel changes every step: the fixed path updates its spectrum, the learned ones transform k
 * through their matrices), and the backward (the learned ones add every matrix's gradient). Two
 * learned forms: the two-level factors ({@link LearnedButterflyConv}) and the on-chip kernel's
 * own levels ({@link StockhamButterflyConv}; bf16/fp16 on a GPU, up to N = 32K, "-" elsewhere).
 * Median times; the learned forwards' ratio to the memory floor (u, k, D, y once, at the copy
 * bandwidth measured in this run).
 */
final class LearnedButterflyBenchmark {
    private static final Logger LOG = LogManager.getLogger(LearnedButterflyBenchmark.class);
    /** (B, H, L) on a GPU: the long-convolution issue's shapes up to 16K. */
    private static final List<long[]> GPU_SHAPES = List.of(new long[] {64, 768, 256}, new long[] {32, 768, 1024},
            new long[] {16, 768, 4096}, new long[] {8, 768, 16384});
    /** (B, H, L) on the CPU: seconds, not minutes. */
    private static final List<long[]> CPU_SHAPES = List.of(new long[] {1, 4, 256}, new long[] {1, 4, 1024});

    private LearnedButterflyBenchmark() {}

    static void run(BenchOptions options, boolean gpu, String backend) throws IOException {
        Device device = gpu ? Device.cuda(0) : Device.CPU;
        List<long[]> shapes = options.shapes().isEmpty() ? (gpu ? GPU_SHAPES : CPU_SHAPES) : options.shapes();
        double bytesPerMs = gpu ? ConvBenchmark.copyBandwidth(device, options) : Double.NaN;
        for (DType dtype : options.dtypes()) {
            Table table = new Table("B", "H", "L", "n1 x n2", "fixed fwd ms", "learned fwd ms", "fwd ratio",
                    "fixed bwd ms", "learned bwd ms", "bwd ratio", "learned x floor", "on-chip learned fwd ms",
                    "fwd ratio", "on-chip learned bwd ms", "bwd ratio");
            for (int i = 0; i < shapes.size(); i++) {
                long[] s = shapes.get(i);
                LOG.info("learned {} {}/{}: B={} H={} L={}", dtype, i + 1, shapes.size(), s[0], s[1], s[2]);
                table.add(measure(s, dtype, device, gpu, bytesPerMs, options).toArray());
            }
            String title = "learned butterflies vs fixed FlashButterfly, causal, " + dtype
                    + " u and y, fp32 k, D and learned matrices (shared by the channels)";
            table.print(title);
            if (options.markdown() != null) {
                table.appendMarkdown(options.markdown(), title, ConvBenchmark.context(backend, gpu, bytesPerMs));
            }
        }
    }

    private static List<Object> measure(long[] s, DType dtype, Device device, boolean gpu, double bytesPerMs,
                                        BenchOptions options) {
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(s);
            Tensor u = Tensor.randn(arena, device, dtype, shape, 1);
            Tensor k = Tensor.randn(arena, device, DType.FP32, Shape.of(s[1], s[2]), 2);
            Tensor d = Tensor.randn(arena, device, DType.FP32, Shape.of(s[1]), 3);
            Tensor dy = Tensor.randn(arena, device, dtype, shape, 4);
            Tensor y = Tensor.empty(arena, device, dtype, shape);
            Stream stream = Stream.DEFAULT;

            LongConv fixed = LongConv.causal().algorithm(Algorithm.FLASH_BUTTERFLY);
            KernelSpectrum spectrum = fixed.spectrum(k, s[2]);
            Gradients fixedGradients = new Gradients(Tensor.empty(arena, device, dtype, shape),
                    Tensor.empty(arena, device, DType.FP32, k.shape()), Tensor.empty(arena, device, DType.FP32, d.shape()));
            double fixedForward = Timing.medianMillis(() -> {
                spectrum.update(k, stream);
                fixed.forward(u, spectrum, d, y, stream);
            }, gpu, stream, options);
            double fixedBackward = Timing.medianMillis(() -> fixed.backward(dy, u, spectrum, d, fixedGradients, stream),
                    gpu, stream, options);

            LearnedButterflyConv learned = LearnedButterflyConv.forLength(arena, device, s[2], 1);
            LearnedGradients learnedGradients = gradientsFor(learned, arena, u, k, d);
            double learnedForward = Timing.medianMillis(() -> learned.forward(u, k, d, y, stream), gpu, stream, options);
            double learnedBackward = Timing.medianMillis(() -> learned.backward(dy, u, k, d, learnedGradients, stream),
                    gpu, stream, options);

            long bytes = u.byteSize() + k.byteSize() + d.byteSize() + y.byteSize();
            double floor = bytes / bytesPerMs;
            List<Object> row = new ArrayList<>(List.of(s[0], s[1], s[2], learned.n1() + " x " + learned.n2(),
                    ConvBenchmark.fmt(fixedForward), ConvBenchmark.fmt(learnedForward),
                    String.format("%.2f", learnedForward / fixedForward), ConvBenchmark.fmt(fixedBackward),
                    ConvBenchmark.fmt(learnedBackward), String.format("%.2f", learnedBackward / fixedBackward),
                    gpu ? String.format("%.1f", learnedForward / floor) : "-"));
            int fftSize = StockhamButterflyConv.fftSizeFor(s[2]);
            if (gpu && (!CudaStockhamButterfly.takes(dtype) || fftSize > CudaStockhamButterfly.maxFftSize(device.index()))) {
                row.addAll(List.of("-", "-", "-", "-"));
                return row;
            }
            StockhamButterflyConv onChip = StockhamButterflyConv.forLength(arena, device, s[2], 1);
            LearnedGradients onChipGradients = gradientsFor(onChip, arena, u, k, d);
            double onChipForward = Timing.medianMillis(() -> onChip.forward(u, k, d, y, stream), gpu, stream, options);
            double onChipBackward = Timing.medianMillis(() -> onChip.backward(dy, u, k, d, onChipGradients, stream),
                    gpu, stream, options);
            row.addAll(List.of(ConvBenchmark.fmt(onChipForward), String.format("%.2f", onChipForward / fixedForward),
                    ConvBenchmark.fmt(onChipBackward), String.format("%.2f", onChipBackward / fixedBackward)));
            return row;
        }
    }

    /** Gradients for conv's backward on u, k and d, each shaped like what it is the gradient of. */
    private static LearnedGradients gradientsFor(LearnedConvolution conv, Arena arena, Tensor u, Tensor k, Tensor d) {
        List<Tensor> dParameters = new ArrayList<>();
        for (Tensor p : conv.parameters()) dParameters.add(Tensor.empty(arena, p.device(), p.dtype(), p.shape()));
        return new LearnedGradients(Tensor.empty(arena, u.device(), u.dtype(), u.shape()),
                Tensor.empty(arena, k.device(), k.dtype(), k.shape()),
                d == null ? null : Tensor.empty(arena, d.device(), d.dtype(), d.shape()), dParameters);
    }
}
