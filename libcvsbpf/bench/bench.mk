# Included by ../Makefile.
$(BUILD)/bench: bench/bench.c $(BUILD)/libcvsbpf.so
	$(CC) $(filter-out -fvisibility=hidden,$(CFLAGS)) $< -o $@ \
		-L$(BUILD) -lcvsbpf $(LDLIBS) -Wl,-rpath,'$$ORIGIN'

bench: $(BUILD)/bench

# Socket-LB connection rate beside direct, nftables and iptables;
# run through scripts/bench-socklb, which makes its namespaces.
# The cgroup moves are the socket-LB tests' (tests/cgroup_util.c).
$(BUILD)/socklb_bench: bench/socklb_bench.c tests/cgroup_util.c \
		tests/cgroup_util.h $(BUILD)/libcvsbpf.so
	$(CC) $(filter-out -fvisibility=hidden,$(CFLAGS)) -Itests $< \
		tests/cgroup_util.c -o $@ -L$(BUILD) -lcvsbpf $(LDLIBS) \
		-Wl,-rpath,'$$ORIGIN'

.PHONY: socklb-bench
socklb-bench: $(BUILD)/socklb_bench
bench: $(BUILD)/socklb_bench

# The client of scripts/bench-flows: connected UDP sockets held until a
# flow sweep ends them.
$(BUILD)/flows_hold: bench/flows_hold.c | $(BUILD)
	$(CC) $(filter-out -fvisibility=hidden,$(CFLAGS)) $< -o $@

.PHONY: flows-bench
flows-bench: $(BUILD)/flows_hold
bench: $(BUILD)/flows_hold

# Rebuild and flip of one Maglev table (no traffic): p50/p99 of
# cvs_service_upsert_policy for a MAGLEV service of 100 backends.
$(BUILD)/maglev_flip: bench/maglev_flip.c $(BUILD)/libcvsbpf.so
	$(CC) $(filter-out -fvisibility=hidden,$(CFLAGS)) $< -o $@ \
		-L$(BUILD) -lcvsbpf $(LDLIBS) -Wl,-rpath,'$$ORIGIN'

.PHONY: maglev-bench
maglev-bench: $(BUILD)/maglev_flip
bench: $(BUILD)/maglev_flip
