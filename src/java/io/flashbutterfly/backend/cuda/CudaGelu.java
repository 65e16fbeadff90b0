package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.*;

import io.flashbutterfly.backend.GeluBackend;
import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.Tensor;

/** GELU (tanh approximation) on the GPU: one elementwise kernel each way (cuda/src/activation.cu). */
public final class CudaGelu implements GeluBackend {
    /** The one instance (the backend holds no state). */
    public static final CudaGelu INSTANCE = new CudaGelu();

    private CudaGelu() {}

    @Override
    public void forward(Tensor x, Tensor y, Stream stream) {
        NativeKernels.prepare(x);
        Cuda.check(fb_gelu_forward(x.data(), y.data(), x.numel(), stream.handle()), "fb_gelu_forward");
    }

    @Override
    public void backward(Tensor dy, Tensor x, Tensor dx, Stream stream) {
        NativeKernels.prepare(x);
        Cuda.check(fb_gelu_backward(dy.data(), x.data(), dx.data(), x.numel(), stream.handle()), "fb_gelu_backward");
    }
}
