package io.flashbutterfly.bench;

import io.flashbutterfly.runtime.Event;
import io.flashbutterfly.runtime.Stream;
import java.util.Arrays;

/** Median timings: CUDA events around each run on the GPU, the monotonic clock on the CPU. */
final class Timing {
    private Timing() {}

    /** Warm-up lasts at least this long: a GPU idle for a while (inputs made on the host) clocks down. */
    private static final long MIN_WARMUP_NANOS = 200_000_000L;

    /**
     * Median milliseconds of op, after warmup runs and at least 200 ms of running: CUDA events on
     * stream when gpu, else the wall clock.
     */
    static double medianMillis(Runnable op, boolean gpu, Stream stream, BenchOptions options) {
        long warmStart = System.nanoTime();
        for (int i = 0; i < options.warmup() || System.nanoTime() - warmStart < MIN_WARMUP_NANOS; i++) {
            op.run();
            if (gpu) stream.synchronize();
        }
        double[] ms = new double[options.iterations()];
        if (gpu) {
            try (Event start = Event.create(0); Event end = Event.create(0)) {
                for (int i = 0; i < ms.length; i++) {
                    start.record(stream);
                    op.run();
                    end.record(stream);
                    ms[i] = end.elapsedMillisSince(start);
                }
            }
        } else {
            for (int i = 0; i < ms.length; i++) {
                long t0 = System.nanoTime();
                op.run();
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        int n = ms.length;
        return n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    }
}
