package io.flashbutterfly.testing;

import io.flashbutterfly.runtime.Cuda;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Enables {@link GpuTest}s only where CUDA works, and says why not otherwise: in each skipped
 * test's report, and once in the build's log.
 */
public final class GpuCondition implements ExecutionCondition {
    private static final Logger LOG = LogManager.getLogger(GpuCondition.class);
    private static final AtomicBoolean TOLD = new AtomicBoolean();

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = Cuda.unavailableReason();
        if (reason == null) return ConditionEvaluationResult.enabled("a CUDA GPU is present");
        String firstLine = reason.lines().findFirst().orElse(reason);
        if (TOLD.compareAndSet(false, true)) LOG.warn("GPU tests (tag gpu) are skipped: no usable CUDA GPU: {}", firstLine);
        return ConditionEvaluationResult.disabled("skipped, no usable CUDA GPU: " + firstLine);
    }
}
