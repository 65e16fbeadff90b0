package io.flashbutterfly.bench;

import io.flashbutterfly.runtime.Event;
import io.flashbutterfly.runtime.Stream;
import java.util.Arrays;

/** Median timings: CUDA events around each run on the GPU, the monotonic clock on the CPU. */
final class Timing {
    private Timing() {}

    /** Median milliseconds of op on stream, timed with events after warmup runs. */
    static double gpuMedianMillis(Runnable op, Stream stream, int device, BenchOptions options) {
        for (int i = 0; i < options.warmup(); i++) op.run();
        double[] ms = new double[options.iterations()];
        try (Event start = Event.create(device); Event end = Event.create(device)) {
            for (int i = 0; i < ms.length; i++) {
                start.record(stream);
                op.run();
                end.record(stream);
                ms[i] = end.elapsedMillisSince(start);
            }
        }
        return median(ms);
    }

    /** Median milliseconds of op on the CPU after warmup runs. */
    static double cpuMedianMillis(Runnable op, BenchOptions options) {
        for (int i = 0; i < options.warmup(); i++) op.run();
        double[] ms = new double[options.iterations()];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            op.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return median(ms);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
