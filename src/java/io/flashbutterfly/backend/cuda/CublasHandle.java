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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A cuBLAS handle bound to one device, with row-major matrix products on tensors. cuBLAS is
 * column-major, so C = A B (row-major) runs as C^T = B^T A^T without moving any data.
 */
public final class CublasHandle implements AutoCloseable {
    private static final Map<Integer, CublasHandle> SHARED = new ConcurrentHashMap<>();

    private final int device;
    private MemorySegment handle;

    private CublasHandle(int device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /** The library's handle on device, made on first use and kept for the JVM's life. */
    static CublasHandle of(int device) {
        return SHARED.computeIfAbsent(device, CublasHandle::create);
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
    public void matmul(Tensor a, Tensor b, Tensor c, float alpha, float beta, Stream stream) {
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
        gemm(n, m, k, alpha, new Operand(b.data(), n, (long) k * n, Op.NONE), new Operand(a.data(), k, (long) m * k, Op.NONE),
                beta, new Operand(c.data(), n, (long) m * n, Op.NONE), Math.toIntExact(batch), a.dtype(), stream);
    }

    /** What a product does to an operand first. */
    enum Op { NONE, TRANSPOSE, ADJOINT }

    /**
     * A batch of column-major matrices in device memory, the i-th at data plus i * stride
     * elements (stride 0 repeats one matrix), taken by the product through op.
     *
     * @param data             the first matrix
     * @param leadingDimension elements between a column's start and the next's
     * @param stride           elements between one matrix's start and the next's
     * @param op               what the product takes: the matrix, its transpose or its adjoint
     */
    record Operand(MemorySegment data, int leadingDimension, long stride, Op op) {}

    /**
     * cuBLAS's own strided-batched product, column-major: c_i = alpha op(a_i) op(b_i) + beta c_i
     * for i below batch, op(a_i) (m, k), op(b_i) (k, n), c_i (m, n), all of dtype, fp32
     * accumulation. Raw device memory on this handle's device; no checks.
     */
    void gemm(int m, int n, int k, float alpha, Operand a, Operand b, float beta, Operand c, int batch,
              DType dtype, Stream stream) {
        try (Arena arena = Arena.ofConfined()) {
            gemm(m, n, k, arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha), a, b,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, beta), c, batch, cudaType(dtype), CUBLAS_COMPUTE_32F(),
                    stream);
        }
    }

    /**
     * The same for complex fp32 matrices (interleaved re, im; strides and leading dimensions
     * in complex elements): c_i = op(a_i) op(b_i), or c_i += op(a_i) op(b_i) when accumulate;
     * with tf32 the products round their operands to TF32 on tensor cores (fp32 sums).
     */
    void complexGemm(int m, int n, int k, Operand a, Operand b, boolean accumulate, Operand c, int batch,
                     boolean tf32, Stream stream) {
        try (Arena arena = Arena.ofConfined()) {
            gemm(m, n, k, arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1f, 0f), a, b,
                    arena.allocateFrom(ValueLayout.JAVA_FLOAT, accumulate ? 1f : 0f, 0f), c, batch, CUDA_C_32F(),
                    tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32() : CUBLAS_COMPUTE_32F(), stream);
        }
    }

    private synchronized void gemm(int m, int n, int k, MemorySegment alpha, Operand a, Operand b, MemorySegment beta,
                                   Operand c, int batch, int type, int computeType, Stream stream) {
        if (handle == null) throw new IllegalStateException("cuBLAS handle is closed");
        Cuda.setDevice(device);
        CublasStatus.check(cublasSetStream_v2(handle, stream.handle()), "cublasSetStream");
        CublasStatus.check(cublasGemmStridedBatchedEx(handle, op(a), op(b), m, n, k, alpha,
                a.data(), type, a.leadingDimension(), a.stride(), b.data(), type, b.leadingDimension(), b.stride(),
                beta, c.data(), type, c.leadingDimension(), c.stride(), batch, computeType,
                CUBLAS_GEMM_DEFAULT()), "cublasGemmStridedBatchedEx");
    }

    private static int op(Operand operand) {
        return switch (operand.op()) {
            case NONE -> CUBLAS_OP_N();
            case TRANSPOSE -> CUBLAS_OP_T();
            case ADJOINT -> CUBLAS_OP_C();
        };
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
