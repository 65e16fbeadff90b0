package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_learned_backward_scratch_bytes;
import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_learned_levels;
import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_learned_max_fft_size;
import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.fb_smem_per_block;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.CudaException;
import io.flashbutterfly.runtime.NativeLibraries;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.testing.GpuTest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The limits the native library reports, as the path choice uses them, and what they follow. */
@GpuTest
class OnChipLimitGpuTest {
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FP32", "FP16", "BF16"})
    void monarchTakesUpTo512InnerRowsOfAQuarterOfTheOnChipLimit(DType dtype) {
        long onChip = OnChipLimit.maxFftSize(0, dtype);
        long inner = onChip / 4;  // complex values of one inner row
        long oneLevel = OnChipLimit.monarchMaxFftSize(0, dtype, true);
        long twoLevels = OnChipLimit.monarchMaxFftSize(0, dtype, false);
        assertEquals(2 * 16 * inner, oneLevel, "one outer level of up to 16 rows");
        assertEquals(2 * 512 * inner, twoLevels, "two outer levels of up to 16 x 32 rows");

        assertFalse(CudaLongConv.monarchFits(circular(onChip), dtype, 0), "on chip, not Monarch");
        assertTrue(CudaLongConv.monarchFits(circular(2 * onChip), dtype, 0));
        assertTrue(CudaLongConv.monarchFits(circular(twoLevels), dtype, 0));
        assertFalse(CudaLongConv.monarchFits(circular(2 * twoLevels), dtype, 0));
    }

    /**
     * The sizes of the shared memory per block of known GPUs: the device's own, or a smaller
     * FLASHBUTTERFLY_SMEM_PER_BLOCK (a decimal byte count) with which this GPU makes another's choices.
     */
    @Test
    void sizesFollowTheSharedMemoryPerBlock() {
        int limit = OnChipLimit.sharedMemoryPerBlock(0);
        int own = Cuda.deviceInfo(0).sharedMemoryPerBlockOptin();
        String cap = System.getenv("FLASHBUTTERFLY_SMEM_PER_BLOCK");  // read here only to check the library's reading
        if (cap == null) {
            assertEquals(own, limit, "the device's own");
        } else if (cap.matches("[1-9][0-9]{0,8}")) {
            assertEquals(Math.min(own, Integer.parseInt(cap)), limit, "FLASHBUTTERFLY_SMEM_PER_BLOCK=" + cap);
        }
        // FFT sizes: on chip for bf16 and fp16, for fp32, dk's kernel, the learned forward, the learned backward
        long[] expected = switch (limit) {
            case 232448 -> new long[] {65536, 32768, 16384, 65536, 32768};  // sm_90: H100, H200
            case 166912 -> new long[] {65536, 32768, 8192, 65536, 16384};  // A100
            case 101376 -> new long[] {32768, 16384, 4096, 32768, 8192};  // sm_86, sm_89
            default -> null;
        };
        assumeTrue(expected != null, "no sizes on record for " + limit + " bytes of shared memory per block");
        assertEquals(expected[0], OnChipLimit.maxFftSize(0, DType.BF16), "bf16");
        assertEquals(expected[0], OnChipLimit.maxFftSize(0, DType.FP16), "fp16");
        assertEquals(expected[1], OnChipLimit.maxFftSize(0, DType.FP32), "fp32");
        assertEquals(expected[2], OnChipLimit.kernelGradMaxFftSize(0), "dk's kernel");
        assertEquals(expected[3], OnChipLimit.learnedMaxFftSize(0, false), "the learned forward");
        assertEquals(expected[4], CudaStockhamButterfly.maxFftSize(0), "the learned backward");
    }

    /** The null checks come first, so no CUDA call fails; an absent device is reported through Cuda.check. */
    @Test
    void limitQueriesRefuseANullResultAndAnAbsentDevice() {
        NativeLibraries.requireFlashButterfly();
        assertEquals("cudaErrorInvalidValue", Cuda.errorName(fb_smem_per_block(0, MemorySegment.NULL)));
        assertEquals("cudaErrorInvalidValue", Cuda.errorName(fb_learned_max_fft_size(0, 1, MemorySegment.NULL)));
        int absent = Cuda.deviceCount();
        CudaException smem = assertThrows(CudaException.class, () -> OnChipLimit.sharedMemoryPerBlock(absent));
        assertEquals("cudaErrorInvalidDevice", smem.codeName());
        CudaException learned = assertThrows(CudaException.class, () -> CudaStockhamButterfly.maxFftSize(absent));
        assertEquals("cudaErrorInvalidDevice", learned.codeName());
    }

    /** The learned limit is what the backward's own check takes: the limit, and not twice it. */
    @Test
    void learnedLimitIsWhatTheBackwardTakes() {
        long max = CudaStockhamButterfly.maxFftSize(0);
        assumeTrue(max > 0, "no learned size fits this device");
        Cuda.setDevice(0);  // the scratch query answers for the current device
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = arena.allocate(ValueLayout.JAVA_LONG);
            assertEquals("cudaSuccess", Cuda.errorName(
                    fb_learned_backward_scratch_bytes(1, 1, max, fb_learned_levels(max), 1, bytes)), "N=" + max);
            assertEquals("cudaErrorInvalidValue", Cuda.errorName(
                    fb_learned_backward_scratch_bytes(1, 1, 2 * max, fb_learned_levels(2 * max), 1, bytes)), "N=" + 2 * max);
        }
    }

    /** A circular convolution whose FFT size is its length. */
    private static ConvGeometry circular(long n) {
        return new ConvGeometry(n, n, 0, n);
    }
}
