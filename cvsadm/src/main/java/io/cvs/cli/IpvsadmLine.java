package io.cvs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One ipvsadm command line, read as ipvsadm reads it (popt): options in any order, short ones bundled
 * ({@code -Ln}), long ones with {@code =} or a separate value, {@code -p} with an optional timeout. Read from
 * cvsadm's own arguments and from each line of {@code -R}'s input alike. What cvs cannot do is refused here
 * ({@link ExitCode#UNSUPPORTED}), what is no ipvsadm line is a usage error ({@link ExitCode#USAGE}); what cvs does
 * anyway (it always translates, as {@code -m}) is a warning.
 */
final class IpvsadmLine {

    /** ipvsadm's default persistence timeout, seconds: 360 in ipvsadm 1.31 (its man page says 300). */
    static final int DEFAULT_PERSISTENCE = 360;

    private static final Map<String, Character> LONG = Map.ofEntries(Map.entry("add-service", 'A'),
            Map.entry("edit-service", 'E'), Map.entry("delete-service", 'D'), Map.entry("clear", 'C'),
            Map.entry("restore", 'R'), Map.entry("save", 'S'), Map.entry("add-server", 'a'),
            Map.entry("edit-server", 'e'), Map.entry("delete-server", 'd'), Map.entry("list", 'L'),
            Map.entry("zero", 'Z'), Map.entry("numeric", 'n'), Map.entry("tcp-service", 't'),
            Map.entry("udp-service", 'u'), Map.entry("fwmark-service", 'f'), Map.entry("scheduler", 's'),
            Map.entry("persistent", 'p'), Map.entry("netmask", 'M'), Map.entry("real-server", 'r'),
            Map.entry("weight", 'w'), Map.entry("gatewaying", 'g'), Map.entry("ipip", 'i'),
            Map.entry("masquerading", 'm'), Map.entry("connection", 'c'), Map.entry("u-threshold", 'x'),
            Map.entry("l-threshold", 'y'), Map.entry("ops", 'o'), Map.entry("sched-flags", 'b'),
            Map.entry("ipv6", '6'));
    private static final String COMMANDS = "AEDCRSaedLlZ";
    private static final String WITH_VALUE = "tufsMrwxyb";

    char command;
    String protocol;
    HostPort service;
    String scheduler;
    Integer persistence;
    HostPort real;
    Integer weight;
    boolean stats;
    boolean rate;
    final List<String> warnings = new ArrayList<>();

    private IpvsadmLine() {
    }

    static IpvsadmLine parse(List<String> args) {
        IpvsadmLine line = new IpvsadmLine();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String next = i + 1 < args.size() ? args.get(i + 1) : null;
            if (arg.startsWith("--")) {
                int equals = arg.indexOf('=');
                String name = arg.substring(2, equals < 0 ? arg.length() : equals);
                String value = equals < 0 ? null : arg.substring(equals + 1);
                Character option = LONG.get(name);
                if (option == null) {
                    line.longOnly(name);
                    continue;
                }
                if (value == null && (WITH_VALUE.indexOf(option) >= 0 || option == 'p' && isNumber(next))) {
                    value = required(arg, next);
                    i++;
                }
                line.option(option, value, arg);
            } else if (arg.startsWith("-") && arg.length() > 1) {
                for (int c = 1; c < arg.length(); c++) {
                    char option = arg.charAt(c);
                    String rest = arg.substring(c + 1);
                    if (WITH_VALUE.indexOf(option) >= 0 || option == 'p' && (!rest.isEmpty() || isNumber(next))) {
                        String value = rest.isEmpty() ? required("-" + option, next) : rest;
                        i += rest.isEmpty() ? 1 : 0;
                        line.option(option, value, "-" + option);
                        break;
                    }
                    line.option(option, null, "-" + option);
                }
            } else {
                throw usage("'" + arg + "' is no ipvsadm option");
            }
        }
        line.check();
        return line;
    }

    private void option(char option, String value, String typed) {
        switch (option) {
            case 'A', 'E', 'D', 'C', 'R', 'S', 'a', 'e', 'd', 'L', 'l', 'Z' -> command(option == 'l' ? 'L' : option);
            case 'n' -> {
                // cvsadm never resolves names: every address and port is printed as a number
            }
            case 't', 'u' -> service(option == 't' ? "TCP" : "UDP", value);
            case 's' -> scheduler = value;
            case 'p' -> persistence = value == null ? DEFAULT_PERSISTENCE : number(typed, value, 1, 86400,
                    "cvs keeps a client's backend for 1 to 86400 seconds");
            case 'M' -> netmask(value);
            case 'r' -> real = address(typed, value);
            case 'w' -> weight = number(typed, value, 0, 65535, "a weight is 0 to 65535");
            case 'm' -> {
                // cvs translates the destination (DNAT), which is what -m asks for
            }
            case 'g', 'i' -> warnings.add("warning: " + typed + " (" + (option == 'g' ? "direct routing" : "tunnelling")
                    + "): cvs always translates the destination, as -m does");
            case 'f', '6' -> throw unsupported(typed + ": cvs has no firewall-mark services; a service is "
                    + "-t|-u VIP:PORT");
            case 'c' -> throw unsupported(typed + ": cvs keeps no connection table to list; 'cvsadm stats' shows "
                    + "the counters");
            case 'x', 'y' -> throw unsupported(typed + ": cvs has no connection thresholds");
            case 'o' -> throw unsupported(typed + ": cvs has no one-packet scheduling");
            case 'b' -> throw unsupported(typed + " " + value + ": cvs has no scheduler flags");
            default -> throw usage("unknown ipvsadm option '" + typed + "'");
        }
    }

    /** Options ipvsadm has only in long form. */
    private void longOnly(String name) {
        switch (name) {
            case "stats" -> stats = true;
            case "rate" -> rate = true;
            case "exact", "sort" -> {
                // cvsadm prints exact numbers and sorts always
            }
            case "thresholds", "persistent-conn", "pe", "timeout", "set", "start-daemon", "stop-daemon", "daemon",
                    "tun-type", "tun-port", "tun-nocsum", "tun-csum", "tun-remcsum", "nosort" ->
                    throw unsupported("--" + name + ": not in cvs; what cvs can do is in 'cvsadm ipvsadm --help'");
            default -> throw usage("unknown ipvsadm option '--" + name + "'");
        }
    }

    private void command(char option) {
        if (command != 0 && command != option) {
            throw usage("-" + command + " and -" + option + ": one command at a time");
        }
        command = option;
    }

    private void service(String typedProtocol, String value) {
        if (service != null) {
            throw usage("one service at a time: -t or -u, once");
        }
        protocol = typedProtocol;
        service = address("-" + ("TCP".equals(typedProtocol) ? "t" : "u"), value);
        if (service.port() == null) {
            throw unsupported("-" + ("TCP".equals(typedProtocol) ? "t " : "u ") + value + ": a cvs service has "
                    + "one port, VIP:PORT (port 0, every port, is ipvsadm's only)");
        }
    }

    /** The netmask of persistence: cvs keys a client by its whole address, which is ipvsadm's default. */
    private void netmask(String value) {
        if (!value.equals("255.255.255.255") && !value.equals("128")) {
            throw unsupported("-M " + value + ": cvs keeps affinity per client address (-M 255.255.255.255 or "
                    + "128), not per network");
        }
    }

    private void check() {
        if (command == 0) {
            throw usage("no command: -A, -E, -D, -a, -e, -d, -L, -S, -R, -C or -Z");
        }
        boolean needsService = "AEDaed".indexOf(command) >= 0;
        if (needsService && service == null) {
            throw usage("-" + command + " needs -t|-u VIP:PORT");
        }
        if ("aed".indexOf(command) >= 0 && real == null) {
            throw usage("-" + command + " needs -r RIP[:PORT]");
        }
        if ("AE".indexOf(command) >= 0 && scheduler == null) {
            warnings.add("note: no -s: ipvsadm's default, wlc, is not in cvs; weighted random (as -s wrr)");
        }
        if ("AE".indexOf(command) >= 0) {
            cvsScheduler();
        }
        boolean serviceOptions = scheduler != null || persistence != null;
        if (serviceOptions && "AE".indexOf(command) < 0) {
            throw usage("-s and -p go with -A or -E, not -" + command);
        }
        if ((real != null || weight != null) && "aed".indexOf(command) < 0) {
            throw usage("-r and -w go with -a, -e or -d, not -" + command);
        }
        if ("CR".indexOf(command) >= 0 && service != null) {
            throw usage("-" + command + " takes no service");
        }
    }

    /** The scheduler cvs runs for {@code -s}: RANDOM for rr and wrr (and none), MAGLEV for mh. */
    String cvsScheduler() {
        return switch (scheduler == null ? "wrr" : scheduler) {
            case "rr", "wrr" -> "RANDOM";
            case "mh" -> "MAGLEV";
            default -> throw unsupported("-s " + scheduler + ": cvs schedules by weighted random (-s wrr, or rr: "
                    + "equal weights) or Maglev (-s mh)");
        };
    }

    /** {@code 192.0.2.10:80/TCP}: the service this line names, as the rest of cvsadm names one. */
    Endpoint endpoint() {
        return new Endpoint(service.address(), service.port(), protocol);
    }

    /** The real server's port: the one typed, else the virtual one, as ipvsadm does. */
    int realPort() {
        return real.port() == null ? service.port() : real.port();
    }

    private static HostPort address(String option, String value) {
        try {
            return HostPort.parse(value, value.length()).orElseThrow(() -> usage(option + " " + value
                    + ": not ADDRESS[:PORT] (cvsadm reads numbers, no names; IPv6 as [2001:db8::10]:80)"));
        } catch (picocli.CommandLine.TypeConversionException e) {
            throw usage(option + " " + e.getMessage());
        }
    }

    private static int number(String option, String value, int min, int max, String range) {
        if (!value.matches("\\d{1,9}") || Integer.parseInt(value) < min || Integer.parseInt(value) > max) {
            throw usage(option + " " + value + ": " + range);
        }
        return Integer.parseInt(value);
    }

    private static boolean isNumber(String arg) {
        return arg != null && arg.matches("\\d+");
    }

    private static String required(String option, String next) {
        if (next == null) {
            throw usage(option + " needs a value");
        }
        return next;
    }

    /** A line that is not ipvsadm's: the message and where the mapping is, never the whole usage. */
    static CliFailure usage(String message) {
        return new CliFailure(ExitCode.USAGE, message, List.of("try 'cvsadm ipvsadm --help'"));
    }

    static CliFailure unsupported(String message) {
        return new CliFailure(ExitCode.UNSUPPORTED, message);
    }
}
