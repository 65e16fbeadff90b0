package io.flashbutterfly.bench;

/**
 * One timed implementation on one shape.
 *
 * @param implementation "flashbutterfly" (the library's default), a forced path, or a peer
 * @param dtype          u's and y's dtype, as "bf16"
 * @param batch          B
 * @param channels       H
 * @param length         L
 * @param millis         median milliseconds
 * @param floorMillis    the memory floor's milliseconds (NaN on the CPU)
 * @param extraBytes     device memory beyond inputs and outputs (-1 when not measured)
 * @param path           the forward the default chose ("direct", "on-chip", "monarch", "fused", "unfused"), else ""
 */
record Measurement(String implementation, String dtype, long batch, long channels, long length, double millis,
                   double floorMillis, long extraBytes, String path) {
    /** One with no chosen path (forced paths, peers, the CPU). */
    Measurement(String implementation, String dtype, long batch, long channels, long length, double millis,
                double floorMillis, long extraBytes) {
        this(implementation, dtype, batch, channels, length, millis, floorMillis, extraBytes, "");
    }

    /** The shape as "BxHxL", for lookups. */
    String shapeKey() {
        return batch + "x" + channels + "x" + length;
    }
}
