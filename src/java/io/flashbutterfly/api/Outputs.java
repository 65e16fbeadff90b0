package io.flashbutterfly.api;

import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import java.util.List;
import java.util.function.Consumer;

/** The operations' outputs: made for a call, or given by the caller and checked. */
final class Outputs {
    private Outputs() {}

    /** A new tensor owned by like's arena on its device, recorded in made (closed if the call fails). */
    static Tensor empty(List<Tensor> made, Tensor like, Shape shape, DType dtype) {
        Tensor t = Tensor.empty(like.owner(), like.device(), dtype, shape);
        made.add(t);
        return t;
    }

    /**
     * A new tensor owned by like's arena on its device, written by write; closed if write fails
     * (the allocating forms of the operations).
     */
    static Tensor written(Tensor like, Shape shape, DType dtype, Consumer<Tensor> write) {
        Tensor t = Tensor.empty(like.owner(), like.device(), dtype, shape);
        try {
            write.accept(t);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** The gradient is given exactly when its input is, and then shaped like it. */
    static void requireGivenWith(String name, Tensor gradient, String inputName, Tensor input) {
        if ((input == null) != (gradient == null)) {
            throw new IllegalArgumentException(name + " must be given exactly when " + inputName + " is");
        }
        if (input != null) Checks.requireLike(name, gradient, input);
    }
}
