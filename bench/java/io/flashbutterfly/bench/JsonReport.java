package io.flashbutterfly.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/** The benchmark's results as JSON: written after a run, read back by {@code --plot}. */
final class JsonReport {
    private JsonReport() {}

    /** gated: whether the run was the gated convolution (--gates), recorded beside the backend. */
    static void write(Path file, String backend, boolean gated, List<Measurement> results) throws IOException {
        StringJoiner items = new StringJoiner(",\n    ", "[\n    ", "\n  ]");
        for (Measurement m : results) {
            items.add(String.format(Locale.ROOT, "{\"implementation\": %s, \"dtype\": %s, \"B\": %d, \"H\": %d, "
                    + "\"L\": %d, \"ms\": %s, \"floor_ms\": %s, \"extra_bytes\": %d%s}", Json.quote(m.implementation()),
                    Json.quote(m.dtype()), m.batch(), m.channels(), m.length(), number(m.millis()),
                    number(m.floorMillis()), m.extraBytes(), m.path().isEmpty() ? "" : ", \"path\": " + Json.quote(m.path())));
        }
        Files.writeString(file, "{\n  \"backend\": " + Json.quote(backend) + ",\n  \"gated\": " + gated
                + ",\n  \"results\": " + items + "\n}\n");
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    /** The measurements of a file {@link #write} wrote (read with {@link Json}, the bench's one parser). */
    static List<Measurement> read(Path file) throws IOException {
        Map<String, Object> root = Json.object(Json.parse(Files.readString(file)), file.toString());
        List<Measurement> results = new ArrayList<>();
        for (Object item : Json.list(root.get("results"), file + ": results")) {
            Map<String, Object> f = Json.object(item, file + ": a result");
            results.add(new Measurement(Json.toText(f.get("implementation"), "implementation"),
                    Json.toText(f.get("dtype"), "dtype"), Json.toLong(f.get("B"), -1, "B"),
                    Json.toLong(f.get("H"), -1, "H"), Json.toLong(f.get("L"), -1, "L"),
                    Json.toDouble(f.get("ms"), "ms"), Json.toDouble(f.get("floor_ms"), "floor_ms"),
                    Json.toLong(f.get("extra_bytes"), -1, "extra_bytes"),
                    f.get("path") == null ? "" : Json.toText(f.get("path"), "path")));
        }
        return results;
    }
}
