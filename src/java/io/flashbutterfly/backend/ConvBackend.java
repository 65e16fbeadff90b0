package io.flashbutterfly.backend;

import io.flashbutterfly.ops.KernelRegularization;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;

/**
 * What a device must provide for the FFT long convolution. Arguments are checked by the caller
 * (shapes, dtypes, one device); tensors are (B, H, L) for sequences, (H, taps) for kernels, (H)
 * for the skip D, and (H, bins, 2) for kernel spectra (complex, already scaled by 1/N).
 */
public interface ConvBackend {
    /** The FFT size this backend uses for a linear convolution needing at least minimum points. */
    long fastFftSize(long minimum);

    /** An uncomputed spectrum of channels kernels in this backend's layout and precision, owned by owner. */
    Tensor emptySpectrum(Arena owner, Device device, long channels, ConvGeometry geometry);

    /**
     * Where this backend keeps the kernel's taps beside its spectrum for a faster forward at this
     * geometry: an uncomputed tensor owned by owner, which {@code updateSpectrum} fills and
     * {@code forward} reads; null (the default) where it keeps none.
     */
    default Tensor emptyTaps(Arena owner, Device device, long channels, ConvGeometry geometry) {
        return null;
    }

    /** Recomputes spectrum (and taps, unless null: see {@link #emptyTaps}) in place from k. */
    void updateSpectrum(Tensor spectrum, Tensor taps, Tensor k, ConvGeometry geometry, Stream stream);

    /**
     * Recomputes spectrum (and taps, unless null) in place from raw fp32 weights shaped like its
     * kernel, regularised by regularization (dropout drawn from seed, as
     * {@link io.flashbutterfly.ops.KernelRegularizer}): on a GPU fused into writing the transform's input.
     */
    void updateSpectrum(Tensor spectrum, Tensor taps, Tensor weights, KernelRegularization regularization, long seed,
                        ConvGeometry geometry, Stream stream);

    /** y = conv(u, k) + d * u, with k given by its spectrum; d may be null. */
    default void forward(Tensor u, Tensor spectrum, ConvGeometry geometry, Tensor d, Tensor y, Stream stream) {
        forward(u, spectrum, geometry, d, null, null, y, stream);
    }

    /**
     * The gated forward y = post * (conv(v, k) + d * v) with v = pre * u (elementwise); d, pre and
     * post may be null (no skip term, no gate). The gates are shaped like u, with its dtype.
     */
    default void forward(Tensor u, Tensor spectrum, ConvGeometry geometry, Tensor d, Tensor pre, Tensor post, Tensor y,
                         Stream stream) {
        forward(u, spectrum, null, geometry, d, pre, post, y, stream);
    }

    /** The gated forward, with the taps kept beside the spectrum ({@link #emptyTaps}; null: none). */
    void forward(Tensor u, Tensor spectrum, Tensor taps, ConvGeometry geometry, Tensor d, Tensor pre, Tensor post,
                 Tensor y, Stream stream);

    /** out = a * b elementwise, for tensors alike (shape, dtype, device); out may be a or b. */
    void multiply(Tensor a, Tensor b, Tensor out, Stream stream);

    /**
     * dd = the sum over batch and time of dy * u * pre * post (gates like u, null: none), each
     * product formed from the inputs (never from rounded intermediates) and summed in float64:
     * the gated forward's dD.
     */
    void skipGradient(Tensor dy, Tensor u, Tensor pre, Tensor post, Tensor dd, Stream stream);

    /**
     * Gradients of sum(dy * y) for the ungated forward: du (like u), dk (like the kernel), dd (like
     * d; null when d is null), with the taps kept beside the spectrum ({@link #emptyTaps}; null:
     * none). {@link GatedBackward} builds the gated forward's on it.
     */
    void backward(Tensor dy, Tensor u, Tensor spectrum, Tensor taps, ConvGeometry geometry, Tensor d,
                  Tensor du, Tensor dk, Tensor dd, Stream stream);
}
