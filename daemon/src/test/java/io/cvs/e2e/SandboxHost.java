package io.cvs.e2e;

import io.cvs.BpfDaemonHome;
import io.cvs.journal.TestJournals;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The host side of an end-to-end test class: its pin directory, its cgroup and its {@link Sandbox}, made before the
 * daemon starts and undone after Spring closed it, also when the test failed (processes and namespaces, the programs
 * the daemon leaves attached, the pins, the cgroup). Declare it with {@code @ExtendWith} BEFORE
 * {@code @SpringBootTest}, so its afterAll runs after the context is closed ({@code @DirtiesContext}); size the
 * sandbox with {@link Backends}. Skips loudly without ip, socat or ss, and fails under CI.
 */
final class SandboxHost implements BeforeAllCallback, AfterAllCallback {

    /** How many backend namespaces the sandbox has (2 when absent), and whether this host can reach them. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface Backends {
        int value();

        boolean linkedToHost() default false;
    }

    /** What one test class got. */
    record Environment(Path pinDir, Path cgroup, Sandbox sandbox) {
    }

    private static final Map<Class<?>, Environment> BY_CLASS = new ConcurrentHashMap<>();

    /** The environment of a test class; for its {@code @DynamicPropertySource} and its tests. */
    static Environment of(Class<?> testClass) {
        Environment environment = BY_CLASS.get(testClass);
        if (environment == null) {
            throw new IllegalStateException(testClass.getSimpleName() + " is not extended with SandboxHost");
        }
        return environment;
    }

    /**
     * The daemon's properties for a test class: a fresh journal, and the pin directory and cgroup of its
     * environment (read when Spring starts the daemon, after {@link #beforeAll} made them).
     */
    static void daemonProperties(DynamicPropertyRegistry properties, Class<?> testClass) {
        properties.add("cvs.journal.dir", () -> TestJournals.freshDir(testClass.getSimpleName()).toString());
        properties.add("cvs.bpf.pin-dir", () -> of(testClass).pinDir().toString());
        properties.add("cvs.bpf.cgroup", () -> of(testClass).cgroup().toString());
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        for (String tool : List.of("ip", "socat", "ss")) {
            if (onPath(tool).isEmpty()) {
                String message = "END-TO-END TEST NOT RUN: no " + tool + " on the PATH (scripts/bootstrap)";
                if (System.getenv("CI") != null) {
                    throw new AssertionError(message + " (CI must run it)");
                }
                System.err.println("!!! " + message + " !!!");
                Assumptions.abort(message);
            }
        }
        Class<?> testClass = context.getRequiredTestClass();
        String name = "cvs-test-java-" + ProcessHandle.current().pid() + "-" + testClass.getSimpleName();
        Backends backends = testClass.getAnnotation(Backends.class);
        Path pinDir = BpfDaemonHome.pinDir(name);
        Path cgroup = BpfDaemonHome.createCgroup(name);
        Sandbox sandbox = new Sandbox();
        BY_CLASS.put(testClass, new Environment(pinDir, cgroup, sandbox));
        int count = backends == null ? 2 : backends.value();
        sandbox.build(count);
        if (backends != null && backends.linkedToHost()) {
            for (int i = 1; i <= count; i++) {
                sandbox.linkToHost(i);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        Environment environment = BY_CLASS.remove(context.getRequiredTestClass());
        if (environment == null) {
            return;
        }
        try {
            environment.sandbox().close();
        } finally {
            BpfDaemonHome.undo(environment.pinDir(), environment.cgroup());
        }
    }

    private static Optional<Path> onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return Optional.of(Path.of(dir, tool));
            }
        }
        return Optional.empty();
    }
}
