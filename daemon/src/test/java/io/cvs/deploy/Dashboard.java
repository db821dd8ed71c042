package io.cvs.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** deploy/grafana/dashboards/cvs.json, parsed, and the metric names its queries and variables read. */
record Dashboard(JsonNode json) {

    static final String FILE = "deploy/grafana/dashboards/cvs.json";
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,");

    static Dashboard ofRepository() {
        return new Dashboard(JsonMapper.builder().build().readTree(Repo.read(FILE)));
    }

    /** Panels that show data: every panel but rows. */
    List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        json.path("panels").forEach(panel -> {
            if (!panel.path("type").asString().equals("row")) {
                panels.add(panel);
            }
        });
        return panels;
    }

    List<String> expressions() {
        List<String> expressions = new ArrayList<>();
        panels().forEach(panel -> panel.path("targets").forEach(target -> expressions.add(target.path("expr")
                .asString())));
        return expressions;
    }

    Set<String> metricNames() {
        Set<String> names = new TreeSet<>();
        expressions().forEach(expression -> names.addAll(PromQl.metricNames(expression)));
        json.path("templating").path("list").forEach(variable -> {
            Matcher metric = LABEL_VALUES.matcher(variable.path("definition").asString());
            if (metric.find()) {
                names.add(metric.group(1));
            }
        });
        return names;
    }
}
