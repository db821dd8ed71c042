# What the benchmark scripts (scripts/bench*) share; each sources it after `set -euo pipefail`.
# Sourcing it moves to the top of the repository, to which the scripts name every path.
# shellcheck shell=bash

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit
bench_name=${0##*/}

# The script's leading comment, its usage, on stderr; exits 2. For getopts' unknown options.
bench_usage() {
	sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

bench_require_root() {
	[[ $(id -u) == 0 ]] || { echo "$bench_name: needs root" >&2; exit 1; }
}

# Installs the Debian PACKAGEs unless every COMMAND is there already.
bench_install() { # COMMAND... -- PACKAGE...
	local missing=0
	while [[ $1 != -- ]]; do
		command -v "$1" >/dev/null || missing=1
		shift
	done
	shift
	if ((missing)); then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
	fi
}

# Compiles the Java benchmarks and sets cp to the class path that runs them: the daemon's test classes (where
# UpsertBenchmark, JournalBenchmark, MetricsBenchmark, HealthProbeBenchmark, ScaleBenchmark and their helpers
# live), its classes and its runtime dependencies. The one place that knows where the benchmark classes are.
bench_classpath() {
	mvn -q -B -ntp -f daemon/pom.xml test-compile
	mvn -q -B -ntp -f daemon/pom.xml dependency:build-classpath \
		-Dmdep.outputFile=target/runtime.classpath -DincludeScope=runtime
	cp="daemon/target/test-classes:daemon/target/classes:$(cat daemon/target/runtime.classpath)"
}

# Runs a Java benchmark class on the class path of bench_classpath, its output in LOG; if it fails, shows LOG and
# exits.
bench_java() { # LOG [JAVA-OPTION...] CLASS [ARG...]
	local log=$1
	shift
	java -cp "$cp" "$@" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
}

# The cgroup v2 root: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a host with the hybrid layout.
bench_cgroup_root() {
	if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then
		echo /sys/fs/cgroup
	else
		echo /sys/fs/cgroup/unified
	fi
}

# A port nothing listens on, for a daemon of this run: the first free one from 20000 + (pid mod 10000) up.
bench_free_port() {
	local port=$((20000 + $$ % 10000))
	while [[ -n $(ss -Hltn "sport = :$port") ]]; do port=$((port + 1)); done
	echo "$port"
}

# A random bearer token: BYTES random bytes in hex.
bench_token() { # BYTES
	head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'
}

# Stops the daemon of this run ($daemon, empty when none runs) and waits for it.
bench_stop_daemon() {
	if [[ -n $daemon ]]; then
		kill "$daemon" 2>/dev/null || true
		wait "$daemon" 2>/dev/null || true
	fi
	daemon=""
}

# ---- runs of the daemon on states that JournalRestartState makes (bench-journal, bench-metrics) ----

# Sets up such a run, with a state of its own for each STATE: tag (cvs-NAME-PID), work (a directory of the run's
# own under BASE), out (its measurements), cgroot, port and url (a free port on loopback, for the daemon), token,
# and daemon (none yet). On any exit it stops the daemon, undoes each state and removes work.
# shellcheck disable=SC2034 # out, url and token are for the sourcing script
bench_states() { # NAME BASE STATE...
	tag=cvs-$1-$$
	work=$(mktemp -d "$2/$tag.XXXXXX")
	out=$work/measurements
	cgroot=$(bench_cgroup_root)
	bench_state_names=("${@:3}")
	daemon=""
	trap bench_states_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	port=$(bench_free_port)
	url=http://127.0.0.1:$port
	token=$(bench_token 24)
}

# A state's pin root on bpffs, and its cgroup below the cgroup v2 root.
bench_pin() { echo "/sys/fs/bpf/$tag-$1"; }
bench_cgroup() { echo "$cgroot/$tag-$1"; }

bench_states_cleanup() {
	local s
	bench_stop_daemon
	for s in "${bench_state_names[@]}"; do
		# detach the programs and destroy the map set (needs the writer lock, so after the
		# daemon), or at least remove the pin root; then the cgroup
		if [[ -e $(bench_pin "$s") ]]; then
			java -cp "$cp" io.cvs.write.JournalRestartState undo "$(bench_pin "$s")" \
				"$(bench_cgroup "$s")" >>"$work/undo.log" 2>&1 || rm -rf "$(bench_pin "$s")"
		fi
		if [[ -d $(bench_cgroup "$s") ]]; then rmdir "$(bench_cgroup "$s")"; fi
	done
	rm -rf "$work"
}

# ---- RESULTS files ----

# When a run was: 2026-11-29 14:00 UTC.
bench_now() {
	date -u '+%Y-%m-%d %H:%M UTC'
}

# What it ran on: kernel 6.1.0-28-amd64, 2 vCPU (AMD EPYC 7B13), 24 GiB.
bench_machine() {
	echo "kernel $(uname -r), $(nproc) vCPU ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1))," \
		"$(free -g | awk '/^Mem:/ { print $2 }') GiB"
}

# Standard input as a folded block of raw lines under SUMMARY.
bench_details() { # SUMMARY
	echo "<details><summary>$1</summary>"
	echo
	echo '```'
	cat
	echo '```'
	echo
	echo "</details>"
}

# Writes SECTION (a file that starts and ends with its own BEGIN and END marker lines) into RESULTS in place of
# the lines from the one holding BEGIN to the one holding END, keeping the rest of RESULTS. A RESULTS without BEGIN
# is written anew: TITLE, a blank line, SECTION.
bench_write_section() { # RESULTS BEGIN END SECTION TITLE
	local results=$1 begin=$2 end=$3 section=$4 title=$5 merged
	if [[ -f $results ]] && grep -qF -- "$begin" "$results"; then
		merged=$(mktemp)
		awk -v section="$section" -v begin="$begin" -v end="$end" '
			index($0, begin) { while ((getline l < section) > 0) print l; skip = 1; next }
			index($0, end) { skip = 0; next }
			!skip' "$results" >"$merged" && cat "$merged" >"$results"
		rm -f "$merged"
	else
		{ echo "$title"; echo; cat "$section"; } >"$results"
	fi
}
