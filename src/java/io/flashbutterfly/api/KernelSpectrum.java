package io.flashbutterfly.api;

import io.flashbutterfly.backend.ConvBackend;
import io.flashbutterfly.backend.ConvGeometry;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.util.Objects;

/**
 * A kernel's spectrum, computed once and reused by every forward and backward call over
 * sequences of one length, for any batch. After the kernel's weights change (a training step),
 * call {@link #update(Tensor)} to recompute it in place. Made by {@link LongConv#spectrum} (owned
 * by the kernel's arena unless another is given), or by {@link LongConvKernel#spectrum} from raw
 * weights and their regularisation: recompute that kind with
 * {@link LongConvKernel#updateSpectrum}, since {@link #update(Tensor)} applies no regularisation.
 * Closed with its arena, or earlier with {@link #close()}.
 */
public final class KernelSpectrum implements AutoCloseable {
    private final Mode mode;
    private final ConvGeometry geometry;
    private final ConvBackend backend;
    private final Shape kernelShape;
    private final DType kernelDtype;
    private final Tensor data;
    private final Tensor taps;

    KernelSpectrum(Mode mode, ConvGeometry geometry, ConvBackend backend, Tensor k, Tensor data, Tensor taps) {
        this.mode = mode;
        this.geometry = geometry;
        this.backend = backend;
        this.kernelShape = k.shape();
        this.kernelDtype = k.dtype();
        this.data = data;
        this.taps = taps;
    }

    /** Recomputes the spectrum from k, which must have the original kernel's shape, dtype and device. */
    public void update(Tensor k) {
        update(k, Stream.DEFAULT);
    }

    /** {@link #update(Tensor)} ordered on stream. */
    public void update(Tensor k, Stream stream) {
        Objects.requireNonNull(k, "k must not be null");
        if (!k.shape().equals(kernelShape) || k.dtype() != kernelDtype || !k.device().equals(data.device())) {
            throw new IllegalArgumentException("k must match the spectrum's kernel: " + kernelShape + " "
                    + kernelDtype + " " + data.device() + ", got " + k.shape() + " " + k.dtype() + " " + k.device());
        }
        backend.updateSpectrum(data, taps, k, geometry, stream);
    }

    /** The convolution mode the spectrum was made for. */
    public Mode mode() { return mode; }

    /** The sequence length L this spectrum serves. */
    public long length() { return geometry.length(); }

    /** The FFT size N. */
    public long fftSize() { return geometry.fftSize(); }

    /** Channels H. */
    public long channels() { return kernelShape.dim(0); }

    /** The kernel's shape (H, Lk). */
    public Shape kernelShape() { return kernelShape; }

    /** The kernel's dtype (gradients for it come in this dtype). */
    public DType kernelDtype() { return kernelDtype; }

    /** The spectrum: (H, N/2 + 1, 2) complex values scaled by 1/N (fp32 on a GPU, fp64 on the CPU). */
    public Tensor data() { return data; }

    /**
     * The kernel's taps as the backend keeps them beside the spectrum for its direct forward, or
     * null where it keeps none: on a GPU under {@code AUTO} the transform's input rows, (H, N) fp32
     * scaled by 1/N, for sequences of up to 2048 samples with no wrap-around and no anti-causal taps
     * (kept for any dtype, used for fp16 and bf16).
     */
    public Tensor taps() { return taps; }

    ConvGeometry geometry() { return geometry; }

    ConvBackend backend() { return backend; }

    @Override
    public void close() {
        data.close();
        if (taps != null) taps.close();
    }

    @Override
    public String toString() {
        return "KernelSpectrum[" + mode + ", L=" + geometry.length() + ", N=" + geometry.fftSize() + ", kernel "
                + kernelShape + " " + kernelDtype + ", " + data.device() + "]";
    }
}
