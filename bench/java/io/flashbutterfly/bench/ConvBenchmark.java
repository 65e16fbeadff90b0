package io.flashbutterfly.bench;

import io.flashbutterfly.api.KernelSpectrum;
import io.flashbutterfly.api.LongConv;
import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.backend.cuda.CudaLongConv;
import io.flashbutterfly.backend.cuda.GpuMemory;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * The causal long convolution y = conv(u, k) + D*u, forward, per shape and dtype: median time,
 * the memory floor (u, k, D and y each moved once at the copy bandwidth measured in this run),
 * the extra device memory a call takes, and, with a peer script, PyTorch's figures side by side.
 */
final class ConvBenchmark {
    /** (B, H, L) on a GPU: the shapes of the long-convolution issue. */
    static final List<long[]> GPU_SHAPES = List.of(
            new long[] {64, 768, 256}, new long[] {32, 768, 1024}, new long[] {16, 768, 4096},
            new long[] {8, 768, 16384}, new long[] {4, 768, 65536}, new long[] {1, 256, 1048576},
            new long[] {1, 32, 4194304});
    /** (B, H, L) on the CPU: seconds, not minutes. */
    static final List<long[]> CPU_SHAPES = List.of(
            new long[] {1, 16, 1024}, new long[] {1, 16, 4096}, new long[] {1, 8, 16384}, new long[] {1, 4, 65536});

    private final BenchOptions options;
    private final boolean gpu;
    private final Device device;

    ConvBenchmark(BenchOptions options, boolean gpu) {
        this.options = options;
        this.gpu = gpu;
        this.device = gpu ? Device.cuda(0) : Device.CPU;
    }

    void run(String backend) throws IOException {
        List<long[]> shapes = options.shapes().isEmpty() ? (gpu ? GPU_SHAPES : CPU_SHAPES) : options.shapes();
        double bytesPerMs = gpu ? copyBandwidth() : Double.NaN;
        for (DType dtype : options.dtypes()) {
            Map<String, PeerResults.Result> peer = gpu && options.peer() != null
                    ? PeerResults.run(options.peer(), dtype, shapes, options) : Map.of();
            Table table = gpu
                    ? new Table("B", "H", "L", "ms", "floor ms", "x floor", "extra MiB", "on-chip ms", "fused ms", "unfused ms", "torch ms",
                            "speedup", "torch x floor", "torch extra MiB")
                    : new Table("B", "H", "L", "ms", "M samples/s");
            for (long[] s : shapes) {
                measure(s, dtype, bytesPerMs, peer, table);
            }
            String title = "causal long convolution forward, " + dtype + " u and y, fp32 k and D";
            table.print(title);
            if (options.markdown() != null) {
                Files.writeString(options.markdown(), "\n### " + title + "\n\n" + LocalDate.now() + ", " + backend
                        + (gpu ? String.format(", copy bandwidth %.0f GB/s", bytesPerMs / 1e6) : "") + "\n\n"
                        + table.markdown(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        }
    }

    private void measure(long[] s, DType dtype, double bytesPerMs, Map<String, PeerResults.Result> peer, Table table) {
        LongConv conv = LongConv.causal();
        Shape shape = Shape.of(s);
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.randn(arena, device, dtype, shape, 1);
            Tensor k = Tensor.randn(arena, device, DType.FP32, Shape.of(s[1], s[2]), 2);
            Tensor d = Tensor.randn(arena, device, DType.FP32, Shape.of(s[1]), 3);
            Tensor y = Tensor.empty(arena, device, dtype, shape);
            KernelSpectrum spectrum = conv.spectrum(k, s[2]);
            if (gpu) {
                GpuMemory.releaseCaches();
                GpuMemory.resetPeak();
            }
            double ms = Timing.medianMillis(() -> conv.forward(u, spectrum, d, y, Stream.DEFAULT), gpu,
                    Stream.DEFAULT, options);
            if (!gpu) {
                table.add(s[0], s[1], s[2], fmt(ms), String.format("%.1f", shape.numel() / ms / 1e3));
                return;
            }
            double floorMs = (u.byteSize() + k.byteSize() + d.byteSize() + y.byteSize()) / bytesPerMs;
            long extra = GpuMemory.peakScratchBytes() + GpuMemory.workAreaBytes();
            ConvGeometry geometry = new ConvGeometry(s[2], s[2], 0, spectrum.fftSize());
            double fusedMs = Timing.medianMillis(() -> CudaLongConv.FUSED.forward(u, spectrum.data(), geometry, d, y,
                    Stream.DEFAULT), true, Stream.DEFAULT, options);
            double unfusedMs = Timing.medianMillis(() -> CudaLongConv.UNFUSED.forward(u, spectrum.data(), geometry, d, y,
                    Stream.DEFAULT), true, Stream.DEFAULT, options);
            double onChipMs = !CudaLongConv.onChipFits(geometry) ? Double.NaN : Timing.medianMillis(() ->
                    CudaLongConv.ON_CHIP.forward(u, spectrum.data(), geometry, d, y, Stream.DEFAULT), true, Stream.DEFAULT, options);
            PeerResults.Result torch = peer.get(PeerResults.key(s));
            table.add(s[0], s[1], s[2], fmt(ms), fmt(floorMs), String.format("%.1f", ms / floorMs), mib(extra),
                    Double.isNaN(onChipMs) ? "-" : fmt(onChipMs), fmt(fusedMs), fmt(unfusedMs), torch == null ? "-" : fmt(torch.millis()),
                    torch == null ? "-" : String.format("%.2f", torch.millis() / ms),
                    torch == null ? "-" : String.format("%.1f", torch.millis() / floorMs),
                    torch == null ? "-" : mib(torch.extraBytes()));
        }
    }

    /** Device-to-device copy bandwidth in bytes per millisecond, bytes read plus written. */
    private double copyBandwidth() {
        long bytes = 1L << 30;
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.zeros(arena, device, DType.FP32, Shape.of(bytes / 4));
            Tensor b = Tensor.empty(arena, device, DType.FP32, Shape.of(bytes / 4));
            double ms = Timing.medianMillis(() -> Cuda.copyAsync(b.data().address(), a.data().address(), bytes,
                    Stream.DEFAULT), true, Stream.DEFAULT, options);
            double perMs = 2.0 * bytes / ms;
            System.out.printf("device-to-device copy: %.0f GB/s (read + write), %s ms per GiB%n", perMs / 1e6, fmt(ms));
            return perMs;
        }
    }

    static String fmt(double ms) {
        return String.format(ms < 1 ? "%.4f" : "%.3f", ms);
    }

    static String mib(long bytes) {
        return String.format("%.1f", bytes / 1048576.0);
    }
}
