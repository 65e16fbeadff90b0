package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_onchip_max_fft_size;

import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.NativeLibraries;
import io.flashbutterfly.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The largest FFT size the on-chip kernel takes per device and dtype: it depends on the device's
 * shared memory per block (asked once per pair, from fb_onchip_max_fft_size). A block holds half
 * as many complex values: one real row of that size, or two inner rows of the Monarch forward.
 */
final class OnChipLimit {
    private record Key(int device, DType dtype) {}

    private static final ConcurrentMap<Key, Long> LIMITS = new ConcurrentHashMap<>();

    private OnChipLimit() {}

    /** The Monarch forward's inner size: half the longest complex sequence one block holds. */
    static long innerSize(int device, DType dtype) {
        return maxFftSize(device, dtype) / 4;
    }

    static long maxFftSize(int device, DType dtype) {
        return LIMITS.computeIfAbsent(new Key(device, dtype), key -> {
            NativeLibraries.requireFlashButterfly();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
                Cuda.check(fb_onchip_max_fft_size(dtype.nativeCode(), device, out), "fb_onchip_max_fft_size");
                return out.get(ValueLayout.JAVA_LONG, 0);
            }
        });
    }
}
