package io.flashbutterfly.bench;

import io.flashbutterfly.api.Gates;
import io.flashbutterfly.api.Gradients;
import io.flashbutterfly.api.KernelSpectrum;
import io.flashbutterfly.api.LongConv;
import io.flashbutterfly.api.Mode;
import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.backend.GatedBackward;
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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The long convolution's forward, per shape and dtype: the library's default and, on a GPU,
 * each forward path forced, with median time, GB/s and ratio to the memory floor (u, k, D and y,
 * and with --gates the pre and post gates, each moved once at the copy bandwidth measured in this
 * run), the extra device memory a call takes, and the peers (PyTorch, FlashFFTConv) side by side
 * when a peer script is given.
 */
final class ConvBenchmark {
    private static final Logger LOG = LogManager.getLogger(ConvBenchmark.class);
    /** The library's default, as the "flashbutterfly" column. */
    static final String DEFAULT = "flashbutterfly";
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
        double bytesPerMs = gpu ? copyBandwidth(device, options) : Double.NaN;
        warmUpJvm();
        List<Measurement> all = new ArrayList<>();
        for (DType dtype : options.dtypes()) {
            List<Measurement> results = new ArrayList<>();
            for (int i = 0; i < shapes.size(); i++) {
                long[] s = shapes.get(i);
                LOG.info("{} {}/{}: B={} H={} L={}", dtype, i + 1, shapes.size(), s[0], s[1], s[2]);
                results.addAll(measure(s, dtype, bytesPerMs));
            }
            if (gpu && options.peer() != null && options.mode() == Mode.CAUSAL) {
                results.addAll(PeerResults.run(options.peer(), dtype, shapes, options));
            }
            String title = options.mode().toString().toLowerCase() + (options.gates() ? " gated" : "")
                    + " long convolution forward, " + dtype + " u and y" + (options.gates() ? " and gates" : "")
                    + ", fp32 k and D, " + options.algorithm();
            Table table = table(results, bytesPerMs);
            table.print(title);
            if (options.markdown() != null) {
                table.appendMarkdown(options.markdown(), title, context(backend, gpu, bytesPerMs));
            }
            all.addAll(results);
        }
        if (options.json() != null) {
            JsonReport.write(options.json(), backend, options.gates(), all);
            plot(options.json(), all);
        }
    }

    /** The PNG beside a JSON report; says so and skips it where the runtime has no java.desktop. */
    static void plot(Path json, List<Measurement> results) throws IOException {
        Path png = json.resolveSibling(json.getFileName().toString().replaceFirst("\\.json$", "") + ".png");
        try {
            Plot.write(png, "long convolution forward: median time against L", results);
            LOG.info("plot written to {}", png);
        } catch (NoClassDefFoundError | UnsatisfiedLinkError e) {
            LOG.warn("no plot: this Java runtime lacks java.desktop ({}); run --plot {} with a full JDK", e.toString(), json);
        }
    }

    /** One row per shape: the default's figures, then each other implementation's time and speedup. */
    private static Table table(List<Measurement> results, double bytesPerMs) {
        Map<String, Map<String, Measurement>> byImplementation = new LinkedHashMap<>();
        for (Measurement m : results) {
            byImplementation.computeIfAbsent(m.implementation(), k -> new LinkedHashMap<>()).put(m.shapeKey(), m);
        }
        List<String> header = new ArrayList<>(List.of("B", "H", "L", "ms", "path", "GB/s", "x floor", "extra MiB"));
        List<String> others = byImplementation.keySet().stream().filter(k -> !k.equals(DEFAULT)).toList();
        List<String> othersWithMemory = others.stream().filter(other -> byImplementation.get(other).values().stream()
                .anyMatch(m -> m.extraBytes() >= 0)).toList();
        for (String other : others) {
            header.add(other + " ms");
            header.add("vs " + other);
            if (othersWithMemory.contains(other)) header.add(other + " extra MiB");
        }
        Table table = new Table(header.toArray(String[]::new));
        for (Measurement m : byImplementation.getOrDefault(DEFAULT, Map.of()).values()) {
            List<Object> row = new ArrayList<>(List.of(m.batch(), m.channels(), m.length(), fmt(m.millis()),
                    m.path().isEmpty() ? "-" : m.path(),
                    Double.isNaN(m.floorMillis()) ? "-" : String.format("%.0f", m.floorMillis() * bytesPerMs / m.millis() / 1e6),
                    Double.isNaN(m.floorMillis()) ? "-" : String.format("%.1f", m.millis() / m.floorMillis()),
                    m.extraBytes() < 0 ? "-" : mib(m.extraBytes())));
            for (String other : others) {
                Measurement o = byImplementation.get(other).get(m.shapeKey());
                row.add(o == null ? "-" : fmt(o.millis()));
                row.add(o == null ? "-" : String.format("%.2f", o.millis() / m.millis()));
                if (othersWithMemory.contains(other)) row.add(o == null || o.extraBytes() < 0 ? "-" : mib(o.extraBytes()));
            }
            table.add(row.toArray());
        }
        return table;
    }

    private List<Measurement> measure(long[] s, DType dtype, double bytesPerMs) {
        LongConv conv = LongConv.of(options.mode()).algorithm(options.algorithm());
        Shape shape = Shape.of(s);
        long taps = options.mode() == Mode.BIDIRECTIONAL ? 2 * s[2] : s[2];
        List<Measurement> results = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            Tensor u = Tensor.randn(arena, device, dtype, shape, 1);
            Tensor k = Tensor.randn(arena, device, DType.FP32, Shape.of(s[1], taps), 2);
            Tensor d = Tensor.randn(arena, device, DType.FP32, Shape.of(s[1]), 3);
            Tensor y = Tensor.empty(arena, device, dtype, shape);
            Gates gates = gates(arena, dtype, shape);
            KernelSpectrum spectrum = conv.spectrum(k, s[2]);
            long bytes = u.byteSize() + k.byteSize() + d.byteSize() + y.byteSize() + byteSize(gates.pre())
                    + byteSize(gates.post());
            double floorMs = gpu ? bytes / bytesPerMs : Double.NaN;
            if (gpu) {
                // The first call times each candidate path (scratch the chosen one may not need):
                // the extra memory counted is the chosen path's, in the calls timed below.
                conv.forward(u, spectrum, d, gates, y, Stream.DEFAULT);
                Stream.DEFAULT.synchronize();
                GpuMemory.releaseCaches();
                GpuMemory.resetPeak();
            }
            double ms = Timing.medianMillis(() -> conv.forward(u, spectrum, d, gates, y, Stream.DEFAULT), gpu,
                    Stream.DEFAULT, options);
            long extra = gpu ? GpuMemory.peakScratchBytes() + GpuMemory.workAreaBytes() : -1;
            if (!gpu) {
                results.add(new Measurement(DEFAULT, dtype.toString(), s[0], s[1], s[2], ms, floorMs, extra));
                return results;
            }
            ConvGeometry geometry = new ConvGeometry(s[2], options.mode() == Mode.BIDIRECTIONAL ? s[2] : taps,
                    options.mode() == Mode.BIDIRECTIONAL ? s[2] : 0, spectrum.fftSize());
            String chosen = conv.chosenForward(spectrum, u, gates);
            results.add(new Measurement(DEFAULT, dtype.toString(), s[0], s[1], s[2], ms, floorMs, extra,
                    chosen == null ? "" : chosen));
            Map<String, CudaLongConv> paths = new LinkedHashMap<>();
            if (CudaLongConv.onChipFits(geometry, dtype, device.index())) paths.put("on-chip", CudaLongConv.ON_CHIP);
            if (CudaLongConv.monarchFits(geometry, dtype, device.index())) paths.put("monarch", CudaLongConv.MONARCH);
            if (CudaLongConv.directTakes(u, spectrum.taps())) paths.put("direct", CudaLongConv.DIRECT);
            if (CudaLongConv.fusedFits(s[0] * s[1], geometry)) paths.put("fused", CudaLongConv.FUSED);
            paths.put("unfused", CudaLongConv.UNFUSED);
            for (Map.Entry<String, CudaLongConv> path : paths.entrySet()) {
                double pathMs = Timing.medianMillis(() -> path.getValue().forward(u, spectrum.data(), spectrum.taps(),
                        geometry, d, gates.pre(), gates.post(), y, Stream.DEFAULT), true, Stream.DEFAULT, options);
                results.add(new Measurement(path.getKey(), dtype.toString(), s[0], s[1], s[2], pathMs, floorMs, -1));
            }
            // The backward (du, dk, dD, and the gates' gradients): the default's (du through the
            // transposed FlashButterfly kernel where one takes the size) and cuFFT's alone.
            Tensor dy = Tensor.randn(arena, device, dtype, shape, 4);
            Gradients gradients = new Gradients(Tensor.empty(arena, device, dtype, shape),
                    Tensor.empty(arena, device, DType.FP32, k.shape()), Tensor.empty(arena, device, DType.FP32, d.shape()),
                    gates.pre() == null ? null : Tensor.empty(arena, device, dtype, shape),
                    gates.post() == null ? null : Tensor.empty(arena, device, dtype, shape));
            double backwardMs = Timing.medianMillis(() -> conv.backward(dy, u, spectrum, d, gates, gradients,
                    Stream.DEFAULT), true, Stream.DEFAULT, options);
            results.add(new Measurement("backward", dtype.toString(), s[0], s[1], s[2], backwardMs, floorMs, -1));
            double cufftMs = Timing.medianMillis(() -> GatedBackward.run(CudaLongConv.CUFFT_ONLY, dy, u,
                    spectrum.data(), null, geometry, d, gates.pre(), gates.post(), gradients.du(), gradients.dk(),
                    gradients.dd(), gradients.dpre(), gradients.dpost(), Stream.DEFAULT), true, Stream.DEFAULT, options);
            results.add(new Measurement("cufft backward", dtype.toString(), s[0], s[1], s[2], cufftMs, floorMs, -1));
        }
        return results;
    }

    /** Random pre and post gates shaped like u with --gates, else none. */
    private Gates gates(Arena arena, DType dtype, Shape shape) {
        if (!options.gates()) return Gates.NONE;
        return new Gates(Tensor.randn(arena, device, dtype, shape, 5), Tensor.randn(arena, device, dtype, shape, 6));
    }

    private static long byteSize(Tensor t) {
        return t == null ? 0 : t.byteSize();
    }

    /**
     * Runs the default forward on a small input until the JIT has compiled the host side: the
     * first shape measured would otherwise pay for interpreted downcalls inside its timings.
     */
    private void warmUpJvm() {
        try (Arena arena = Arena.ofConfined()) {
            LongConv conv = LongConv.of(options.mode()).algorithm(options.algorithm());
            long taps = options.mode() == Mode.BIDIRECTIONAL ? 512 : 256;
            for (DType dtype : options.dtypes()) {
                Tensor u = Tensor.randn(arena, device, dtype, Shape.of(2, 4, 256), 1);
                Tensor d = Tensor.randn(arena, device, DType.FP32, Shape.of(4), 3);
                Tensor y = Tensor.empty(arena, device, dtype, u.shape());
                Gates gates = gates(arena, dtype, u.shape());
                KernelSpectrum spectrum = conv.spectrum(Tensor.randn(arena, device, DType.FP32, Shape.of(4, taps), 2), 256);
                long until = System.nanoTime() + (gpu ? 3_000_000_000L : 500_000_000L);
                while (System.nanoTime() < until) conv.forward(u, spectrum, d, gates, y, Stream.DEFAULT);
                if (gpu) Stream.DEFAULT.synchronize();
            }
        }
    }

    /** A markdown table's context line: the backend, and on the GPU the copy bandwidth measured. */
    static String context(String backend, boolean gpu, double bytesPerMs) {
        return backend + (gpu ? String.format(", copy bandwidth %.0f GB/s", bytesPerMs / 1e6) : "");
    }

    /** Device-to-device copy bandwidth in bytes per millisecond, bytes read plus written. */
    static double copyBandwidth(Device device, BenchOptions options) {
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
