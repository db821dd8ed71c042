package io.cvs.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), so tests assert on families, types,
 * labels and values instead of grepping: {@code # HELP} and {@code # TYPE} lines open a family; each sample must
 * belong to the family opened last (its name, or its name with the type's suffix: {@code _total} for counters,
 * {@code _bucket}, {@code _sum} and {@code _count} for histograms); label values are unescaped; a malformed line,
 * a sample outside its family or a series given twice fails the parse.
 */
public final class PrometheusText {

    /** One series' value: its sample name (with suffix), its labels and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    /** One metric family: its name as the TYPE line gives it, its type, its help text and its samples. */
    public record Family(String name, String type, String help, List<Sample> samples) {

        /** The distinct label name sets of its samples (a histogram's {@code le} included). */
        public Set<Set<String>> labelNames() {
            Set<Set<String>> names = new HashSet<>();
            samples.forEach(s -> names.add(s.labels().keySet()));
            return names;
        }

        /** The sample with exactly these labels (name, value pairs) and the family's own name + suffix. */
        public double value(String suffix, String... labels) {
            Map<String, String> wanted = new TreeMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                wanted.put(labels[i], labels[i + 1]);
            }
            return samples.stream().filter(s -> s.name().equals(name + suffix) && s.labels().equals(wanted))
                    .mapToDouble(Sample::value).findFirst()
                    .orElseThrow(() -> new AssertionError("no sample " + name + suffix + wanted + " in " + samples));
        }
    }

    private static final Map<String, List<String>> SUFFIXES = Map.of(
            "counter", List.of("_total", "_created"),
            "gauge", List.of(""),
            "histogram", List.of("_bucket", "_sum", "_count", "_created"),
            "summary", List.of("", "_sum", "_count", "_created"),
            "untyped", List.of(""));

    private PrometheusText() {
    }

    /** The families by name, in the order of the text. */
    public static Map<String, Family> parse(String text) {
        Map<String, Family> families = new LinkedHashMap<>();
        Map<String, String> help = new LinkedHashMap<>();
        Set<String> series = new HashSet<>();
        Family current = null;
        int number = 0;
        for (String line : text.split("\n", -1)) {
            number++;
            if (line.isEmpty()) {
                continue;
            }
            try {
                if (line.startsWith("# HELP ")) {
                    String[] parts = line.substring(7).split(" ", 2);
                    help.put(parts[0], parts.length > 1 ? unescapeHelp(parts[1]) : "");
                } else if (line.startsWith("# TYPE ")) {
                    String[] parts = line.substring(7).split(" ");
                    if (parts.length != 2 || !SUFFIXES.containsKey(parts[1])) {
                        throw new IllegalArgumentException("bad TYPE line");
                    }
                    if (families.containsKey(parts[0])) {
                        throw new IllegalArgumentException("family " + parts[0] + " declared twice");
                    }
                    current = new Family(parts[0], parts[1], help.getOrDefault(parts[0], ""), new ArrayList<>());
                    families.put(parts[0], current);
                } else if (line.startsWith("#")) {
                    continue;
                } else {
                    Sample sample = sample(line);
                    if (current == null || !belongs(sample.name(), current)) {
                        throw new IllegalArgumentException("sample outside its family");
                    }
                    if (!series.add(sample.name() + sample.labels())) {
                        throw new IllegalArgumentException("series given twice");
                    }
                    current.samples().add(sample);
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + number + ": " + e.getMessage() + ": " + line, e);
            }
        }
        families.replaceAll((name, f) -> new Family(f.name(), f.type(), f.help(),
                Collections.unmodifiableList(f.samples())));
        return Collections.unmodifiableMap(families);
    }

    private static boolean belongs(String sampleName, Family family) {
        String base = family.type().equals("counter") && family.name().endsWith("_total")
                ? family.name().substring(0, family.name().length() - 6) : family.name();
        return SUFFIXES.get(family.type()).stream().anyMatch(suffix -> sampleName.equals(base + suffix))
                || sampleName.equals(family.name());
    }

    /** {@code name{a="x",b="y"} value [timestamp]} */
    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_'
                || line.charAt(i) == ':')) {
            i++;
        }
        String name = line.substring(0, i);
        if (name.isEmpty() || Character.isDigit(name.charAt(0))) {
            throw new IllegalArgumentException("bad metric name");
        }
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("bad label " + label);
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        value.append(switch (next) {
                            case 'n' -> '\n';
                            case '\\' -> '\\';
                            case '"' -> '"';
                            default -> throw new IllegalArgumentException("bad escape \\" + next);
                        });
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw new IllegalArgumentException("label " + label + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        if (rest.length < 1 || rest.length > 2 || !line.substring(i).startsWith(" ")) {
            throw new IllegalArgumentException("bad value");
        }
        return new Sample(name, labels, value(rest[0]));
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    private static String unescapeHelp(String text) {
        return text.replace("\\n", "\n").replace("\\\\", "\\");
    }
}
