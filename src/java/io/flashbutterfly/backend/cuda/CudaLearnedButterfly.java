package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.*;

import io.flashbutterfly.backend.ButterflySizes;
import io.flashbutterfly.backend.LearnedButterflyBackend;
import io.flashbutterfly.backend.cuda.CublasHandle.Op;
import io.flashbutterfly.backend.cuda.CublasHandle.Operand;
import io.flashbutterfly.ops.ButterflyFactor;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The learned-butterfly convolution on a GPU, complex fp32 throughout: the matrix products in
 * cuBLAS (on tensor cores with TF32 operands for fp16/bf16 sequences, whose own rounding is
 * coarser; exact fp32 for fp32 ones), the rest in cuda/src/learned_butterfly.cu. Sequences sit in the butterfly layout
 * ({@code fb_butterfly_scatter}), where a channel's block is an (n2, rows * n1) matrix for the
 * factors that multiply from the left and (n2 * rows) rows of n1 values for those from the
 * right, so each product is one cuBLAS call, strided-batched over the channels (a shared factor
 * repeated with stride 0). The backward runs the forward again and keeps its intermediates: eight
 * complex values per FFT point of each row of u (N >= 2L - 1: about 16 per value of u), five per
 * point of each channel for k; shared factors' gradients are formed per channel, then summed.
 */
public final class CudaLearnedButterfly implements LearnedButterflyBackend {
    /** The one instance. */
    public static final CudaLearnedButterfly INSTANCE = new CudaLearnedButterfly();

    private static final long COMPLEX_BYTES = 8;

    private CudaLearnedButterfly() {}

    @Override
    public void forward(Tensor u, Tensor k, Tensor d, List<Tensor> factors, ButterflySizes s, Tensor y,
                        Stream stream) {
        int device = NativeKernels.prepare(u);
        Products p = new Products(device, s, factors, u.dtype() != DType.FP32, stream);
        long n = s.fftSize();
        try (Buffers kb = new Buffers(device, (long) s.channels() * n, 2, stream);
             Buffers ub = new Buffers(device, (long) s.channels() * n * s.batch(), 2, stream);
             CallOperand skip = SkipTerm.of(device, d, stream)) {
            Sequences kx = p.transform(k, 1, s.taps(), kb.get(0), kb.get(1), kb.get(1), kb.get(0)).y();
            Sequences x = p.transform(u, s.batch(), s.length(), ub.get(0), ub.get(1), ub.get(1), ub.get(0)).y();
            p.scale(x, kx.at(), n, false, x);                                          // Z = Yu * Yk
            Sequences b = p.right(x, ButterflyFactor.INVERSE_F1, Op.NONE, ub.get(1)); // B = Z . G1
            p.scale(b, p.factor(ButterflyFactor.INVERSE_TWIDDLE), p.stride(ButterflyFactor.INVERSE_TWIDDLE), false, b);
            Sequences out = p.left(ButterflyFactor.INVERSE_F2, Op.NONE, b, ub.get(0));
            p.load(out, 1f / n, u, skip.pointer(), y, ub.get(1));
        }
    }

    @Override
    public void backward(Tensor dy, Tensor u, Tensor k, Tensor d, List<Tensor> factors, ButterflySizes s, Tensor du,
                         Tensor dk, List<Tensor> dFactors, Stream stream) {
        int device = NativeKernels.prepare(u);
        Products p = new Products(device, s, factors, u.dtype() != DType.FP32, stream);
        long n = s.fftSize();
        try (Buffers kb = new Buffers(device, (long) s.channels() * n, 5, stream);
             Buffers ub = new Buffers(device, (long) s.channels() * n * s.batch(), 8, stream);
             CallOperand skip = SkipTerm.of(device, d, stream);
             FactorGradients g = new FactorGradients(device, s, dFactors, stream)) {
            // The forward again, every intermediate kept.
            Transformed kt = p.transform(k, 1, s.taps(), kb.get(0), kb.get(1), kb.get(2), kb.get(3));
            Transformed ut = p.transform(u, s.batch(), s.length(), ub.get(0), ub.get(1), ub.get(2), ub.get(3));
            Sequences ky = kt.y();
            Sequences yu = ut.y();
            Sequences z = p.scale(yu, ky.at(), n, false, new Sequences(ub.get(4), s.batch()));
            Sequences b = p.right(z, ButterflyFactor.INVERSE_F1, Op.NONE, ub.get(5));
            Sequences bt = p.scale(b, p.factor(ButterflyFactor.INVERSE_TWIDDLE),
                    p.stride(ButterflyFactor.INVERSE_TWIDDLE), false, new Sequences(ub.get(6), s.batch()));

            // The inverse transform and the spectrum product, backwards. Each buffer is reused once
            // what it held is dead (the stream orders the reads before the writes): gBt takes bt's,
            // gZ gOut's, and the transforms' backwards the spectra's (yu's, ky's) as scratch.
            Sequences gOut = p.scatter(dy, s.batch(), s.length(), 1f / n, ub.get(7));
            p.gradientLeft(gOut, bt, false, g.target(ButterflyFactor.INVERSE_F2));
            Sequences gBt = p.left(ButterflyFactor.INVERSE_F2, Op.ADJOINT, gOut, ub.get(6));
            p.correlate(gBt, b, false, g.target(ButterflyFactor.INVERSE_TWIDDLE));
            Sequences gB = p.scale(gBt, p.factor(ButterflyFactor.INVERSE_TWIDDLE),
                    p.stride(ButterflyFactor.INVERSE_TWIDDLE), true, gBt);
            Sequences gZ = p.right(gB, ButterflyFactor.INVERSE_F1, Op.ADJOINT, ub.get(7));
            p.gradientRight(z, gB, false, g.target(ButterflyFactor.INVERSE_F1));
            Sequences gKy = p.correlate(gZ, yu, false, kb.get(4));
            Sequences gYu = p.scale(gZ, ky.at(), n, true, gZ);

            // Both forward transforms, backwards: u's sets the factors' gradients, k's adds to them.
            Sequences gx = p.transformBackward(gYu, ut, false, g, ub.get(3));
            p.load(gx, 1f, dy, skip.pointer(), du, ub.get(3));
            Sequences gkx = p.transformBackward(gKy, kt, true, g, kb.get(3));
            p.load(gkx, 1f, null, MemorySegment.NULL, dk, kb.get(3));
            g.finish();
        }
    }

    /** Complex sequences in the butterfly layout at a device address, rows per channel. */
    private record Sequences(MemorySegment at, int rows) {}

    /** A forward transform's input x, its steps a = F2 . x and at = a * T, and its output y = at . F1. */
    private record Transformed(Sequences x, Sequences a, Sequences at, Sequences y) {}

    /** The products and elementwise steps of one call. */
    private static final class Products {
        private final CublasHandle blas;
        private final ButterflySizes s;
        private final List<Tensor> factors;
        private final boolean tf32;
        private final Stream stream;

        Products(int device, ButterflySizes s, List<Tensor> factors, boolean tf32, Stream stream) {
            this.blas = CublasHandle.of(device);
            this.s = s;
            this.factors = factors;
            this.tf32 = tf32;
            this.stream = stream;
        }

        MemorySegment factor(ButterflyFactor f) { return factors.get(f.ordinal()).data(); }

        /** Complex elements between one group's factor and the next's: 0 when the channels share it. */
        long stride(ButterflyFactor f) {
            return s.groups() == 1 ? 0 : (long) f.rows(s.n1(), s.n2()) * f.cols(s.n1(), s.n2());
        }

        /** Complex elements of one channel's block. */
        private long block(Sequences x) { return (long) s.fftSize() * x.rows(); }

        /**
         * The forward transform Y = ((F2 . X) * T) . F1 of real rows x into y, through a and at; the
         * buffers may alias where the caller needs only y.
         */
        Transformed transform(Tensor x, int rows, int length, MemorySegment xs, MemorySegment a, MemorySegment at,
                              MemorySegment y) {
            Sequences m = scatter(x, rows, length, 1f, xs);
            Sequences am = left(ButterflyFactor.F2, Op.NONE, m, a);
            Sequences atm = twiddle(am, at);
            return new Transformed(m, am, atm, right(atm, ButterflyFactor.F1, Op.NONE, y));
        }

        /**
         * The backward of {@link #transform} t for gY, given t's x, a and at kept apart: returns gX
         * in gY's buffer (out is scratch); the factors' gradients set, or added to when accumulate.
         */
        Sequences transformBackward(Sequences gy, Transformed t, boolean accumulate, FactorGradients g,
                                    MemorySegment out) {
            Sequences x = t.x();
            Sequences a = t.a();
            Sequences at = t.at();
            Sequences gAt = right(gy, ButterflyFactor.F1, Op.ADJOINT, out);
            gradientRight(at, gy, accumulate, g.target(ButterflyFactor.F1));
            correlate(gAt, a, accumulate, g.target(ButterflyFactor.TWIDDLE));
            Sequences gA = scale(gAt, factor(ButterflyFactor.TWIDDLE), stride(ButterflyFactor.TWIDDLE), true, gAt);
            gradientLeft(gA, x, accumulate, g.target(ButterflyFactor.F2));
            return left(ButterflyFactor.F2, Op.ADJOINT, gA, gy.at());
        }

        Sequences scatter(Tensor x, int rows, int length, float scale, MemorySegment out) {
            Cuda.check(fb_butterfly_scatter(x.data(), x.dtype().nativeCode(), rows, s.channels(), length, s.n1(),
                    s.n2(), scale, out, stream.handle()), "fb_butterfly_scatter");
            return new Sequences(out, rows);
        }

        /** out = scale * Re(x) + d * skip (d fp32 or NULL) as rows of out's dtype, through fp32 rows in scratch. */
        void load(Sequences x, float scale, Tensor skip, MemorySegment d, Tensor out, MemorySegment scratch) {
            int length = Math.toIntExact(out.shape().dim(-1));
            long rows = (long) x.rows() * s.channels();
            Cuda.check(fb_butterfly_gather(x.at(), x.rows(), s.channels(), length, s.n1(), s.n2(), scale, scratch,
                    stream.handle()), "fb_butterfly_gather");
            Cuda.check(fb_conv_epilogue(scratch, length, skip == null ? MemorySegment.NULL : skip.data(), d, out.data(),
                    out.dtype().nativeCode(), rows, s.channels(), length, stream.handle()), "fb_conv_epilogue");
        }

        Sequences twiddle(Sequences x, MemorySegment out) {
            return scale(x, factor(ButterflyFactor.TWIDDLE), stride(ButterflyFactor.TWIDDLE), false,
                    new Sequences(out, x.rows()));
        }

        /** out = x * f (conjugated on request), f one (n2, n1) matrix per channel stride apart. */
        Sequences scale(Sequences x, MemorySegment f, long fStride, boolean conjugate, Sequences out) {
            Cuda.check(fb_butterfly_scale(x.at(), f, fStride, x.rows(), s.channels(), s.n1(), s.n2(),
                    conjugate ? 1 : 0, out.at(), stream.handle()), "fb_butterfly_scale");
            return out;
        }

        /** out[h] (+)= sum over rows of a * conj(b), (n2, n1) per channel. */
        Sequences correlate(Sequences a, Sequences b, boolean accumulate, MemorySegment out) {
            Cuda.check(fb_butterfly_correlate(a.at(), b.at(), a.rows(), s.channels(), s.n1(), s.n2(),
                    accumulate ? 1 : 0, out, stream.handle()), "fb_butterfly_correlate");
            return new Sequences(out, 1);
        }

        /** out = op(F) . x per channel: F (n2, n2), x (n2, rows n1). */
        Sequences left(ButterflyFactor f, Op op, Sequences x, MemorySegment out) {
            int cols = x.rows() * s.n1();
            product(s.n2(), cols, s.n2(), new Operand(factor(f), s.n2(), stride(f), op),
                    new Operand(x.at(), cols, block(x), Op.NONE), false, new Operand(out, cols, block(x), Op.NONE));
            return new Sequences(out, x.rows());
        }

        /** out = x . op(F) per channel: x (n2 rows, n1), F (n1, n1). */
        Sequences right(Sequences x, ButterflyFactor f, Op op, MemorySegment out) {
            product(s.n2() * x.rows(), s.n1(), s.n1(), new Operand(x.at(), s.n1(), block(x), Op.NONE),
                    new Operand(factor(f), s.n1(), stride(f), op), false, new Operand(out, s.n1(), block(x), Op.NONE));
            return new Sequences(out, x.rows());
        }

        /** out[h] (+)= p . q^H per channel, the gradient of a left factor: (n2, n2). */
        void gradientLeft(Sequences p, Sequences q, boolean accumulate, MemorySegment out) {
            int cols = p.rows() * s.n1();
            product(s.n2(), s.n2(), cols, new Operand(p.at(), cols, block(p), Op.NONE),
                    new Operand(q.at(), cols, block(q), Op.ADJOINT), accumulate,
                    new Operand(out, s.n2(), (long) s.n2() * s.n2(), Op.NONE));
        }

        /** out[h] (+)= p^H . q per channel, the gradient of a right factor: (n1, n1). */
        void gradientRight(Sequences p, Sequences q, boolean accumulate, MemorySegment out) {
            product(s.n1(), s.n1(), s.n2() * p.rows(), new Operand(p.at(), s.n1(), block(p), Op.ADJOINT),
                    new Operand(q.at(), s.n1(), block(q), Op.NONE), accumulate,
                    new Operand(out, s.n1(), (long) s.n1() * s.n1(), Op.NONE));
        }

        /**
         * c = op(a) . op(b) per channel for row-major (m, k) . (k, n) -> (m, n), leading
         * dimensions the row strides (ops NONE or ADJOINT): cuBLAS's column-major c^T = op(b)^T
         * op(a)^T, where the column-major view of a row-major matrix is its transpose and that of
         * an adjoint is the stored matrix's conjugate, the same op on the other side.
         */
        private void product(int m, int n, int k, Operand a, Operand b, boolean accumulate, Operand c) {
            blas.complexGemm(n, m, k, b, a, accumulate, c, s.channels(), tf32, stream);
        }
    }

    /** Where the factors' gradients go: their tensors, or per-channel scratch summed at the end when shared. */
    private static final class FactorGradients implements AutoCloseable {
        private final ButterflySizes s;
        private final List<Tensor> dFactors;
        private final Stream stream;
        private final List<Scratch> perChannel = new ArrayList<>();

        FactorGradients(int device, ButterflySizes s, List<Tensor> dFactors, Stream stream) {
            this.s = s;
            this.dFactors = dFactors;
            this.stream = stream;
            if (s.groups() == 1 && s.channels() > 1) {
                try {
                    for (ButterflyFactor f : ButterflyFactor.values()) {
                        perChannel.add(Scratch.allocate(device, dFactors.get(f.ordinal()).byteSize() * s.channels(),
                                stream));
                    }
                } catch (RuntimeException e) {
                    close();
                    throw e;
                }
            }
        }

        MemorySegment target(ButterflyFactor f) {
            return perChannel.isEmpty() ? dFactors.get(f.ordinal()).data() : perChannel.get(f.ordinal()).segment();
        }

        /** Sums the per-channel gradients of shared factors into their tensors. */
        void finish() {
            if (perChannel.isEmpty()) return;
            for (ButterflyFactor f : ButterflyFactor.values()) {
                Tensor out = dFactors.get(f.ordinal());
                Cuda.check(fb_channel_sum(target(f), s.channels(), out.numel(), 1, out.data(), stream.handle()),
                        "fb_channel_sum");
            }
        }

        @Override
        public void close() {
            perChannel.forEach(Scratch::close);
        }
    }

    /** count device buffers of the given complex elements each, from stream-ordered scratch. */
    private static final class Buffers implements AutoCloseable {
        private final List<Scratch> buffers = new ArrayList<>();

        Buffers(int device, long elements, int count, Stream stream) {
            try {
                for (int i = 0; i < count; i++) buffers.add(Scratch.allocate(device, elements * COMPLEX_BYTES, stream));
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        MemorySegment get(int i) { return buffers.get(i).segment(); }

        @Override
        public void close() {
            buffers.forEach(Scratch::close);
        }
    }
}
