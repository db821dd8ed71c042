package io.cvs.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The parser behind the metrics tests reads what it must and refuses what is malformed, so their checks hold. */
class PrometheusTextTest {

    private static final String TEXT = """
            # HELP cvs_backend_connections_total New connections
            # TYPE cvs_backend_connections_total counter
            cvs_backend_connections_total{backend="10.0.0.1:8080",service="web",vip="192.0.2.10:80/TCP"} 12.0
            cvs_backend_connections_total{backend="10.0.0.2:8080",service="a \\"b\\" \\\\ c",vip="x"} 3
            # HELP cvs_map_entries Entries
            # TYPE cvs_map_entries gauge
            cvs_map_entries{map="services"} 2.0
            # TYPE cvs_journal_batch_size histogram
            cvs_journal_batch_size_bucket{le="1.0"} 4
            cvs_journal_batch_size_bucket{le="+Inf"} 5
            cvs_journal_batch_size_count 5
            cvs_journal_batch_size_sum 9.0
            """;

    @Test
    void familiesComeWithTheirTypeHelpLabelsAndValues() {
        Map<String, PrometheusText.Family> families = PrometheusText.parse(TEXT);

        assertThat(families).containsOnlyKeys("cvs_backend_connections_total", "cvs_map_entries",
                "cvs_journal_batch_size");
        PrometheusText.Family connections = families.get("cvs_backend_connections_total");
        assertThat(connections.type()).isEqualTo("counter");
        assertThat(connections.help()).isEqualTo("New connections");
        assertThat(connections.labelNames()).containsExactly(Set.of("backend", "service", "vip"));
        assertThat(connections.value("", "backend", "10.0.0.1:8080", "service", "web", "vip", "192.0.2.10:80/TCP"))
                .isEqualTo(12.0);
        assertThat(connections.samples().get(1).labels().get("service")).isEqualTo("a \"b\" \\ c");
        assertThat(families.get("cvs_journal_batch_size").value("_bucket", "le", "+Inf")).isEqualTo(5);
        assertThat(families.get("cvs_map_entries").value("", "map", "services")).isEqualTo(2);
    }

    @Test
    void aSampleOfAnotherFamilyThanTheOneDeclaredLastIsRefused() {
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE a gauge\nb 1\n"))
                .hasMessageContaining("sample outside its family");
    }

    @Test
    void aSeriesGivenTwiceIsRefused() {
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n"))
                .hasMessageContaining("twice");
    }

    @Test
    void malformedLinesAreRefused() {
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE a gauge\na{x=1} 1\n")).hasMessageContaining("line 2");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE a gauge\na one\n")).hasMessageContaining("line 2");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE a meter\n")).hasMessageContaining("bad TYPE");
    }
}
