package io.flashbutterfly.api;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.util.Objects;

/** Argument checks shared by the operations, with messages that name the argument at fault. */
final class Checks {
    private Checks() {}

    /** t has like's shape, dtype and device. */
    static void requireLike(String name, Tensor t, Tensor like) {
        requireMatches(name, t, like.shape(), like.dtype(), like.device());
    }

    static void requireMatches(String name, Tensor t, Shape shape, DType dtype, Device device) {
        Objects.requireNonNull(t, name + " must not be null");
        if (!t.shape().equals(shape) || t.dtype() != dtype || !t.device().equals(device)) {
            throw new IllegalArgumentException(name + " must be " + shape + " " + dtype + " on " + device + ", got "
                    + t.shape() + " " + t.dtype() + " " + t.device());
        }
    }

    /** t is a non-null fp32 tensor (what the layers other than the convolution take). */
    static void requireFp32(String name, Tensor t) {
        Objects.requireNonNull(t, name + " must not be null");
        if (t.dtype() != DType.FP32) {
            throw new IllegalArgumentException(name + " must be fp32, got " + t.dtype());
        }
    }

    /** t lives on the device of the input x. */
    static void requireOn(String name, Tensor t, Tensor x) {
        requireOn(name, t, x.device(), "x is");
    }

    /** t lives on device, where what (e.g. "the factors are") lives. */
    static void requireOn(String name, Tensor t, Device device, String what) {
        if (!t.device().equals(device)) {
            throw new IllegalArgumentException(name + " is on " + t.device() + " but " + what + " on " + device);
        }
    }

    /** t is not closed. */
    static void requireOpen(String name, Tensor t) {
        if (t.isClosed()) throw new IllegalStateException(name + " is closed");
    }
}
