package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.runtime.Event;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Which forward is faster for a shape, fused (cuFFT with callbacks) or unfused (kernels around
 * plain transforms): cuFFT picks different kernels once callbacks are linked, and neither wins
 * everywhere. Decided by timing both on the first call for a (device, FFT size, rows, dtype),
 * which synchronises that one call, and remembered.
 */
final class ForwardChoice {
    private static final Logger LOG = LogManager.getLogger(ForwardChoice.class);

    private record Key(int device, long fftSize, long rows, DType dtype) {}

    private final Map<Key, Boolean> fusedFaster = new ConcurrentHashMap<>();

    /** Runs the faster of the two for this shape (both, timed, the first time). */
    void run(int device, long fftSize, long rows, DType dtype, Runnable fused, Runnable unfused, Stream stream) {
        Key key = new Key(device, fftSize, rows, dtype);
        Boolean fast = fusedFaster.get(key);
        if (fast == null) {
            fused.run();   // plans made (the fused one JIT-linked) before timing
            unfused.run();
            float fusedMs = time(device, fused, stream);
            float unfusedMs = time(device, unfused, stream);
            fast = fusedMs <= unfusedMs;
            fusedFaster.put(key, fast);
            LOG.debug("forward N={} rows={} {}: fused {} ms, unfused {} ms", fftSize, rows, dtype, fusedMs, unfusedMs);
            return; // y holds the unfused run's (identical up to rounding) result
        }
        (fast ? fused : unfused).run();
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
