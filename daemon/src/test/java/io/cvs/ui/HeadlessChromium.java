package io.cvs.ui;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's {@code chromium}, headless, driven through Debian's {@code chromedriver} (scripts/bootstrap installs
 * both). Nothing is downloaded: the driver and the browser are named by path, so Selenium Manager, which would
 * look for (and fetch) them, never runs. Each browser gets a fresh profile in a temporary directory, removed on
 * {@link #close()}, which also ends every process of this browser, whatever state it is in.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** Screenshots and page sources of failed tests, and chromedriver's log. */
    static final Path OUTPUT = Path.of("target", "selenium").toAbsolutePath();

    /** Where Debian puts chromium's and chromedriver's executables (the /usr/bin ones are a script and a link). */
    private static final String INSTALL_DIR = "/usr/lib/chromium/";

    /**
     * Held, so the level stays: the driver looks for a DevTools (CDP) module matching the browser's version and
     * warns when there is none. These tests speak WebDriver only, so no selenium-devtools module, which would
     * have to follow each chromium Debian ships, is on the class path, and the warning says nothing.
     */
    private static final Logger CDP_VERSION_FINDER = Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

    static {
        CDP_VERSION_FINDER.setLevel(Level.SEVERE);
    }

    private final Path profile;
    private final ChromeDriverService service;
    private final ChromeDriver driver;

    private HeadlessChromium(Path profile, ChromeDriverService service, ChromeDriver driver) {
        this.profile = profile;
        this.service = service;
        this.driver = driver;
    }

    /**
     * Returns when both are installed. Otherwise a developer's run skips loudly, and a CI run (CI set) fails,
     * because scripts/bootstrap installs them there.
     */
    static void requireInstalled() {
        List<String> missing = Stream.of(CHROMIUM, CHROMEDRIVER).filter(path -> !Files.isExecutable(path))
                .map(Path::toString).toList();
        if (missing.isEmpty()) {
            return;
        }
        String message = "SWAGGER UI BROWSER TEST NOT RUN: " + String.join(" and ", missing) + " missing; "
                + "scripts/bootstrap installs Debian's chromium and chromium-driver (apt-get install chromium "
                + "chromium-driver)";
        if (System.getenv("CI") != null) {
            fail(message + " (CI must run it)");
        }
        System.err.println("!!! " + message + " !!!");
        Assumptions.abort(message);
    }

    static HeadlessChromium start() {
        // Also the property a driver lookup reads before it would ask Selenium Manager: a second guard.
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        Path profile;
        try {
            Files.createDirectories(OUTPUT);
            profile = Files.createTempDirectory("cvs-chromium-profile-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(OUTPUT.resolve("chromedriver.log").toFile())
                .withTimeout(Duration.ofSeconds(30))
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                // as root, chromium refuses to start with its sandbox
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                // no connection anywhere but to the daemon under test: this host's network is closed, and a
                // test must not reach networks that are not ours (docs/testing.md)
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--user-data-dir=" + profile,
                "--window-size=1280,1600");
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            new HeadlessChromium(profile, service, null).close();
            throw e;
        }
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60)).scriptTimeout(Duration.ofSeconds(30));
        return new HeadlessChromium(profile, service, driver);
    }

    ChromeDriver driver() {
        return driver;
    }

    /**
     * Saves a screenshot and the page's source as {@code target/selenium/<name>-<time>.png} and {@code .html},
     * says where on stderr, and returns the screenshot's path. Never throws: it runs for a test that failed.
     */
    Path saveEvidence(String name) {
        String base = name.replaceAll("[^A-Za-z0-9._-]", "_") + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        Path png = OUTPUT.resolve(base + ".png");
        Path html = OUTPUT.resolve(base + ".html");
        try {
            Files.createDirectories(OUTPUT);
            Files.write(png, driver.getScreenshotAs(OutputType.BYTES));
            Files.writeString(html, driver.getPageSource(), StandardCharsets.UTF_8);
            System.err.println("!!! Swagger UI test failed: screenshot " + png + ", page source " + html + " !!!");
        } catch (IOException | RuntimeException e) {
            System.err.println("!!! Swagger UI test failed, and saving a screenshot to " + png + " failed too: "
                    + e + " !!!");
        }
        return png;
    }

    /** Quits the browser and the driver, kills whatever of them is left, and removes the profile. */
    @Override
    public void close() {
        List<ProcessHandle> processes = ours();
        try {
            if (driver != null) {
                driver.quit();
            }
        } catch (RuntimeException e) {
            System.err.println("quitting chromium failed (its processes are killed): " + e);
        } finally {
            service.stop();
            List<ProcessHandle> left = Stream.concat(processes.stream(), ours().stream()).distinct()
                    .filter(ProcessHandle::isAlive).toList();
            left.forEach(ProcessHandle::destroy);
            awaitExit(left, 5);
            left.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            awaitExit(left, 5);
            deleteProfile();
            List<ProcessHandle> alive = left.stream().filter(ProcessHandle::isAlive).toList();
            if (!alive.isEmpty()) {
                throw new IllegalStateException("chromium processes outlived SIGKILL: "
                        + alive.stream().map(ProcessHandle::pid).toList());
            }
        }
    }

    /**
     * This browser's processes: chromedriver and chromium below this JVM, and any process naming this browser's
     * profile on its command line (in case one was reparented).
     */
    private List<ProcessHandle> ours() {
        String marker = profile.toString();
        Stream<ProcessHandle> children = ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.startsWith(INSTALL_DIR)).orElse(false));
        Stream<ProcessHandle> byProfile = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false));
        return Stream.concat(children, byProfile).distinct().toList();
    }

    private static void awaitExit(List<ProcessHandle> processes, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (ProcessHandle process : processes) {
            try {
                process.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException e) {
                // still alive: the caller looks again
            }
        }
    }

    private void deleteProfile() {
        try (Stream<Path> paths = Files.walk(profile)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove chromium's profile " + profile + ": " + e);
        }
    }
}
