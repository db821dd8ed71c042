package io.cvs.security;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tokens given on the daemon's command line ({@code --cvs.security.admin-token=...} or a JVM's
 * {@code -Dcvs.security.admin-token=...}) work, but {@code ps} and {@code /proc/<pid>/cmdline} show them to every
 * user of the host. The daemon cannot take them back, so it says so at start, once per token, without the token.
 */
final class CommandLineTokens {

    private static final Logger log = LoggerFactory.getLogger(CommandLineTokens.class);

    /** Any spelling Spring's relaxed binding accepts: admin-token, adminToken, admin_token; not admin-token-file. */
    private static final Pattern TOKEN_OPTION = Pattern.compile("^(?:--|-D)cvs\\.security\\.(admin|viewer)[-_]?token=",
            Pattern.CASE_INSENSITIVE);

    private CommandLineTokens() {
    }

    /** The token properties these arguments set ({@code cvs.security.admin-token}...), each once. */
    static Set<String> found(List<String> arguments) {
        Set<String> properties = new LinkedHashSet<>();
        for (String argument : arguments) {
            Matcher option = TOKEN_OPTION.matcher(argument);
            if (option.find()) {
                properties.add("cvs.security." + option.group(1).toLowerCase(Locale.ROOT) + "-token");
            }
        }
        return properties;
    }

    /**
     * Warns about each token among the application's arguments and the JVM's options.
     *
     * @return the properties warned about
     */
    static Set<String> warn(List<String> applicationArguments, List<String> jvmOptions) {
        List<String> all = new ArrayList<>(applicationArguments);
        all.addAll(jvmOptions);
        Set<String> properties = found(all);
        for (String property : properties) {
            String role = property.substring("cvs.security.".length(), property.length() - "-token".length());
            log.warn("{} is on the daemon's command line, where ps shows it to every user of this host. Set it in "
                    + "the daemon's environment (CVS_SECURITY_{}_TOKEN) or in a file of the daemon's user, mode 600 "
                    + "({}-file), instead.", property, role.toUpperCase(Locale.ROOT), property);
        }
        return properties;
    }
}
