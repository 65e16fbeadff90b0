package io.flashbutterfly.api;

import io.flashbutterfly.backend.ChannelLinearBackend;
import io.flashbutterfly.backend.cpu.CpuChannelLinear;
import io.flashbutterfly.backend.cuda.CudaChannelLinear;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * The channel-mixing linear layer y[b, o, t] = sum_i w[o, i] x[b, i, t] + bias[o]: one matrix w
 * (O, I) applied at every position of x (B, I, L), giving y (B, O, L). fp32 tensors on one
 * device: cuBLAS in fp32 on a GPU (no TF32), float64 arithmetic on the CPU.
 *
 * <pre>{@code
 * Tensor w = Tensor.randn(arena, device, DType.FP32, Shape.of(64, 1), 1);
 * Tensor bias = Tensor.zeros(arena, device, DType.FP32, Shape.of(64));
 * Tensor y = ChannelLinear.forward(x, w, bias);              // x (B, 1, L) -> y (B, 64, L)
 * LinearGradients g = ChannelLinear.backward(dy, x, w, bias); // dx, dw, dbias
 * }</pre>
 */
public final class ChannelLinear {
    private ChannelLinear() {}

    /** y = w x + bias (bias may be null), as a new tensor owned by x's arena. */
    public static Tensor forward(Tensor x, Tensor w, Tensor bias) {
        checkCall(x, w, bias); // before anything is allocated
        return Outputs.written(x, outputShape(x, w), DType.FP32, y -> forward(x, w, bias, y, Stream.DEFAULT));
    }

    /** Writes w x + bias into y (B, O, L), ordered on stream; nothing synchronises. */
    public static void forward(Tensor x, Tensor w, Tensor bias, Tensor y, Stream stream) {
        checkCall(x, w, bias);
        Checks.requireMatches("y", y, outputShape(x, w), DType.FP32, x.device());
        backend(x).forward(x, w, bias, y, stream);
    }

    /**
     * Gradients dx, dw, dbias of sum(dy * y) for output gradient dy (B, O, L), owned by x's arena;
     * bias is the forward's (only whether it is null matters: dbias is null without one).
     */
    public static LinearGradients backward(Tensor dy, Tensor x, Tensor w, Tensor bias) {
        checkCall(x, w, bias); // before anything is allocated
        Checks.requireMatches("dy", dy, outputShape(x, w), DType.FP32, x.device());
        Arena owner = x.owner();
        Tensor dx = Tensor.empty(owner, x.device(), DType.FP32, x.shape());
        Tensor dw = Tensor.empty(owner, x.device(), DType.FP32, w.shape());
        Tensor dbias = bias == null ? null : Tensor.empty(owner, x.device(), DType.FP32, bias.shape());
        LinearGradients gradients = new LinearGradients(dx, dw, dbias);
        try {
            backward(dy, x, w, bias, gradients, Stream.DEFAULT);
        } catch (RuntimeException e) {
            dx.close();
            dw.close();
            if (dbias != null) dbias.close();
            throw e;
        }
        return gradients;
    }

    /** Writes the gradients into out (shaped like x, w and bias), ordered on stream. */
    public static void backward(Tensor dy, Tensor x, Tensor w, Tensor bias, LinearGradients out, Stream stream) {
        checkCall(x, w, bias);
        Checks.requireMatches("dy", dy, outputShape(x, w), DType.FP32, x.device());
        Objects.requireNonNull(out, "out must not be null");
        Checks.requireLike("out.dx", out.dx(), x);
        Checks.requireLike("out.dw", out.dw(), w);
        if ((bias == null) != (out.dbias() == null)) {
            throw new IllegalArgumentException("out.dbias must be given exactly when bias is");
        }
        if (bias != null) Checks.requireLike("out.dbias", out.dbias(), bias);
        backend(x).backward(dy, x, w, out.dx(), out.dw(), out.dbias(), stream);
    }

    private static ChannelLinearBackend backend(Tensor x) {
        return x.device().isCuda() ? CudaChannelLinear.INSTANCE : CpuChannelLinear.INSTANCE;
    }

    private static Shape outputShape(Tensor x, Tensor w) {
        return Shape.of(x.shape().dim(0), w.shape().dim(0), x.shape().dim(2));
    }

    private static void checkCall(Tensor x, Tensor w, Tensor bias) {
        Checks.requireFp32("x", x);
        Checks.requireFp32("w", w);
        if (x.shape().rank() != 3) throw new IllegalArgumentException("x must be (B, I, L), got " + x.shape());
        long in = x.shape().dim(1);
        if (w.shape().rank() != 2 || w.shape().dim(1) != in) {
            throw new IllegalArgumentException("w must be (O, I=" + in + "), got " + w.shape());
        }
        Checks.requireOn("w", w, x);
        if (bias != null) {
            Checks.requireFp32("bias", bias);
            if (bias.shape().rank() != 1 || bias.shape().dim(0) != w.shape().dim(0)) {
                throw new IllegalArgumentException("bias must be (O=" + w.shape().dim(0) + "), got " + bias.shape());
            }
            Checks.requireOn("bias", bias, x);
        }
    }
}
