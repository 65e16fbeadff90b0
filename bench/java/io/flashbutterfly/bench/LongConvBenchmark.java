package io.flashbutterfly.bench;

import io.flashbutterfly.api.KernelSpectrum;
import io.flashbutterfly.api.LongConv;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH: the causal long convolution's forward and backward on the best device here (a GPU when
 * there is one: each invocation waits for the device, so the time is the call's wall time).
 * {@code java -jar flashbutterfly-bench.jar --jmh LongConvBenchmark -p batch=4 -p length=4096}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LongConvBenchmark {
    @Param({"1"})
    public int batch;
    @Param({"16"})
    public int channels;
    @Param({"1024"})
    public int length;
    @Param({"FP32"})
    public DType dtype;

    private Arena arena;
    private final LongConv conv = LongConv.causal();
    private KernelSpectrum spectrum;
    private Tensor u;
    private Tensor d;
    private Tensor y;
    private Tensor dy;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        Device device = Device.best();
        Shape shape = Shape.of(batch, channels, length);
        u = Tensor.randn(arena, device, dtype, shape, 1);
        dy = Tensor.randn(arena, device, dtype, shape, 2);
        d = Tensor.randn(arena, device, DType.FP32, Shape.of(channels), 3);
        y = Tensor.empty(arena, device, dtype, shape);
        spectrum = conv.spectrum(Tensor.randn(arena, device, DType.FP32, Shape.of(channels, length), 4), length);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public Tensor forward() {
        conv.forward(u, spectrum, d, y, Stream.DEFAULT);
        if (y.device().isCuda()) Stream.DEFAULT.synchronize();
        return y;
    }

    @Benchmark
    public void backward() {
        try (Arena scratch = Arena.ofConfined()) {
            conv.backward(dy, u, spectrum, d, new io.flashbutterfly.api.Gradients(
                    Tensor.empty(scratch, u.device(), dtype, u.shape()),
                    Tensor.empty(scratch, u.device(), DType.FP32, spectrum.kernelShape()),
                    Tensor.empty(scratch, u.device(), DType.FP32, d.shape())), Stream.DEFAULT);
            if (u.device().isCuda()) Stream.DEFAULT.synchronize();
        }
    }
}
