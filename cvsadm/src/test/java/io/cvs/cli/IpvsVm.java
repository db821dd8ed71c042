package io.cvs.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real IPVS where this host's kernel has none: {@code src/test/capture-ipvsadm-save} boots Debian's 6.1 kernel
 * under qemu with Debian's ipvsadm (a few seconds, no network card) and prints what {@code ipvsadm -S -n} says
 * between two markers. scripts/bootstrap installs what it needs for the VM test, so CI has it.
 */
final class IpvsVm {

    private static final Path SCRIPT = Path.of("src/test/capture-ipvsadm-save");

    private IpvsVm() {
    }

    static boolean available() {
        return Files.isExecutable(SCRIPT) && onPath("qemu-system-x86_64") && onPath("ipvsadm")
                && onPath("busybox") && sixOneKernel();
    }

    /** The test's rules, made by ipvsadm commands in the VM and saved. */
    static String save() {
        return saved(run());
    }

    /** {@code ipvsadm -R} of text in the VM, then what IPVS holds, saved. */
    static String restore(String text) {
        try {
            Path file = Files.createTempFile("cvs-ipvsadm-restore", ".txt");
            try {
                Files.writeString(file, text);
                return saved(run("--restore", file.toString()));
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String saved(String console) {
        if (console.contains("FAIL")) {
            throw new IllegalStateException("ipvsadm in the VM failed:\n" + console);
        }
        int from = console.indexOf("=== ipvsadm -S -n\n");
        int to = console.indexOf("=== end", from);
        if (from < 0 || to < 0) {
            throw new IllegalStateException("the VM printed no ipvsadm -S:\n" + console);
        }
        return console.substring(from + "=== ipvsadm -S -n\n".length(), to);
    }

    private static String run(String... args) {
        String[] command = Stream.concat(Stream.of(SCRIPT.toString()), Stream.of(args)).toArray(String[]::new);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            // the script bounds qemu itself (timeout 240); this only guards against a hung pipe
            if (!process.waitFor(300, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, program)));
    }

    private static boolean sixOneKernel() {
        try (Stream<Path> boot = Files.list(Path.of("/boot"))) {
            return boot.anyMatch(p -> p.getFileName().toString().matches("vmlinuz-6\\.1\\..*-amd64"));
        } catch (IOException e) {
            return false;
        }
    }
}
