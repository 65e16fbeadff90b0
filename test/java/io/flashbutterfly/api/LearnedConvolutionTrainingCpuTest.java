package io.flashbutterfly.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.ops.Adam;
import io.flashbutterfly.tensor.DType;
import io.flashbutterfly.tensor.Device;
import io.flashbutterfly.tensor.Shape;
import io.flashbutterfly.tensor.Tensor;
import io.flashbutterfly.testing.Seeds;
import java.lang.foreign.Arena;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A training loop written against {@link LearnedConvolution} alone trains either learned form:
 * Adam on the parameters alone, from the DFT, fits the outputs of a teacher whose matrices are
 * the DFT plus noise (u, k and d fixed), on the CPU: the loss falls a hundredfold in 60 steps
 * (about 2000-fold when this was written).
 */
class LearnedConvolutionTrainingCpuTest {
    private static final int BATCH = 2, CHANNELS = 2, LENGTH = 16, STEPS = 60;

    /** Each form at FFT size 32, made by (arena, noise). */
    static Stream<Arguments> forms() {
        BiFunction<Arena, Double, LearnedConvolution> stockham =
                (arena, noise) -> StockhamButterflyConv.create(arena, Device.CPU, 32, 1, noise, 7);
        BiFunction<Arena, Double, LearnedConvolution> twoLevel =
                (arena, noise) -> LearnedButterflyConv.create(arena, Device.CPU, 4, 8, 1, noise, 7);
        return Stream.of(Arguments.of("StockhamButterflyConv", stockham),
                Arguments.of("LearnedButterflyConv", twoLevel));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forms")
    void adamOnTheParametersFitsATeacher(String form, BiFunction<Arena, Double, LearnedConvolution> make) {
        try (Arena arena = Arena.ofConfined()) {
            Shape shape = Shape.of(BATCH, CHANNELS, LENGTH);
            Tensor u = Tensor.randn(arena, Device.CPU, DType.FP64, shape, Seeds.fresh("u " + form));
            Tensor k = Tensor.randn(arena, Device.CPU, DType.FP64, Shape.of(CHANNELS, LENGTH),
                    Seeds.fresh("k " + form));
            Tensor d = Tensor.randn(arena, Device.CPU, DType.FP64, Shape.of(CHANNELS), Seeds.fresh("d " + form));
            double[] target = make.apply(arena, 0.1).forward(u, k, d).toDoubleArray();
            LearnedConvolution student = make.apply(arena, 0.0);
            Adam adam = new Adam(1e-2);
            double first = Double.NaN, last = Double.NaN;
            for (int step = 0; step < STEPS; step++) {
                double[] y = student.forward(u, k, d).toDoubleArray();
                double[] residual = new double[y.length];
                double loss = 0;
                for (int i = 0; i < y.length; i++) {
                    residual[i] = y[i] - target[i];
                    loss += 0.5 * residual[i] * residual[i];
                }
                if (step == 0) first = loss;
                last = loss;
                Tensor dy = Tensor.of(arena, Device.CPU, DType.FP64, shape, residual);
                LearnedGradients g = student.backward(dy, u, k, d);
                for (int i = 0; i < student.parameters().size(); i++) {
                    adam.step(student.parameters().get(i), g.dFactors().get(i));
                }
            }
            assertTrue(first > 0, form + ": the teacher differs from the DFT");
            assertTrue(last < 0.01 * first, form + ": loss " + first + " -> " + last + " in " + STEPS + " steps");
        }
    }
}
