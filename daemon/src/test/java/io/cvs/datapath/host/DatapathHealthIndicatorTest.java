package io.cvs.datapath.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathMode;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Forwarder;
import io.cvs.datapath.MapIds;
import io.cvs.datapath.ModuleStatus;
import io.cvs.datapath.SocketLbProgram;
import io.cvs.datapath.SocketLbStatus;
import io.cvs.datapath.SocketLbStatus.ProgramLink;
import io.cvs.datapath.StubDatapath;
import io.cvs.datapath.Usage;
import io.cvs.ownership.JournalMismatch;
import io.cvs.ownership.MapOwnership;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class DatapathHealthIndicatorTest {

    private static final Usage USAGE = new Usage(new Capacity(4, 16, 4, 16), 0, 0);
    private static final SocketLbStatus ALL_ATTACHED = new SocketLbStatus(7, Arrays.stream(SocketLbProgram.values())
            .map(p -> new ProgramLink(p, 1, 2)).toList());

    private final StubDatapath datapath = new StubDatapath();
    private final MapOwnership ownership = new MapOwnership();
    private final DatapathHealthIndicator indicator = new DatapathHealthIndicator(datapath, provider(ownership));

    private static ObjectProvider<MapOwnership> provider(MapOwnership ownership) {
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("mapOwnership", ownership);
        return beans.getBeanProvider(MapOwnership.class);
    }

    @Test
    void aJournalMismatchIsADetailThatSaysWhatToDo() {
        datapath.reports(new DatapathStatus(DatapathMode.BPF, Optional.empty(), ALL_ATTACHED, USAGE));
        ownership.report(new JournalMismatch(JournalMismatch.Kind.JOURNAL_BEHIND, "ab".repeat(16), 9,
                "ab".repeat(16), 5, Instant.now()));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails().get("journalMismatch")).asString().contains("up to record 9")
                .contains("only up to 5").contains("prune=true");
    }

    @Test
    void bpfWithEveryProgramAttachedIsUpAndForwarding() {
        datapath.reports(new DatapathStatus(DatapathMode.BPF, Optional.empty(), ALL_ATTACHED, USAGE));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("mode", "bpf").containsEntry("forwarding", true)
                .containsEntry("socketLbPrograms", 8);
    }

    @Test
    void bpfWithCvsKoChosenButNotLoadedIsDownAndSaysWhatIsActive() {
        datapath.reports(new DatapathStatus(DatapathMode.BPF, Optional.empty(),
                Set.of(Forwarder.SOCKET_LB, Forwarder.MODULE), ALL_ATTACHED, ModuleStatus.NOT_LOADED,
                new MapIds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), USAGE));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("forwarding", false)
                .containsEntry("chosen", List.of("socket-lb", "module"))
                .containsEntry("active", List.of("socket-lb"));
    }

    @Test
    void bpfWithProgramsMissingIsDown() {
        datapath.reports(new DatapathStatus(DatapathMode.BPF, Optional.empty(), new SocketLbStatus(0, List.of()),
                USAGE));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("forwarding", false).containsEntry("socketLbPrograms", 0);
    }

    @Test
    void aMemoryFallbackIsUpNotForwardingAndSaysWhy() {
        datapath.reports(new DatapathStatus(DatapathMode.MEMORY, Optional.of("no kernel BTF"),
                new SocketLbStatus(0, List.of()), USAGE));

        Health health = indicator.health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("mode", "memory").containsEntry("forwarding", false)
                .containsEntry("reason", "no kernel BTF");
    }

    @Test
    void unreadableMapsAreDown() {
        datapath.fails(new DatapathException(DatapathException.Reason.FAILED, "cvs_sock_status failed: EIO"));

        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
    }
}
