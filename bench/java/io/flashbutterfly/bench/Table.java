package io.flashbutterfly.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/** A plain-text table printed with aligned columns. */
final class Table {
    private final String[] header;
    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        this.header = header;
    }

    void add(Object... cells) {
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) row[i] = String.valueOf(cells[i]);
        rows.add(row);
    }

    void print(String title) {
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) width[i] = header[i].length();
        for (String[] row : rows) for (int i = 0; i < row.length; i++) width[i] = Math.max(width[i], row[i].length());
        System.out.println();
        System.out.println(title);
        printRow(header, width);
        StringBuilder rule = new StringBuilder();
        for (int w : width) rule.append("-".repeat(w)).append("  ");
        System.out.println(rule.toString().stripTrailing());
        for (String[] row : rows) printRow(row, width);
    }

    /** Appends the table to file in markdown under a "### title" heading and a line "today, context". */
    void appendMarkdown(Path file, String title, String context) throws IOException {
        Files.writeString(file, "\n### " + title + "\n\n" + LocalDate.now() + ", " + context + "\n\n" + markdown(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** The table in markdown. */
    String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("| ").append(String.join(" | ", header)).append(" |\n");
        out.append("|").append(" ---: |".repeat(header.length)).append("\n");
        for (String[] row : rows) out.append("| ").append(String.join(" | ", row)).append(" |\n");
        return out.toString();
    }

    private static void printRow(String[] cells, int[] width) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) line.append(String.format("%" + width[i] + "s  ", cells[i]));
        System.out.println(line.toString().stripTrailing());
    }
}
