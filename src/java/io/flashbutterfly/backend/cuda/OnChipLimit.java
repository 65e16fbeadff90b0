package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_learned_backward_scratch_bytes;
import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_learned_levels;
import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_monarch_max_fft_size;
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
 * The largest FFT sizes the on-chip kernels, and the Monarch forward around them, take per device
 * and dtype: they depend on the device's shared memory per block (asked once per kind, device and
 * dtype, from fb_onchip_max_fft_size, fb_onchip_kernel_grad_max_fft_size, fb_monarch_max_fft_size
 * and, for the learned backward, fb_learned_backward_scratch_bytes). The convolution's block holds
 * half as many complex values: one real row of that size, or two inner rows of the Monarch forward.
 */
final class OnChipLimit {
    private enum Kind { ON_CHIP, KERNEL_GRAD, MONARCH_ONE_LEVEL, MONARCH, LEARNED_BACKWARD }

    /** dtype null for dk's kernel and the learned backward, the same for every dtype they take. */
    private record Key(Kind kind, int device, DType dtype) {}

    private static final ConcurrentMap<Key, Long> LIMITS = new ConcurrentHashMap<>();

    private OnChipLimit() {}

    static long maxFftSize(int device, DType dtype) {
        return limit(new Key(Kind.ON_CHIP, device, dtype));
    }

    /** The largest FFT size of dk's on-chip kernel (fb_onchip_kernel_grad, fp32 for every dtype). */
    static long kernelGradMaxFftSize(int device) {
        return limit(new Key(Kind.KERNEL_GRAD, device, null));
    }

    /** The largest FFT size of the Monarch forward, with one outer level when oneLevel, else two. */
    static long monarchMaxFftSize(int device, DType dtype, boolean oneLevel) {
        return limit(new Key(oneLevel ? Kind.MONARCH_ONE_LEVEL : Kind.MONARCH, device, dtype));
    }

    /**
     * The largest FFT size of the learned convolution's backward (fb_onchip_conv_learned_backward) on
     * device: the first power of two down from {@link CudaStockhamButterfly#MAX_BACKWARD_FFT_SIZE}
     * whose block fits the device's shared memory (fb_learned_backward_scratch_bytes answers for the
     * current device, so device is made current first); 0 if none.
     */
    static long learnedBackwardMaxFftSize(int device) {
        return limit(new Key(Kind.LEARNED_BACKWARD, device, null));
    }

    private static long limit(Key key) {
        return LIMITS.computeIfAbsent(key, k -> {
            NativeLibraries.requireFlashButterfly();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);
                switch (k.kind()) {
                    case ON_CHIP -> Cuda.check(fb_onchip_max_fft_size(k.dtype().nativeCode(), k.device(), out),
                            "fb_onchip_max_fft_size");
                    case KERNEL_GRAD -> Cuda.check(fb_onchip_kernel_grad_max_fft_size(k.device(), out),
                            "fb_onchip_kernel_grad_max_fft_size");
                    case MONARCH_ONE_LEVEL, MONARCH -> Cuda.check(fb_monarch_max_fft_size(k.dtype().nativeCode(),
                            k.device(), k.kind() == Kind.MONARCH_ONE_LEVEL ? 1 : 2, out), "fb_monarch_max_fft_size");
                    case LEARNED_BACKWARD -> {
                        Cuda.setDevice(k.device());
                        long n = CudaStockhamButterfly.MAX_BACKWARD_FFT_SIZE;
                        while (n >= 4 && fb_learned_backward_scratch_bytes(1, 1, n, fb_learned_levels(n), 1, out) != 0) {
                            n /= 2;
                        }
                        return n >= 4 ? n : 0;
                    }
                }
                return out.get(ValueLayout.JAVA_LONG, 0);
            }
        });
    }
}
