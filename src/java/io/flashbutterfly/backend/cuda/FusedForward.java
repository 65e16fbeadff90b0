package io.flashbutterfly.backend.cuda;

import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.bindings.fbnative.fb_fft_conv_params;
import io.flashbutterfly.runtime.NativeLibraries;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;

/**
 * The forward convolution as two cuFFT transforms with LTO callbacks
 * (cuda/callbacks/) and nothing else: the R2C reads u itself (cast and
 * zero-padded on load) and multiplies by the kernel's spectrum as it stores; the C2R truncates,
 * adds D*u and casts as it stores y. One spectrum-sized buffer in between.
 */
final class FusedForward {
    private static Map<DType, CufftPlan.Callbacks[]> callbacks;

    private FusedForward() {}

    /**
     * Whether cuFFT's callback kernels handle this shape; elsewhere they fail, so the separate
     * kernels run instead. Seen on the GPU: past 2^31 values they store out of bounds (32-bit
     * indexing); with a prime factor past 7 (Bluestein's algorithm) they store past the output
     * (compute-sanitizer); at N = 116640 = 2^5 3^6 5 the kernel hit an illegal instruction. Powers
     * of two, where the fused forward pays off (L = 1M), are the sizes tested throughout.
     */
    static boolean fits(long rows, ConvGeometry g) {
        long n = g.fftSize();
        return rows * 2 * g.bins() < (1L << 31) && Long.bitCount(n) == 1; // the spectra's floats
    }

    /** The R2C's and C2R's callbacks for sequences of dtype. */
    private static synchronized CufftPlan.Callbacks[] callbacks(DType dtype) {
        if (callbacks == null) {
            MemorySegment loads = NativeLibraries.nativeResource("fft_conv_loads.fatbin");
            MemorySegment stores = NativeLibraries.nativeResource("fft_conv_stores.fatbin");
            long paramsBytes = fb_fft_conv_params.sizeof();
            Map<DType, CufftPlan.Callbacks[]> made = new EnumMap<>(DType.class);
            for (DType t : new DType[] {DType.FP32, DType.FP16, DType.BF16}) {
                made.put(t, new CufftPlan.Callbacks[] {
                    new CufftPlan.Callbacks("fb_cb_load_u_" + t, loads, "fb_cb_store_times_kernel", stores, paramsBytes),
                    new CufftPlan.Callbacks(null, null, "fb_cb_store_y_" + t, stores, paramsBytes)});
            }
            callbacks = made;
        }
        return callbacks.get(dtype);
    }

    /** The ungated forward of input (laid out like u, of its dtype: u's data, or pre * u) into y. */
    static void run(int device, Tensor u, MemorySegment input, Tensor spectrum, ConvGeometry g, CallOperand skip, Tensor y,
                    Stream stream) {
        long channels = u.shape().dim(1);
        long rows = u.shape().dim(0) * channels;
        CufftPlan.Callbacks[] pair = callbacks(u.dtype());
        try (Scratch spectra = Scratch.allocate(device, rows * g.bins() * 8, stream);
             Arena arena = Arena.ofConfined()) {
            MemorySegment params = fb_fft_conv_params.allocate(arena);
            fb_fft_conv_params.spectrum(params, spectrum.data());
            fb_fft_conv_params.d(params, skip.pointer());
            fb_fft_conv_params.u(params, input);
            fb_fft_conv_params.length(params, g.length());
            fb_fft_conv_params.fft_size(params, g.fftSize());
            fb_fft_conv_params.bins(params, g.bins());
            fb_fft_conv_params.channels(params, channels);
            fb_fft_conv_params.inverse_fft_size(params, 1.0 / g.fftSize());
            fb_fft_conv_params.inverse_bins(params, 1.0 / g.bins());
            CufftPlanCache cache = CufftPlanCache.shared();
            // Real rows are virtual: the callbacks map offsets row * N + t onto u's and y's rows of L.
            cache.execute(device, CufftPlan.Type.R2C, g.fftSize(), rows, pair[0], params,
                    input, spectra.segment(), true, stream);
            cache.execute(device, CufftPlan.Type.C2R, g.fftSize(), rows, pair[1], params,
                    spectra.segment(), y.data(), false, stream);
        }
    }
}
