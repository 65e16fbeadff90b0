package io.flashbutterfly.runtime;

import static io.flashbutterfly.bindings.cufft.Cufft.*;

import java.util.Map;

/** Turns a {@code cufftResult} into a {@link CufftException}. cuFFT has no name function: the names are here. */
public final class CufftStatus {
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(CUFFT_INVALID_PLAN(), "CUFFT_INVALID_PLAN"),
            Map.entry(CUFFT_ALLOC_FAILED(), "CUFFT_ALLOC_FAILED"),
            Map.entry(CUFFT_INVALID_TYPE(), "CUFFT_INVALID_TYPE"),
            Map.entry(CUFFT_INVALID_VALUE(), "CUFFT_INVALID_VALUE"),
            Map.entry(CUFFT_INTERNAL_ERROR(), "CUFFT_INTERNAL_ERROR"),
            Map.entry(CUFFT_EXEC_FAILED(), "CUFFT_EXEC_FAILED"),
            Map.entry(CUFFT_SETUP_FAILED(), "CUFFT_SETUP_FAILED"),
            Map.entry(CUFFT_INVALID_SIZE(), "CUFFT_INVALID_SIZE"),
            Map.entry(CUFFT_UNALIGNED_DATA(), "CUFFT_UNALIGNED_DATA"),
            Map.entry(CUFFT_INVALID_DEVICE(), "CUFFT_INVALID_DEVICE"),
            Map.entry(CUFFT_NO_WORKSPACE(), "CUFFT_NO_WORKSPACE"),
            Map.entry(CUFFT_NOT_IMPLEMENTED(), "CUFFT_NOT_IMPLEMENTED"),
            Map.entry(CUFFT_NOT_SUPPORTED(), "CUFFT_NOT_SUPPORTED"),
            Map.entry(CUFFT_MISSING_DEPENDENCY(), "CUFFT_MISSING_DEPENDENCY"),
            Map.entry(CUFFT_NVRTC_FAILURE(), "CUFFT_NVRTC_FAILURE"),
            Map.entry(CUFFT_NVJITLINK_FAILURE(), "CUFFT_NVJITLINK_FAILURE"),
            Map.entry(CUFFT_NVSHMEM_FAILURE(), "CUFFT_NVSHMEM_FAILURE"));

    private static final Map<String, String> MESSAGES = Map.of(
            "CUFFT_INVALID_SIZE", "transform size not supported",
            "CUFFT_ALLOC_FAILED", "cuFFT could not allocate GPU or host memory",
            "CUFFT_INVALID_PLAN", "invalid plan handle",
            "CUFFT_INVALID_VALUE", "a parameter or pointer is invalid",
            "CUFFT_EXEC_FAILED", "cuFFT failed to execute the transform on the GPU",
            "CUFFT_SETUP_FAILED", "cuFFT failed to initialise");

    private CufftStatus() {}

    /** Throws {@link CufftException} unless status is CUFFT_SUCCESS. */
    public static void check(int status, String function) {
        if (status == CUFFT_SUCCESS()) return;
        String name = name(status);
        throw new CufftException(status, name, function, MESSAGES.getOrDefault(name, "see the cuFFT documentation"));
    }

    /** The symbolic name of a cufftResult, e.g. "CUFFT_INVALID_SIZE". */
    public static String name(int status) {
        return status == CUFFT_SUCCESS() ? "CUFFT_SUCCESS" : NAMES.getOrDefault(status, "CUFFT_UNKNOWN_ERROR");
    }
}
