package io.flashbutterfly.bench;

import io.flashbutterfly.backend.cpu.ReferenceConvolution;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** JMH: one row of the float64 reference convolution, direct and FFT paths. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ReferenceConvolutionBenchmark {
    @Param({"256", "4096"})
    public int length;

    private double[] u;
    private double[] k;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        u = random.doubles(length).toArray();
        k = random.doubles(length).toArray();
    }

    @Benchmark
    public double[] fft() {
        return ReferenceConvolution.causalFft(u, k);
    }

    @Benchmark
    public double[] direct() {
        return ReferenceConvolution.causalDirect(u, k);
    }
}
