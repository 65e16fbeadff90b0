package io.flashbutterfly.testing;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Fresh seeds for every run, logged so that a failing run can be replayed with -Dflashbutterfly.seed=N. */
public final class Seeds {
    private static final Logger LOG = LogManager.getLogger(Seeds.class);
    private static final long BASE = Long.getLong("flashbutterfly.seed", System.nanoTime());

    static {
        LOG.info("random seed base {} (replay with -Dflashbutterfly.seed={})", BASE, BASE);
    }

    private Seeds() {}

    /** A seed derived from the run's base seed and a label, so each test draws different inputs. */
    public static long fresh(String label) {
        return BASE * 31 + label.hashCode();
    }
}
