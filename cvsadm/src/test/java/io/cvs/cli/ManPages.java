package io.cvs.cli;

import java.io.File;
import java.io.IOException;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Writes cvsadm's man pages as AsciiDoc (cvsadm.adoc and one cvsadm-COMMAND.adoc per subcommand), from the same
 * command line the client runs, with picocli-codegen's generator. The Debian package turns them into troff
 * (asciidoctor -b manpage): scripts/package runs this through the {@code deb} profile of cvsadm/pom.xml.
 * Test code, not the client's: picocli-codegen is a build tool and stays out of cvsadm.jar.
 */
public final class ManPages {

    private ManPages() {
    }

    /** args[0]: the output directory (made when absent). */
    public static void main(String[] args) throws IOException {
        File out = new File(args[0]);
        if (!out.isDirectory() && !out.mkdirs()) {
            throw new IOException("cannot make " + out);
        }
        int status = ManPageGenerator.generateManPage(out, null, new boolean[0], true,
                Main.commandLine(Host.current()).getCommandSpec());
        if (status != 0) {
            throw new IOException("picocli's ManPageGenerator failed with status " + status);
        }
    }
}
