package io.flashbutterfly.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flashbutterfly.tensor.DType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BenchOptionsTest {
    @Test
    void learnedTakesTheOptionsItsRunnerUses() {
        BenchOptions options = BenchOptions.parseLearned(new String[] {"--dtype", "bf16", "--shapes", "2,3,1024",
                "--iterations", "7", "--cpu"});
        assertEquals(List.of(DType.BF16), options.dtypes());
        assertEquals(1024, options.shapes().get(0)[2]);
        assertEquals(7, options.iterations());
        assertTrue(options.forceCpu());
    }

    @ParameterizedTest
    @ValueSource(strings = {"--mode", "--algorithm", "--gates", "--peer", "--json"})
    void learnedRefusesOptionsItsRunnerWouldIgnore(String option) {
        var e = assertThrows(IllegalArgumentException.class,
                () -> BenchOptions.parseLearned(new String[] {option, "x"}));
        assertTrue(e.getMessage().startsWith("--learned does not take " + option), e.getMessage());
    }

    @Test
    void learnedTakesAValueThatLooksLikeAnOption() {
        BenchOptions options = BenchOptions.parseLearned(new String[] {"--markdown", "--results.md"});
        assertEquals("--results.md", options.markdown().toString());
    }

    @Test
    void theTableRunnerRefusesUnknownOptions() {
        var e = assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {"--fast"}));
        assertTrue(e.getMessage().startsWith("unknown option --fast"), e.getMessage());
    }
}
