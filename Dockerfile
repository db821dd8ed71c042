# The cvs daemon as a container image: docker-compose.yml runs it on the host's network, bpffs and cgroup v2
# root. Both stages are Debian 12, the release cvs is built and tested on, so libcvsbpf.so finds at run time
# the libbpf1 it was linked against at build time.

# Stage 1: libcvsbpf (BPF objects, skeletons, libcvsbpf.so), the daemon jar and cvsadm's. The daemon's Maven
# build runs make in libcvsbpf/ and puts libcvsbpf.so into the jar, so `mvn package` builds all (daemon/pom.xml).
FROM debian:12.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        clang libbpf-dev bpftool libelf-dev zlib1g-dev make gcc pkg-config libc6-dev linux-libc-dev \
        openjdk-17-jdk-headless maven \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml openapi.yaml ./
COPY libcvsbpf/Makefile libcvsbpf/
COPY libcvsbpf/include libcvsbpf/include
COPY libcvsbpf/src libcvsbpf/src
COPY daemon/pom.xml daemon/
COPY daemon/src/main daemon/src/main
COPY cvsadm/pom.xml cvsadm/
COPY cvsadm/src/main cvsadm/src/main
# The tests need root, bpffs and cgroups that an image build does not have; scripts/test runs them.
RUN mvn -B -ntp -q -DskipTests package

# Stage 2: a Java 17 runtime, libbpf and the jar, started by the same script as on a host (scripts/daemon).
FROM debian:12.11-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless libbpf1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/cvs
# scripts/daemon expects the repository's layout: the jar in daemon/target, the script in scripts/.
COPY --from=build /src/daemon/target/cvs-daemon.jar daemon/target/cvs-daemon.jar
COPY scripts/daemon scripts/daemon
# The client, for `docker-compose exec cvs scripts/cvsadm list` (it needs the token: --token-file or CVS_TOKEN).
COPY --from=build /src/cvsadm/target/cvsadm.jar cvsadm/target/cvsadm.jar
COPY scripts/cvsadm scripts/cvsadm
# Extract the jar and make its class data archive now, so that a container starts as fast as scripts/run does.
RUN ["scripts/daemon", "--prepare"]
# Root on purpose: creating and pinning maps, loading and attaching the socket-LB programs to the host's
# cgroup need CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN and CAP_SYS_ADMIN (docker-compose.yml grants exactly those),
# and Linux gives a non-root process none of them without file capabilities a JVM cannot carry.
USER root
EXPOSE 8080
# The liveness probe is open to loopback clients without a token (cvs.security.open-on-loopback), and the
# container shares the host's network, so 127.0.0.1 is the daemon. bash's /dev/tcp keeps curl out of the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SERVER_PORT:-8080} && printf 'GET /actuator/health/liveness HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/opt/cvs/scripts/daemon"]
