package io.cvs.cli;

import io.cvs.cli.Api.Backend;
import io.cvs.cli.Api.BackendStats;
import io.cvs.cli.Api.Service;
import io.cvs.cli.Api.ServiceStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * cvs's services in ipvsadm's text: {@code -S}'s rules, which {@code ipvsadm -R} takes, and {@code -L}'s table,
 * column for column as ipvsadm 1.31 prints them (its printf formats, trailing blanks included), so that scripts
 * reading either read cvs's.
 */
final class IpvsadmText {

    /** ipvsadm's order (its ipvs_cmp_services): IPv4 before IPv6, TCP before UDP, then address and port. */
    static final Comparator<Service> ORDER = Comparator.comparing((Service service) -> service.vip().contains(":"))
            .thenComparing(Service::protocol)
            .thenComparing(service -> IpAddress.parse(service.vip()).orElseThrow())
            .thenComparingInt(Service::port);

    private IpvsadmText() {
    }

    /** {@code wrr} for RANDOM (weighted random), {@code mh} for MAGLEV. */
    static String scheduler(Service service) {
        return "MAGLEV".equals(service.scheduler()) ? "mh" : "wrr";
    }

    /** The timeout of CLIENT_IP affinity, ipvsadm's persistence; null without. */
    static Integer persistence(Service service) {
        return service.sessionAffinity() != null && "CLIENT_IP".equals(service.sessionAffinity().type())
                ? service.sessionAffinity().timeoutSeconds() : null;
    }

    /** {@code -t 192.0.2.10:80}, {@code -u [2001:db8::53]:53}. */
    static String serviceOption(Service service) {
        return ("UDP".equals(service.protocol()) ? "-u " : "-t ") + IpAddress.withPort(service.vip(), service.port());
    }

    /** {@code ipvsadm -S -n}: each service's {@code -A} line, then an {@code -a ... -m} line per backend. */
    static List<String> rules(List<Service> services) {
        List<String> lines = new ArrayList<>();
        for (Service service : services) {
            Integer persistence = persistence(service);
            lines.add("-A " + serviceOption(service) + " -s " + scheduler(service)
                    + (persistence == null ? "" : " -p " + persistence));
            for (Backend backend : backends(service)) {
                lines.add("-a " + serviceOption(service) + " -r " + backend.key() + " -m -w " + backend.weight());
            }
        }
        return lines;
    }

    /**
     * {@code ipvsadm -L -n}, {@code --stats} or {@code --rate}, under {@code header} (where ipvsadm names its kernel
     * module). ipvsadm's ActiveConn column shows each backend's connections so far and InActConn 0, since cvs keeps
     * no connection table; OutPkts and OutBytes are 0, since cvs counts what it translates towards the backends.
     */
    static List<String> list(String header, List<Service> services, Function<Service, ServiceStats> stats,
            boolean showStats, boolean showRate) {
        List<String> lines = new ArrayList<>(List.of(header));
        if (showStats || showRate) {
            lines.add(String.format("%-33s %8s %8s %8s %8s %8s", "Prot LocalAddress:Port",
                    showStats ? "Conns" : "CPS", showStats ? "InPkts" : "InPPS", showStats ? "OutPkts" : "OutPPS",
                    showStats ? "InBytes" : "InBPS", showStats ? "OutBytes" : "OutBPS"));
            lines.add("  -> RemoteAddress:Port");
        } else {
            lines.add("Prot LocalAddress:Port Scheduler Flags");
            lines.add("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn");
        }
        for (Service service : services) {
            ServiceStats counters = stats.apply(service);
            String name = String.format("%s  %s", service.protocol(), IpAddress.withPort(service.vip(),
                    service.port()));
            Map<String, BackendStats> byKey = counters.backends().stream()
                    .collect(Collectors.toMap(Api.Addressed::key, backend -> backend, (a, b) -> a));
            if (showStats) {
                lines.add(String.format("%-33s", name) + numbers(counters.connections(), counters.packets(), 0,
                        counters.bytes(), 0));
            } else if (showRate) {
                lines.add(String.format("%-33s", name) + numbers(rate(counters.rate().connectionsPerSecond()),
                        rate(counters.rate().packetsPerSecond()), 0, rate(counters.rate().bytesPerSecond()), 0));
            } else {
                Integer persistence = persistence(service);
                lines.add(name + " " + scheduler(service) + (persistence == null ? "" : " persistent "
                        + persistence));
            }
            for (Backend backend : backends(service)) {
                BackendStats counted = byKey.get(backend.key());
                long connections = counted == null ? 0 : counted.connections();
                if (showStats) {
                    lines.add(String.format("  -> %-28s", backend.key()) + numbers(connections,
                            counted == null ? 0 : counted.packets(), 0, counted == null ? 0 : counted.bytes(), 0));
                } else if (showRate) {
                    Api.BackendRate rate = counted == null ? Api.BackendRate.NONE : counted.rate();
                    lines.add(String.format("  -> %-28s", backend.key()) + numbers(rate(rate.connectionsPerSecond()),
                            rate(rate.packetsPerSecond()), 0, rate(rate.bytesPerSecond()), 0));
                } else {
                    lines.add(String.format("  -> %-28s %-7s %-6d %-10d %-10d", backend.key(), "Masq",
                            backend.weight(), connections, 0));
                }
            }
        }
        return lines;
    }

    /** ipvsadm's order of real servers (its ipvs_cmp_dests): address, then port. */
    private static List<Backend> backends(Service service) {
        return service.backends().stream().sorted(ListCommand.BACKEND_BY_ADDRESS).toList();
    }

    private static String numbers(long... values) {
        StringBuilder text = new StringBuilder();
        for (long value : values) {
            text.append(String.format(" %8d", value));
        }
        return text.toString();
    }

    /** A rate as ipvsadm's whole numbers; 0 where the daemon has none yet. */
    private static long rate(Double perSecond) {
        return perSecond == null ? 0 : Math.round(perSecond);
    }
}
