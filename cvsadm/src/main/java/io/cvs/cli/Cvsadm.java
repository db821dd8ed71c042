package io.cvs.cli;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The root command: the options every subcommand shares, and the connection they make from them. */
@Command(name = "cvsadm", mixinStandardHelpOptions = true, versionProvider = Cvsadm.Version.class,
        description = "Manage the services of a cvs daemon (Container Virtual Servers) through its REST API.",
        subcommands = {PushCommand.class, PopCommand.class, ListCommand.class, ServiceCommand.class,
                BackendCommand.class, StatsCommand.class, HealthCommand.class, ApplyCommand.class,
                ExportCommand.class, StatusCommand.class, FleetCommand.class, CapacityCommand.class, PickCommand.class,
                IpvsadmCommand.class, CompletionCommand.class, HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success",
                "1:unexpected error (a bug: please report it)",
                "2:usage error: bad command line, option value or config file",
                "3:the daemon refused the request (its problem title, detail and field errors go to stderr), "
                        + "or the named service or backend does not exist",
                "4:the daemon cannot be reached at the URL",
                "5:authentication or authorization failed (401, 403): see --token, CVS_TOKEN, the token file",
                "6:an ipvsadm command line asks for what cvs does not have (scheduler, netmask, -Z, ...)",
                "7:a token file that is not yours alone: another owner, mode wider than 600, a link, or a directory "
                        + "others may write"},
        footerHeading = "%nConnection settings, each from the first place that has it:%n",
        footer = {
                "  URL:    --url, $CVS_URL, url in the config file, " + ConnectionSettings.DEFAULT_URL,
                "  token:  --token-file or --token, $CVS_TOKEN, tokenFile or token in the",
                "          config file, /var/lib/cvs/admin-token if readable (root on the",
                "          daemon's host). Prefer a token file (yours, mode 600) or $CVS_TOKEN:",
                "          ps shows --token to every user of the host.",
                "  config: $CVS_CONFIG, else ~/.config/cvs/cvsadm.yaml"})
final class Cvsadm implements Runnable {

    private final Host host;
    private ApiClient api;

    @Spec
    private CommandSpec spec;

    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "The daemon's API (env CVS_URL).")
    private String url;

    @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN",
            description = "Bearer token. ps shows it to every user of the host: prefer --token-file or CVS_TOKEN.")
    private String token;

    @Option(names = "--token-file", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "File holding the bearer token: yours, mode 600, in a directory only you can write.")
    private Path tokenFile;

    @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
            description = "Output: table (for people), json or yaml (for scripts; numbers unformatted).")
    private OutputFormat output;

    Cvsadm(Host host) {
        this.host = host;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: try 'cvsadm list' or 'cvsadm --help'");
    }

    Host host() {
        return host;
    }

    /** The connection, made on first use so that commands that need none (completion) work without settings. */
    ApiClient api() {
        if (api == null) {
            api = new ApiClient(ConnectionSettings.resolve(new ConnectionSettings.Flags(url, token, tokenFile), host));
        }
        return api;
    }

    /** Releases the connection, if one was made. */
    void close() {
        if (api != null) {
            api.close();
        }
    }

    /** The {@code -o} format, or {@code fallback} when none was given. */
    OutputFormat output(OutputFormat fallback) {
        return output == null ? fallback : output;
    }

    /** The jar's Implementation-Version (set by the build). */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Cvsadm.class.getPackage().getImplementationVersion();
            return new String[] {"cvsadm " + (version == null ? "(development build)" : version)};
        }
    }
}
