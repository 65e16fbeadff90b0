package io.flashbutterfly.tensor;

/**
 * bfloat16 conversions on the host: the top 16 bits of an IEEE float, rounded to nearest even.
 * fp16 needs no helper: {@link Float#floatToFloat16} and {@link Float#float16ToFloat} do it.
 */
public final class Bfloat16 {
    private Bfloat16() {}

    /** The bf16 bits nearest to v (ties to even); NaN stays a quiet NaN, overflow gives infinity. */
    public static short fromFloat(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x0040);
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** The float that bf16 bits stand for (exact). */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
