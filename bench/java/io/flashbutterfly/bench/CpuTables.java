package io.flashbutterfly.bench;

import io.flashbutterfly.backend.cpu.ReferenceConvolution;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;

/** CPU tables: the float64 reference convolution, on shapes a laptop runs in seconds. */
final class CpuTables {
    static final long[][] SHAPES = {{1, 16, 1024}, {1, 16, 4096}, {1, 8, 16384}, {1, 4, 65536}};

    private final BenchOptions options;

    CpuTables(BenchOptions options) {
        this.options = options;
    }

    void run() {
        Table table = new Table("B", "H", "L", "median ms", "M samples/s");
        for (long[] s : SHAPES) {
            try (Arena arena = Arena.ofConfined()) {
                Shape shape = Shape.of(s);
                Tensor u = Tensor.randn(arena, Device.CPU, DType.FP32, shape, 1);
                Tensor k = Tensor.randn(arena, Device.CPU, DType.FP32, Shape.of(s[1], s[2]), 2);
                double ms = Timing.cpuMedianMillis(() -> {
                    try (Arena scratch = Arena.ofConfined()) {
                        ReferenceConvolution.causal(scratch, u, k, null);
                    }
                }, options);
                table.add(s[0], s[1], s[2], GpuTables.fmt(ms), String.format("%.1f", shape.numel() / ms / 1e3));
            }
        }
        table.print("CPU float64 reference causal convolution (" + Runtime.getRuntime().availableProcessors() + " cores)");
    }
}
