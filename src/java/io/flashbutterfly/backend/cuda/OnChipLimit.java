package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_learned_max_fft_size;
import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_monarch_max_fft_size;
import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_onchip_kernel_grad_max_fft_size;
import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_onchip_max_fft_size;
import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_smem_per_block;

import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.NativeLibraries;
import io.flashbutterfly.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The largest FFT sizes the on-chip kernels, the Monarch forward around them and the learned form
 * take per device and dtype: they depend on the shared memory per block the native library sizes
 * for ({@link #sharedMemoryPerBlock}), and are asked once per kind, device and dtype
 * (fb_onchip_max_fft_size, fb_onchip_kernel_grad_max_fft_size, fb_monarch_max_fft_size,
 * fb_learned_max_fft_size). The convolution's block holds half as many complex values: one real
 * row of that size, or two inner rows of the Monarch forward.
 */
public final class OnChipLimit {
    private enum Kind { ON_CHIP, KERNEL_GRAD, MONARCH_ONE_LEVEL, MONARCH, LEARNED, LEARNED_BACKWARD }

    /** dtype null for dk's kernel and the learned form, the same for every dtype they take. */
    private record Key(Kind kind, int device, DType dtype) {}

    private static final ConcurrentMap<Key, Long> LIMITS = new ConcurrentHashMap<>();

    private OnChipLimit() {}

    /**
     * The shared memory per block, in bytes, that the native library's size choices follow on a
     * device: the device's opt-in limit, or the environment variable FLASHBUTTERFLY_SMEM_PER_BLOCK
     * where that holds a smaller positive byte count (so that a larger GPU makes a smaller one's
     * choices).
     */
    public static int sharedMemoryPerBlock(int device) {
        NativeLibraries.requireFlashButterfly();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_INT);
            Cuda.check(fb_smem_per_block(device, bytes), "fb_smem_per_block");
            return bytes.get(ValueLayout.JAVA_INT, 0);
        }
    }

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
     * The largest FFT size of the learned convolution on device, bf16 and fp16 alike: of its forward
     * (fb_learned_spectrum, fb_onchip_conv_learned), and of its backward too where withBackward.
     */
    static long learnedMaxFftSize(int device, boolean withBackward) {
        return limit(new Key(withBackward ? Kind.LEARNED_BACKWARD : Kind.LEARNED, device, null));
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
                    case LEARNED, LEARNED_BACKWARD -> Cuda.check(fb_learned_max_fft_size(k.device(),
                            k.kind() == Kind.LEARNED_BACKWARD ? 1 : 0, out), "fb_learned_max_fft_size");
                }
                return out.get(ValueLayout.JAVA_LONG, 0);
            }
        });
    }
}
