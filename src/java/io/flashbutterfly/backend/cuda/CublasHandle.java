package io.flashbutterfly.backend.cuda;

import static io.flashbutterfly.bindings.cublas.Cublas.*;

import io.flashbutterfly.runtime.Cuda;
import io.flashbutterfly.runtime.CublasStatus;
import io.flashbutterfly.runtime.NativeLibraries;
import io.flashbutterfly.runtime.Stream;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A cuBLAS handle bound to one device, with row-major matrix products on tensors. cuBLAS is
 * column-major, so C = A B (row-major) runs as C^T = B^T A^T without moving any data.
 */
public final class CublasHandle implements AutoCloseable {
    private final int device;
    private MemorySegment handle;

    private CublasHandle(int device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /** A new handle on device, in cuBLAS's default (non-TF32) math mode. */
    public static CublasHandle create(int device) {
        NativeLibraries.require(NativeLibraries.CudaLibrary.CUBLAS);
        Cuda.setDevice(device);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CublasStatus.check(cublasCreate_v2(out), "cublasCreate");
            MemorySegment handle = out.get(ValueLayout.ADDRESS, 0);
            CublasStatus.check(cublasSetMathMode(handle, CUBLAS_DEFAULT_MATH()), "cublasSetMathMode");
            return new CublasHandle(device, handle);
        }
    }

    /**
     * c = alpha * a . b + beta * c for row-major a (m, k), b (k, n), c (m, n), or a batch of them
     * as rank-3 tensors (batch, ., .), all of one dtype on this device; fp32 accumulation.
     */
    public synchronized void matmul(Tensor a, Tensor b, Tensor c, float alpha, float beta, Stream stream) {
        if (handle == null) throw new IllegalStateException("cuBLAS handle is closed");
        int rank = a.shape().rank();
        if (rank < 2 || rank > 3 || b.shape().rank() != rank || c.shape().rank() != rank) {
            throw new IllegalArgumentException("matmul needs rank-2 or rank-3 a, b, c of equal rank; got a"
                    + a.shape() + ", b" + b.shape() + ", c" + c.shape());
        }
        long batch = rank == 3 ? a.shape().dim(0) : 1;
        int m = Math.toIntExact(a.shape().dim(-2));
        int k = Math.toIntExact(a.shape().dim(-1));
        int n = Math.toIntExact(b.shape().dim(-1));
        if (b.shape().dim(-2) != k || c.shape().dim(-2) != m || c.shape().dim(-1) != n
                || (rank == 3 && (b.shape().dim(0) != batch || c.shape().dim(0) != batch))) {
            throw new IllegalArgumentException("shapes do not multiply: a" + a.shape() + " . b" + b.shape()
                    + " -> c" + c.shape());
        }
        if (b.dtype() != a.dtype() || c.dtype() != a.dtype()) {
            throw new IllegalArgumentException("a, b and c must share a dtype; got " + a.dtype() + ", "
                    + b.dtype() + ", " + c.dtype());
        }
        for (Tensor t : new Tensor[] {a, b, c}) {
            if (!t.device().isCuda() || t.device().index() != device) {
                throw new IllegalArgumentException("operands must be on cuda:" + device + "; one is on " + t.device());
            }
        }
        int type = cudaType(a.dtype());
        Cuda.setDevice(device);
        CublasStatus.check(cublasSetStream_v2(handle, stream.handle()), "cublasSetStream");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment alphaSeg = arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha);
            MemorySegment betaSeg = arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta);
            int op = CUBLAS_OP_N();
            if (rank == 2) {
                CublasStatus.check(cublasGemmEx(handle, op, op, n, m, k, alphaSeg, b.data(), type, n,
                        a.data(), type, k, betaSeg, c.data(), type, n, CUBLAS_COMPUTE_32F(),
                        CUBLAS_GEMM_DEFAULT()), "cublasGemmEx");
            } else {
                CublasStatus.check(cublasGemmStridedBatchedEx(handle, op, op, n, m, k, alphaSeg,
                        b.data(), type, n, (long) k * n, a.data(), type, k, (long) m * k, betaSeg,
                        c.data(), type, n, (long) m * n, Math.toIntExact(batch), CUBLAS_COMPUTE_32F(),
                        CUBLAS_GEMM_DEFAULT()), "cublasGemmStridedBatchedEx");
            }
        }
    }

    private static int cudaType(DType dtype) {
        return switch (dtype) {
            case FP32 -> CUDA_R_32F();
            case FP16 -> CUDA_R_16F();
            case BF16 -> CUDA_R_16BF();
            case FP64 -> throw new IllegalArgumentException("fp64 tensors are CPU-only");
        };
    }

    @Override
    public synchronized void close() {
        if (handle == null) return;
        Cuda.setDevice(device);
        MemorySegment h = handle;
        handle = null;
        CublasStatus.check(cublasDestroy_v2(h), "cublasDestroy");
    }
}
