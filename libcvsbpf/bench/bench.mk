# Included by ../Makefile.
$(BUILD)/bench: bench/bench.c $(BUILD)/libcvsbpf.so
	$(CC) $(filter-out -fvisibility=hidden,$(CFLAGS)) $< -o $@ \
		-L$(BUILD) -lcvsbpf $(LDLIBS) -Wl,-rpath,'$$ORIGIN'

bench: $(BUILD)/bench
