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
 * (cuda/callbacks/fft_conv_callbacks.cu) and nothing else: the R2C reads u itself (cast and
 * zero-padded on load) and multiplies by the kernel's spectrum as it stores; the C2R truncates,
 * adds D*u and casts as it stores y. One spectrum-sized buffer in between.
 */
final class FusedForward {
    private static final String FATBIN = "fft_conv_callbacks.fatbin";
    private static Map<DType, CufftPlan.Callbacks[]> callbacks;

    private FusedForward() {}

    /** The R2C's and C2R's callbacks for sequences of dtype. */
    private static synchronized CufftPlan.Callbacks[] callbacks(DType dtype) {
        if (callbacks == null) {
            MemorySegment fatbin = NativeLibraries.nativeResource(FATBIN);
            long paramsBytes = fb_fft_conv_params.sizeof();
            callbacks = new EnumMap<>(DType.class);
            for (DType t : new DType[] {DType.FP32, DType.FP16, DType.BF16}) {
                callbacks.put(t, new CufftPlan.Callbacks[] {
                    new CufftPlan.Callbacks(fatbin, "fb_cb_load_u_" + t, "fb_cb_store_times_kernel", paramsBytes),
                    new CufftPlan.Callbacks(fatbin, null, "fb_cb_store_y_" + t, paramsBytes)});
            }
        }
        return callbacks.get(dtype);
    }

    static void run(int device, Tensor u, Tensor spectrum, ConvGeometry g, Scratch skip, Tensor y, Stream stream) {
        long channels = u.shape().dim(1);
        long rows = u.shape().dim(0) * channels;
        CufftPlan.Callbacks[] pair = callbacks(u.dtype());
        try (Scratch spectra = Scratch.allocate(device, rows * g.bins() * 8, stream);
             Arena arena = Arena.ofConfined()) {
            MemorySegment params = fb_fft_conv_params.allocate(arena);
            fb_fft_conv_params.spectrum(params, spectrum.data());
            fb_fft_conv_params.d(params, skip == null ? MemorySegment.NULL : skip.segment());
            fb_fft_conv_params.u(params, u.data());
            fb_fft_conv_params.length(params, g.length());
            fb_fft_conv_params.fft_size(params, g.fftSize());
            fb_fft_conv_params.bins(params, g.bins());
            fb_fft_conv_params.channels(params, channels);
            CufftPlanCache cache = CufftPlanCache.shared();
            // Real rows are virtual: the callbacks map offsets row * N + t onto u's and y's rows of L.
            cache.execute(device, CufftPlan.Type.R2C, g.fftSize(), rows, g.fftSize(), pair[0], params,
                    u.data(), spectra.segment(), true, stream);
            cache.execute(device, CufftPlan.Type.C2R, g.fftSize(), rows, g.fftSize(), pair[1], params,
                    spectra.segment(), y.data(), false, stream);
        }
    }
}
