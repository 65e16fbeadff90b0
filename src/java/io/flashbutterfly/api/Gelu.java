package io.flashbutterfly.api;

import io.flashbutterfly.backend.GeluBackend;
import io.flashbutterfly.backend.cpu.CpuGelu;
import io.flashbutterfly.backend.cuda.CudaGelu;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;

/**
 * GELU in its tanh approximation (PyTorch's {@code approximate="tanh"}), elementwise over a
 * tensor of any shape: gelu(x) = 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))). fp32 tensors;
 * fp32 arithmetic on a GPU, float64 on the CPU.
 */
public final class Gelu {
    private Gelu() {}

    /** gelu(x) as a new tensor owned by x's arena. */
    public static Tensor forward(Tensor x) {
        Checks.requireFp32("x", x); // before anything is allocated
        return Outputs.written(x, x.shape(), x.dtype(), y -> forward(x, y, Stream.DEFAULT));
    }

    /** Writes gelu(x) into y (like x), ordered on stream; nothing synchronises. */
    public static void forward(Tensor x, Tensor y, Stream stream) {
        Checks.requireFp32("x", x);
        Checks.requireLike("y", y, x);
        backend(x).forward(x, y, stream);
    }

    /** dx = dy * gelu'(x), the gradient for output gradient dy (like x), owned by x's arena. */
    public static Tensor backward(Tensor dy, Tensor x) {
        Checks.requireFp32("x", x);
        Checks.requireLike("dy", dy, x); // before anything is allocated
        Tensor dx = Tensor.empty(x.owner(), x.device(), x.dtype(), x.shape());
        try {
            backward(dy, x, dx, Stream.DEFAULT);
        } catch (RuntimeException e) {
            dx.close();
            throw e;
        }
        return dx;
    }

    /** Writes dy * gelu'(x) into dx (like x), ordered on stream. */
    public static void backward(Tensor dy, Tensor x, Tensor dx, Stream stream) {
        Checks.requireFp32("x", x);
        Checks.requireLike("dy", dy, x);
        Checks.requireLike("dx", dx, x);
        backend(x).backward(dy, x, dx, stream);
    }

    private static GeluBackend backend(Tensor x) {
        return x.device().isCuda() ? CudaGelu.INSTANCE : CpuGelu.INSTANCE;
    }
}
