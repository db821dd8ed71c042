package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The man pages the Debian package ships: one per command, each naming its options as cvsadm --help does. */
class ManPagesTest {

    @Test
    void everyCommandGetsAPageWithItsOptions(@TempDir Path out) throws Exception {
        ManPages.main(new String[] {out.toString()});

        String root = Files.readString(out.resolve("cvsadm.adoc"));
        assertThat(root).contains(":doctype: manpage", "--token-file", "--url", "Exit codes");
        for (String command : Main.commandLine(Host.current()).getSubcommands().keySet()) {
            assertThat(out.resolve("cvsadm-" + command + ".adoc")).as("page of %s", command).isRegularFile();
        }
        assertThat(Files.readString(out.resolve("cvsadm-service-add.adoc"))).contains("--scheduler");
    }
}
