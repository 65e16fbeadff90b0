package io.flashbutterfly.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Element types. Arithmetic is fp32 on the GPU whatever the storage type; FP64 is CPU-only. */
public enum DType {
    /** IEEE single precision. */
    FP32(4, 0, "fp32"),
    /** IEEE half precision. */
    FP16(2, 1, "fp16"),
    /** bfloat16: fp32's exponent, 8 bits of mantissa. */
    BF16(2, 2, "bf16"),
    /** Host only: the precision of the CPU reference. */
    FP64(8, -1, "fp64");

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private final int byteSize;
    private final int nativeCode;
    private final String label;

    DType(int byteSize, int nativeCode, String label) {
        this.byteSize = byteSize;
        this.nativeCode = nativeCode;
        this.label = label;
    }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }

    /** True for the types GPU tensors may hold. */
    public boolean onGpu() { return nativeCode >= 0; }

    /**
     * The {@code fb_dtype} code of cuda/include/flashbutterfly.h.
     *
     * @throws IllegalArgumentException for FP64, which has none
     */
    public int nativeCode() {
        if (nativeCode < 0) throw new IllegalArgumentException(label + " has no GPU kernels; use fp32, fp16 or bf16");
        return nativeCode;
    }

    /** Reads element index of a host segment holding this type, as a double (exact). */
    public double read(MemorySegment host, long index) {
        long offset = index * byteSize;
        return switch (this) {
            case FP32 -> host.get(F32, offset);
            case FP16 -> Float.float16ToFloat(host.get(I16, offset));
            case BF16 -> Bfloat16.toFloat(host.get(I16, offset));
            case FP64 -> host.get(F64, offset);
        };
    }

    /** Writes value, rounded to this type (through fp32 for the 16-bit types), at element index. */
    public void write(MemorySegment host, long index, double value) {
        long offset = index * byteSize;
        switch (this) {
            case FP32 -> host.set(F32, offset, (float) value);
            case FP16 -> host.set(I16, offset, Float.floatToFloat16((float) value));
            case BF16 -> host.set(I16, offset, Bfloat16.fromFloat((float) value));
            case FP64 -> host.set(F64, offset, value);
        }
    }

    @Override
    public String toString() { return label; }
}
