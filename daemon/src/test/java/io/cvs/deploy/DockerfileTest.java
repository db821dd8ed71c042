package io.cvs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repository's Dockerfile passes {@link DockerfileCheck}, and the check finds what is wrong in bad ones. */
class DockerfileTest {

    /** A Dockerfile that passes, for the bad ones below to differ from by one thing each. */
    private static final String GOOD = """
            FROM debian:12.11-slim AS build
            RUN apt-get update \\
                && apt-get install -y --no-install-recommends make \\
                && rm -rf /var/lib/apt/lists/*
            COPY src src
            FROM debian:12.11-slim
            COPY --from=build /src/app /opt/app
            COPY run.sh /opt/run.sh
            EXPOSE 8080
            HEALTHCHECK CMD ["/opt/run.sh", "--check"]
            ENTRYPOINT ["/opt/run.sh"]
            """;

    @TempDir
    Path context;

    @Test
    void theRepositorysDockerfilePasses() {
        assertThat(DockerfileCheck.check(Repo.TOP)).isEmpty();
    }

    @Test
    void theEtcdImagesDockerfilePasses() {
        assertThat(DockerfileCheck.check(Repo.TOP.resolve("deploy/etcd"))).isEmpty();
    }

    @Test
    void theRepositorysDockerignoreKeepsBuildOutputsGitAndSecretsOut() {
        DockerIgnore ignore = DockerIgnore.parse(Repo.read(".dockerignore"));
        assertThat(ignore.excludes("daemon/target/cvs-daemon.jar")).isTrue();
        assertThat(ignore.excludes("libcvsbpf/build/libcvsbpf.so")).isTrue();
        assertThat(ignore.excludes(".git/HEAD")).isTrue();
        assertThat(ignore.excludes("deploy/secrets/admin-token")).isTrue();
        assertThat(ignore.excludes("libcvsbpf/src/maps.c")).isFalse();
    }

    @Test
    void aGoodDockerfilePasses() throws IOException {
        context(GOOD, "");
        assertThat(DockerfileCheck.check(context)).isEmpty();
    }

    @Test
    void aMissingCopySourceIsFound() throws IOException {
        context(GOOD.replace("COPY run.sh /opt/run.sh", "COPY run.sh /opt/run.sh\nCOPY missing.conf /etc/"), "");
        assertThat(DockerfileCheck.check(context))
                .containsExactly("line 9: COPY source missing.conf does not exist in the build context");
    }

    @Test
    void aCopySourceOutsideTheContextIsFound() throws IOException {
        context(GOOD.replace("COPY src src", "COPY ../outside src"), "");
        assertThat(DockerfileCheck.check(context))
                .containsExactly("line 5: COPY source ../outside does not exist in the build context");
    }

    @Test
    void aCopySourceThatDockerignoreLeavesOutIsFound() throws IOException {
        context(GOOD, "*\n!run.sh\n!src\nsrc/**/*.c\n");
        assertThat(DockerfileCheck.check(context)).containsExactly(
                "line 5: COPY source src/lib/main.c is left out of the build context by .dockerignore");
    }

    @Test
    void unpinnedAndLatestBaseImagesAreFound() throws IOException {
        context(GOOD.replace("FROM debian:12.11-slim AS build", "FROM debian AS build")
                .replace("FROM debian:12.11-slim\n", "FROM docker.io/library/debian:latest\n"), "");
        assertThat(DockerfileCheck.check(context)).containsExactly(
                "line 1: base image debian is not pinned: give a tag or a digest",
                "line 6: base image docker.io/library/debian:latest is pinned to latest, which moves: give a version");
    }

    @Test
    void aptWithRecommendsOrListsLeftBehindIsFound() throws IOException {
        context(GOOD.replace("--no-install-recommends ", "").replace(" \\\n    && rm -rf /var/lib/apt/lists/*", ""),
                "");
        assertThat(DockerfileCheck.check(context)).containsExactly(
                "line 2: apt-get install without --no-install-recommends",
                "line 2: apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN: the lists stay in "
                        + "the layer");
    }

    @Test
    void shellFormEntrypointIsFound() throws IOException {
        context(GOOD.replace("ENTRYPOINT [\"/opt/run.sh\"]", "ENTRYPOINT /opt/run.sh"), "");
        assertThat(DockerfileCheck.check(context)).containsExactly("line 11: ENTRYPOINT in shell form: use the exec "
                + "form [\"executable\", \"arg\"], so that the process gets signals as PID 1");
    }

    @Test
    void aFinalStageWithoutHealthcheckExposeOrEntrypointIsFound() throws IOException {
        context(GOOD.replace("EXPOSE 8080\n", "").replace("HEALTHCHECK CMD [\"/opt/run.sh\", \"--check\"]\n", "")
                .replace("ENTRYPOINT [\"/opt/run.sh\"]\n", "HEALTHCHECK NONE\n"), "");
        assertThat(DockerfileCheck.check(context)).containsExactly(
                "line 9: the final stage has no ENTRYPOINT or CMD",
                "line 9: the final stage has no EXPOSE",
                "line 9: the final stage has no HEALTHCHECK");
    }

    private void context(String dockerfile, String dockerignore) throws IOException {
        Files.writeString(context.resolve("Dockerfile"), dockerfile);
        Files.writeString(context.resolve(".dockerignore"), dockerignore);
        Files.createDirectories(context.resolve("src/lib"));
        Files.writeString(context.resolve("src/lib/main.c"), "int main(void) { return 0; }\n");
        Files.writeString(context.resolve("src/main.c"), "int main(void) { return 0; }\n");
        Files.writeString(context.resolve("run.sh"), "#!/bin/sh\n");
    }
}
