package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.runtime.Event;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Which forward implementation is fastest for a shape: no one wins everywhere (cuFFT picks other
 * kernels once callbacks are linked; the on-chip kernel is limited by shared memory). Decided by
 * timing each candidate on the first call for a (device, FFT size, rows, dtype), which
 * synchronises that one call, and remembered. That first call ends with the winner's output, so
 * every call for a shape gives the same bits.
 */
final class ForwardChoice {
    private static final Logger LOG = LogManager.getLogger(ForwardChoice.class);
    private static final int TIMED_RUNS = 3;

    private record Key(int device, long fftSize, long rows, DType dtype, int candidates) {}

    private final Map<Key, Integer> fastest = new ConcurrentHashMap<>();

    /** Runs the fastest candidate for this shape (each of them, timed, the first time). */
    void run(int device, long fftSize, long rows, DType dtype, List<Runnable> candidates, Stream stream) {
        if (candidates.size() == 1) { // nothing to choose: no timing, no wait
            candidates.get(0).run();
            return;
        }
        Key key = new Key(device, fftSize, rows, dtype, candidates.size());
        Integer best = fastest.get(key);
        if (best != null) {
            candidates.get(best).run();
            return;
        }
        float[] ms = new float[candidates.size()];
        for (int i = 0; i < ms.length; i++) {
            candidates.get(i).run(); // plans made (JIT-linked for callbacks) before timing
            ms[i] = Float.MAX_VALUE;
            for (int run = 0; run < TIMED_RUNS; run++) ms[i] = Math.min(ms[i], time(device, candidates.get(i), stream));
        }
        int winner = 0;
        for (int i = 1; i < ms.length; i++) if (ms[i] < ms[winner]) winner = i;
        // A racing first call may have decided already: its choice stands for every call.
        Integer decided = fastest.putIfAbsent(key, winner);
        int chosen = decided != null ? decided : winner;
        candidates.get(chosen).run(); // this call's output comes from the one every later call runs
        LOG.debug("forward N={} rows={} {}: candidates {} ms, chose #{}", fftSize, rows, dtype, Arrays.toString(ms), chosen);
    }

    private static float time(int device, Runnable op, Stream stream) {
        try (Event start = Event.create(device); Event end = Event.create(device)) {
            start.record(stream);
            op.run();
            end.record(stream);
            return end.elapsedMillisSince(start);
        }
    }
}
