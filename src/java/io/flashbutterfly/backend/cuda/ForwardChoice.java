package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.backend.ConvGeometry;
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
 * kernels once callbacks are linked; the on-chip kernel is limited by shared memory; the direct
 * forward's work follows L, the others' the FFT size). Decided by timing each candidate on the
 * first call for a (device, length where the direct forward may run, FFT size, rows, dtype, gated or not: the
 * cuFFT forwards gate in passes of their own, the kernels as they load and store), which
 * synchronises that one call, and remembered. That first call ends with the winner's output, so
 * every call for a shape gives the same bits.
 */
final class ForwardChoice {
    private static final Logger LOG = LogManager.getLogger(ForwardChoice.class);
    private static final int TIMED_RUNS = 3;

    private record Key(int device, long length, long fftSize, long rows, DType dtype, boolean gated, int candidates) {}

    /** The chosen candidate's place in the list and its name (never its closure: that holds one call's tensors). */
    private record Decision(int index, String name) {}

    /** A forward implementation for one call, by name. */
    record Candidate(String name, Runnable run) {}

    private final Map<Key, Decision> fastest = new ConcurrentHashMap<>();

    /**
     * Runs the fastest candidate for this shape (each of them, timed, the first time); byLength:
     * whether a candidate's work follows L (the direct forward's), so that each length is timed
     * apart, where otherwise one FFT size's lengths share a choice.
     */
    void run(int device, ConvGeometry g, boolean byLength, long rows, DType dtype, boolean gated,
             List<Candidate> candidates, Stream stream) {
        Key key = new Key(device, keyLength(g, byLength), g.fftSize(), rows, dtype, gated, candidates.size());
        if (candidates.size() == 1) { // nothing to choose: no timing, no wait
            fastest.putIfAbsent(key, new Decision(0, candidates.get(0).name()));
            candidates.get(0).run().run();
            return;
        }
        Decision best = fastest.get(key);
        if (best != null) {
            candidates.get(best.index()).run().run();
            return;
        }
        float[] ms = new float[candidates.size()];
        for (int i = 0; i < ms.length; i++) {
            Runnable op = candidates.get(i).run();
            op.run(); // plans made (JIT-linked for callbacks) before timing
            ms[i] = Float.MAX_VALUE;
            for (int run = 0; run < TIMED_RUNS; run++) ms[i] = Math.min(ms[i], time(device, op, stream));
        }
        int winner = 0;
        for (int i = 1; i < ms.length; i++) if (ms[i] < ms[winner]) winner = i;
        // A racing first call may have decided already: its choice stands for every call.
        Decision decided = fastest.putIfAbsent(key, new Decision(winner, candidates.get(winner).name()));
        int chosen = decided != null ? decided.index() : winner;
        candidates.get(chosen).run().run(); // this call's output comes from the one every later call runs
        LOG.debug("forward L={} N={} rows={} {}: candidates {} ms, chose {}", g.length(), g.fftSize(), rows, dtype, Arrays.toString(ms),
                candidates.get(chosen).name());
    }

    /** The name of the candidate chosen for this shape (byLength as for {@link #run}), or null before its first call. */
    String chosen(int device, ConvGeometry g, boolean byLength, long rows, DType dtype, boolean gated) {
        long length = keyLength(g, byLength);
        return fastest.entrySet().stream()
                .filter(e -> e.getKey().device() == device && e.getKey().length() == length
                        && e.getKey().fftSize() == g.fftSize()
                        && e.getKey().rows() == rows && e.getKey().dtype() == dtype && e.getKey().gated() == gated)
                .map(e -> e.getValue().name()).findFirst().orElse(null);
    }

    /** L where a candidate's work follows it, else 0: then one FFT size's lengths share a choice. */
    private static long keyLength(ConvGeometry g, boolean byLength) {
        return byLength ? g.length() : 0;
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
