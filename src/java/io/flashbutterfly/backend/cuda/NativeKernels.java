package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.fbnative.FlashButterflyNative.*;

import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.NativeLibraries;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/** Java entry points to the kernels of cuda/ (libflashbutterfly), with argument checks. */
public final class NativeKernels {
    private NativeKernels() {}

    /**
     * dst[r, c] = scale * src[r, c] for c below both last dimensions, 0 beyond src's: cast, zero-pad
     * or truncate the rows of src into dst. Both on one GPU with the same number of rows
     * (elements / last dimension); any dtypes.
     */
    public static void castPad(Tensor src, Tensor dst, float scale, Stream stream) {
        long srcCols = src.shape().dim(-1);
        long dstCols = dst.shape().dim(-1);
        long rows = src.numel() / srcCols;
        if (dst.numel() / dstCols != rows) {
            throw new IllegalArgumentException("src " + src.shape() + " and dst " + dst.shape()
                    + " must have the same number of rows");
        }
        sameGpu(src, dst);
        prepare(src);
        castPad(src.data(), src.dtype(), srcCols, dst.data(), dst.dtype(), dstCols, rows, scale, stream);
    }

    /** The same on raw device memory (rows of srcCols, resp. dstCols, elements); no checks. */
    static void castPad(MemorySegment src, DType srcType, long srcCols, MemorySegment dst, DType dstType, long dstCols,
                        long rows, float scale, Stream stream) {
        Cuda.check(fb_cast_pad(src, srcType.nativeCode(), srcCols, dst, dstType.nativeCode(), dstCols, rows, scale,
                stream.handle()), "fb_cast_pad");
    }

    /** out = a * b elementwise over count elements of dtype, raw device memory (out may be a or b); no checks. */
    static void multiply(MemorySegment a, MemorySegment b, MemorySegment out, DType dtype, long count, Stream stream) {
        Cuda.check(fb_multiply(a, b, out, dtype.nativeCode(), count, stream.handle()), "fb_multiply");
    }

    /** Sets every element of dst (a GPU tensor) to value; NaN poisons it. */
    public static void fill(Tensor dst, float value, Stream stream) {
        sameGpu(dst, dst);
        prepare(dst);
        Cuda.check(fb_fill(dst.data(), dst.dtype().nativeCode(), dst.numel(), value, stream.handle()), "fb_fill");
    }

    /** Loads libflashbutterfly and makes t's GPU the current device; returns its index. */
    static int prepare(Tensor t) {
        NativeLibraries.requireFlashButterfly();
        int device = t.device().index();
        Cuda.setDevice(device);
        return device;
    }

    private static void sameGpu(Tensor a, Tensor b) {
        if (!a.device().isCuda() || !a.device().equals(b.device())) {
            throw new IllegalArgumentException("tensors must be on one GPU; got " + a.device() + " and " + b.device());
        }
    }
}
