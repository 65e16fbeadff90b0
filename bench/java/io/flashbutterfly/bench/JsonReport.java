package io.flashbutterfly.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The benchmark's results as JSON: written after a run, read back by {@code --plot}. Flat objects only. */
final class JsonReport {
    private static final Pattern OBJECT = Pattern.compile("\\{([^{}]*)}");
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\"\\s*:\\s*(\"[^\"]*\"|null|[-+.\\deE]+)");

    private JsonReport() {}

    static void write(Path file, String backend, List<Measurement> results) throws IOException {
        StringJoiner items = new StringJoiner(",\n    ", "[\n    ", "\n  ]");
        for (Measurement m : results) {
            items.add(String.format(Locale.ROOT, "{\"implementation\": \"%s\", \"dtype\": \"%s\", \"B\": %d, \"H\": %d, "
                    + "\"L\": %d, \"ms\": %s, \"floor_ms\": %s, \"extra_bytes\": %d}", m.implementation(), m.dtype(),
                    m.batch(), m.channels(), m.length(), number(m.millis()), number(m.floorMillis()), m.extraBytes()));
        }
        Files.writeString(file, "{\n  \"backend\": \"" + backend.replace("\"", "'") + "\",\n  \"results\": " + items + "\n}\n");
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    static List<Measurement> read(Path file) throws IOException {
        String text = Files.readString(file);
        int start = text.indexOf("\"results\"");
        List<Measurement> results = new ArrayList<>();
        Matcher object = OBJECT.matcher(start < 0 ? "" : text.substring(start));
        while (object.find()) {
            java.util.Map<String, String> f = new java.util.HashMap<>();
            Matcher field = FIELD.matcher(object.group(1));
            while (field.find()) f.put(field.group(1), field.group(2).replace("\"", ""));
            results.add(new Measurement(f.get("implementation"), f.get("dtype"), Long.parseLong(f.get("B")),
                    Long.parseLong(f.get("H")), Long.parseLong(f.get("L")), parse(f.get("ms")), parse(f.get("floor_ms")),
                    Long.parseLong(f.getOrDefault("extra_bytes", "-1"))));
        }
        return results;
    }

    private static double parse(String v) {
        return v == null || v.equals("null") ? Double.NaN : Double.parseDouble(v);
    }
}
