package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_onchip_kernel_grad_max_fft_size;
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
 * The largest FFT sizes the on-chip kernels take per device and dtype: they depend on the
 * device's shared memory per block (asked once per pair, from fb_onchip_max_fft_size and
 * fb_onchip_kernel_grad_max_fft_size). The convolution's block holds half as many complex values:
 * one real row of that size, or two inner rows of the Monarch forward.
 */
final class OnChipLimit {
    /** dtype null: dk's kernel, the same for every dtype. */
    private record Key(int device, DType dtype) {}

    private static final ConcurrentMap<Key, Long> LIMITS = new ConcurrentHashMap<>();

    private OnChipLimit() {}

    /** The Monarch forward's inner size: half the longest complex sequence one block holds. */
    static long innerSize(int device, DType dtype) {
        return maxFftSize(device, dtype) / 4;
    }

    static long maxFftSize(int device, DType dtype) {
        return limit(new Key(device, dtype));
    }

    /** The largest FFT size of dk's on-chip kernel (fb_onchip_kernel_grad, fp32 for every dtype). */
    static long kernelGradMaxFftSize(int device) {
        return limit(new Key(device, null));
    }

    private static long limit(Key key) {
        return LIMITS.computeIfAbsent(key, k -> {
            NativeLibraries.requireFlashButterfly();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
                if (k.dtype() == null) {
                    Cuda.check(fb_onchip_kernel_grad_max_fft_size(k.device(), out), "fb_onchip_kernel_grad_max_fft_size");
                } else {
                    Cuda.check(fb_onchip_max_fft_size(k.dtype().nativeCode(), k.device(), out), "fb_onchip_max_fft_size");
                }
                return out.get(ValueLayout.JAVA_LONG, 0);
            }
        });
    }
}
