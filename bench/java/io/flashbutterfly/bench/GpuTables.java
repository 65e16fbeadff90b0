package io.flashbutterfly.bench;

import io.flashbutterfly.backend.cuda.CufftPlan;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * GPU tables: the device's copy bandwidth (the memory floor's yardstick), then cuFFT's real
 * round trip (R2C + C2R of size 2L, the core of an FFT convolution) on the long-convolution shapes.
 */
final class GpuTables {
    /** (B, H, L) of the long-convolution benchmark. */
    static final long[][] SHAPES = {
        {64, 768, 256}, {32, 768, 1024}, {16, 768, 4096}, {8, 768, 16384},
        {4, 768, 65536}, {1, 256, 1048576}, {1, 32, 4194304}};

    private final BenchOptions options;
    private final Device gpu = Device.cuda(0);

    GpuTables(BenchOptions options) {
        this.options = options;
    }

    void run() {
        double copyBytesPerMs = copyBandwidth();
        Table table = new Table("B", "H", "L", "median ms", "floor ms", "x floor");
        for (long[] s : SHAPES) {
            long rows = s[0] * s[1];
            long n = 2 * s[2];
            try (Arena arena = Arena.ofConfined();
                 CufftPlan r2c = CufftPlan.create(0, CufftPlan.Type.R2C, n, rows);
                 CufftPlan c2r = CufftPlan.create(0, CufftPlan.Type.C2R, n, rows)) {
                Tensor x = Tensor.zeros(arena, gpu, DType.FP32, Shape.of(rows, n));
                Tensor spectrum = Tensor.empty(arena, gpu, DType.FP32, Shape.of(rows, n / 2 + 1, 2));
                double ms = Timing.gpuMedianMillis(() -> {
                    r2c.execute(x.data(), spectrum.data(), true, Stream.DEFAULT);
                    c2r.execute(spectrum.data(), x.data(), false, Stream.DEFAULT);
                }, Stream.DEFAULT, 0, options);
                // Floor of the convolution this stands for: u read + y written, fp32.
                double floorMs = 2.0 * rows * s[2] * 4 / copyBytesPerMs;
                table.add(s[0], s[1], s[2], fmt(ms), fmt(floorMs), String.format("%.1f", ms / floorMs));
            }
        }
        table.print("cuFFT fp32 R2C + C2R round trip, size 2L (memory floor: u + y at the copy bandwidth)");
    }

    /** Device-to-device copy bandwidth in bytes per millisecond, bytes read plus written. */
    private double copyBandwidth() {
        long bytes = 1L << 30;
        try (Arena arena = Arena.ofConfined()) {
            Tensor a = Tensor.zeros(arena, gpu, DType.FP32, Shape.of(bytes / 4));
            Tensor b = Tensor.empty(arena, gpu, DType.FP32, Shape.of(bytes / 4));
            double ms = Timing.gpuMedianMillis(() -> Cuda.copyAsync(b.data().address(), a.data().address(), bytes,
                    Stream.DEFAULT), Stream.DEFAULT, 0, options);
            double perMs = 2.0 * bytes / ms;
            Table table = new Table("bytes", "median ms", "GB/s (read + write)");
            table.add(bytes, fmt(ms), String.format("%.0f", perMs / 1e6));
            table.print("device-to-device copy");
            return perMs;
        }
    }

    static String fmt(double ms) {
        return String.format(ms < 1 ? "%.4f" : "%.3f", ms);
    }
}
