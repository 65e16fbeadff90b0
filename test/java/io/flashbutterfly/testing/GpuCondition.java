package io.flashbutterfly.testing;

import io.flashbutterfly.runtime.Cuda;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Enables {@link GpuTest}s only where CUDA works, and says why not otherwise. */
public final class GpuCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = Cuda.unavailableReason();
        if (reason == null) return ConditionEvaluationResult.enabled("a CUDA GPU is present");
        String firstLine = reason.lines().findFirst().orElse(reason);
        return ConditionEvaluationResult.disabled("skipped, no usable CUDA GPU: " + firstLine);
    }
}
