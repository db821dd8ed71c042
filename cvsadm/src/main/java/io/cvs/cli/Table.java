package io.cvs.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Columns aligned for people: each as wide as its widest cell, two spaces apart, the last one not padded. Columns
 * named in {@link #alignRight} (numbers) are right-aligned. Rows may have fewer cells than the header.
 */
final class Table {

    private final List<String[]> rows = new ArrayList<>();
    private boolean[] rightAligned = new boolean[0];

    /** A table with this header row; none for a list of label and value. */
    Table(String... header) {
        if (header.length > 0) {
            rows.add(header);
        }
    }

    Table alignRight(int... columns) {
        for (int column : columns) {
            if (column >= rightAligned.length) {
                rightAligned = java.util.Arrays.copyOf(rightAligned, column + 1);
            }
            rightAligned[column] = true;
        }
        return this;
    }

    Table row(String... cells) {
        rows.add(cells);
        return this;
    }

    void print(PrintWriter out) {
        int columns = rows.stream().mapToInt(row -> row.length).max().orElse(0);
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], cell(row, i).length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                String cell = cell(row, i);
                String padding = " ".repeat(widths[i] - cell.length());
                boolean right = i < rightAligned.length && rightAligned[i];
                line.append(right ? padding + cell : cell + (i == row.length - 1 ? "" : padding));
                if (i < row.length - 1) {
                    line.append("  ");
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    private static String cell(String[] row, int i) {
        return row[i] == null ? "" : row[i];
    }
}
