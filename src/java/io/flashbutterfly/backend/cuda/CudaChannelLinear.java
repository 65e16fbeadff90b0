package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.*;

import io.flashbutterfly.backend.ChannelLinearBackend;
import io.flashbutterfly.backend.LinearSizes;
import io.flashbutterfly.backend.cuda.CublasHandle.Op;
import io.flashbutterfly.backend.cuda.CublasHandle.Operand;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;

/**
 * The channel-mixing linear layer on the GPU, fp32: each product is one strided-batched cuBLAS
 * call over the batch with w repeated (stride 0), in cuBLAS's column-major terms, where a
 * row-major (rows, L) slice of a (B, C, L) tensor is an (L, rows) matrix. The bias add and the
 * sums of the gradients are our kernels (cuda/src/channel_linear.cu), on the library's cuBLAS
 * handle of the device ({@link CublasHandle#of}).
 */
public final class CudaChannelLinear implements ChannelLinearBackend {
    /** The one instance. */
    public static final CudaChannelLinear INSTANCE = new CudaChannelLinear();

    private CudaChannelLinear() {}

    @Override
    public void forward(Tensor x, Tensor w, Tensor bias, Tensor y, Stream stream) {
        int device = NativeKernels.prepare(x);
        LinearSizes n = LinearSizes.of(x, w);
        // y_b^T (L, O) = x_b^T (L, I) . w^T (I, O)
        CublasHandle.of(device).gemm(n.length(), n.out(), n.in(), 1f, rows(x, n.in(), n), new Operand(w.data(), n.in(), 0, Op.NONE),
                0f, rows(y, n.out(), n), n.batch(), DType.FP32, stream);
        if (bias != null) {
            Cuda.check(fb_add_channel_bias(y.data(), bias.data(), n.batch(), n.out(), n.length(), stream.handle()),
                    "fb_add_channel_bias");
        }
    }

    @Override
    public void backward(Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor dbias, Stream stream) {
        int device = NativeKernels.prepare(x);
        LinearSizes n = LinearSizes.of(x, w);
        CublasHandle blas = CublasHandle.of(device);
        // dx_b^T (L, I) = dy_b^T (L, O) . w (O, I)
        blas.gemm(n.length(), n.in(), n.out(), 1f, rows(dy, n.out(), n), new Operand(w.data(), n.in(), 0, Op.TRANSPOSE), 0f,
                rows(dx, n.in(), n), n.batch(), DType.FP32, stream);
        // dw^T (I, O) = sum_b x_b (I, L) . dy_b^T (L, O): one product per b into scratch, then the batch sum.
        long matrix = (long) n.out() * n.in();
        if (matrix > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("w has " + matrix + " elements; the GPU's weight gradient takes fewer"
                    + " than 2^31");
        }
        try (Scratch perBatch = Scratch.allocate(device, n.batch() * matrix * Float.BYTES, stream)) {
            blas.gemm(n.in(), n.out(), n.length(), 1f,
                    new Operand(x.data(), n.length(), (long) n.in() * n.length(), Op.TRANSPOSE), rows(dy, n.out(), n), 0f,
                    new Operand(perBatch.segment(), n.in(), matrix, Op.NONE), n.batch(), DType.FP32, stream);
            Cuda.check(fb_channel_sum(perBatch.segment(), n.batch(), matrix, 1, dw.data(), stream.handle()),
                    "fb_channel_sum");
        }
        if (dbias != null) {
            Cuda.check(fb_channel_sum(dy.data(), n.batch(), n.out(), n.length(), dbias.data(), stream.handle()),
                    "fb_channel_sum");
        }
    }

    /** The (channels, L) slices of t (B, channels, L) as cuBLAS sees them: (L, channels), one per b. */
    private static Operand rows(Tensor t, int channels, LinearSizes n) {
        return new Operand(t.data(), n.length(), (long) channels * n.length(), Op.NONE);
    }
}
