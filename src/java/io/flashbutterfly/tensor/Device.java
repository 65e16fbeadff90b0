package io.flashbutterfly.tensor;

import io.flashbutterfly.runtime.Cuda;

/**
 * Where a tensor lives: the host ({@link #CPU}) or a CUDA device ({@link #cuda(int)}).
 *
 * @param type  CPU or CUDA
 * @param index the CUDA ordinal; 0 for the CPU
 */
public record Device(Type type, int index) {
    /** The kind of device: the host or a CUDA GPU. */
    public enum Type { CPU, CUDA }

    /** The host. */
    public static final Device CPU = new Device(Type.CPU, 0);

    /** Checks the index (>= 0; 0 for the CPU). */
    public Device {
        if (type == null) throw new IllegalArgumentException("type must not be null");
        if (index < 0) throw new IllegalArgumentException("device index must be >= 0, got " + index);
        if (type == Type.CPU && index != 0) throw new IllegalArgumentException("the CPU has index 0 only");
    }

    /** CUDA device number index. Checked against the devices present when first used. */
    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    /** The first CUDA device if CUDA is usable here, else the CPU. */
    public static Device best() {
        return Cuda.isAvailable() ? cuda(0) : CPU;
    }

    /** True for a CUDA device. */
    public boolean isCuda() { return type == Type.CUDA; }

    @Override
    public String toString() { return isCuda() ? "cuda:" + index : "cpu"; }
}
