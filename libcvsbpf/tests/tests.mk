# Included by ../Makefile, run from libcvsbpf/: `make test` builds every C test
# (cmocka) into $(BUILD)/tests and runs them all. Needs root, bpffs at
# /sys/fs/bpf, libbpf-dev and libcmocka-dev; the socket-LB tests (test_socklb,
# test_socklb6, test_affinity, test_flows, test_grow, test_repin) also need network
# namespaces (iproute2) and cgroup v2. Each binary exits non-zero when one of
# its tests fails; `make test` fails if any binary failed or if a test pin
# root (/sys/fs/bpf/cvs-test-c-*), a sandbox network namespace (cvst<pid>*)
# or a sandbox cgroup (cvs-test-c-*) was left behind.
#   make test TESTS="test_open test_flip"   a subset
#   CVS_TEST_VERBOSE=1 make test             echo the library's log to stderr
#   CMOCKA_MESSAGE_OUTPUT=TAP make test      TAP instead of cmocka's own output
#   CVS_TEST_TIMEOUT=300 make test           per-test watchdog, seconds (120)
TESTS      ?= test_abi test_open test_pins test_errors test_service test_drift \
	      test_flip test_socklb test_socklb6 test_module test_grow test_bulk \
	      test_v6 test_flows test_policy test_affinity test_owner test_repin
TEST_OUT   ?= $(BUILD)/tests
TEST_BINS  := $(addprefix $(TEST_OUT)/,$(TESTS))
TEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -Iinclude
TEST_LDLIBS := -L$(BUILD) -lcvsbpf -lbpf -lcmocka -lpthread \
	-Wl,-rpath,'$$ORIGIN/..' -Wl,-rpath,$(abspath $(BUILD))

$(TEST_OUT):
	@test -f /usr/include/cmocka.h || \
		{ echo "cmocka missing: apt-get install -y libcmocka-dev"; exit 1; }
	mkdir -p $@

$(TEST_OUT)/test_%: tests/test_%.c tests/test_util.c tests/test_util.h \
		$(wildcard include/*.h) $(BUILD)/libcvsbpf.so | $(TEST_OUT)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/test_util.c $(TEST_LDLIBS)

# The socket-LB tests also build their network and cgroup: tests/sandbox.c.
SANDBOX_DEPS := tests/sandbox.c tests/sandbox.h tests/cgroup_util.c \
	tests/cgroup_util.h tests/test_util.c tests/test_util.h \
	$(wildcard include/*.h) $(BUILD)/libcvsbpf.so
$(TEST_OUT)/test_socklb: tests/test_socklb.c $(SANDBOX_DEPS) | $(TEST_OUT)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/sandbox.c tests/cgroup_util.c \
		tests/test_util.c $(TEST_LDLIBS)
$(TEST_OUT)/test_socklb6: tests/test_socklb6.c $(SANDBOX_DEPS) | $(TEST_OUT)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/sandbox.c tests/cgroup_util.c \
		tests/test_util.c $(TEST_LDLIBS)
$(TEST_OUT)/test_flows: tests/test_flows.c $(SANDBOX_DEPS) | $(TEST_OUT)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/sandbox.c tests/cgroup_util.c \
		tests/test_util.c $(TEST_LDLIBS)

# Growing by migration runs real traffic too: the same sandbox.
$(TEST_OUT)/test_grow: tests/test_grow.c tests/sandbox.c tests/sandbox.h \
		tests/cgroup_util.c tests/cgroup_util.h \
		tests/test_util.c tests/test_util.h $(wildcard include/*.h) \
		$(BUILD)/libcvsbpf.so | $(TEST_OUT)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/sandbox.c tests/cgroup_util.c \
		tests/test_util.c $(TEST_LDLIBS)

test: $(TEST_BINS)
	@failed=""; \
	for t in $(TEST_BINS); do \
		echo "== $${t##*/}"; \
		$$t || failed="$$failed $${t##*/}"; \
		case $${t##*/} in test_flows) \
			echo "== test_flows over sock_diag (as before Linux 6.5)"; \
			CVS_FLOWS_MECHANISM=netlink $$t || \
				failed="$$failed test_flows(netlink)";; \
		esac; \
	done; \
	left=$$(ls /sys/fs/bpf | grep '^cvs-test-c-' || true); \
	if [ -n "$$left" ]; then \
		echo "pin roots left in /sys/fs/bpf: $$left"; \
		failed="$$failed (left-over pins)"; \
	fi; \
	left=$$(ip netns list 2>/dev/null | grep -o '^cvst[0-9][0-9a-z]*' || true); \
	if [ -n "$$left" ]; then \
		echo "network namespaces left:" $$left; \
		failed="$$failed (left-over namespaces)"; \
	fi; \
	left=$$(ls /sys/fs/cgroup /sys/fs/cgroup/unified 2>/dev/null | \
		grep '^cvs-test-c-' || true); \
	if [ -n "$$left" ]; then \
		echo "cgroups left:" $$left; \
		failed="$$failed (left-over cgroups)"; \
	fi; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi; \
	echo "all C tests passed"
$(TEST_OUT)/test_repin: tests/test_repin.c $(SANDBOX_DEPS) | $(TEST_OUT)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/sandbox.c tests/cgroup_util.c \
		tests/test_util.c $(TEST_LDLIBS)
$(TEST_OUT)/test_affinity: tests/test_affinity.c $(SANDBOX_DEPS) | $(TEST_OUT)
	$(CC) $(TEST_CFLAGS) -o $@ $< tests/sandbox.c tests/cgroup_util.c \
		tests/test_util.c $(TEST_LDLIBS)
