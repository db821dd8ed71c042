package io.cvs.fleet;

import io.cvs.fleet.store.CommitResult;
import io.cvs.fleet.store.FleetStore;
import io.cvs.fleet.store.PlanFrom;
import io.cvs.fleet.store.StoreOp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Commits a bulk's ops as store transactions of at most {@link FleetStore#maxKeysPerCommit()} keys (as many ops in
 * order as fit: 42 creates at etcd's default of 128, fewer updates that move claims), phase after phase, the chunks of one concurrent phase at most {@code concurrency} at a time. Why concurrently: each
 * transaction costs etcd a round trip and an fsync, and etcd batches the transactions that arrive together into
 * shared fsyncs, so 2,500 chunks one after another take seconds that concurrent ones do not. A concurrent phase's
 * chunks must not depend on each other (distinct ids, no claim one releases and another takes); a phase that is
 * not concurrent commits its chunks in order. Phases keep their order: a later one may take what an earlier one
 * released.
 *
 * <p>On the first refused chunk, or the first that failed (the store unavailable, a request etcd rejects), no
 * further chunk is issued; the chunks in flight are waited for, and the first refusal or failure is the outcome.
 * What committed stays committed: a bulk is atomic per transaction only.
 */
final class BulkCommits {

    /** One phase of a bulk; concurrent: its chunks are independent of each other. */
    record Phase(List<StoreOp> ops, boolean concurrent) {
    }

    /** How a bulk ended: every chunk committed (last: the highest revision, 0 for none), or refused. */
    sealed interface Outcome {
        record Committed(long lastRevision) implements Outcome {
        }

        record Refused(CommitResult.Failure failure) implements Outcome {
        }
    }

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final FleetStore store;
    private final int concurrency;

    BulkCommits(FleetStore store, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("bulk concurrency below 1: " + concurrency);
        }
        this.store = store;
        this.concurrency = concurrency;
    }

    /**
     * Commits the phases, each transaction planned first from planFrom (null: from a read of its own; see
     * {@link FleetStore#commit(List, PlanFrom)}). Throws what a chunk's commit threw (e.g.
     * StoreUnavailableException), once the chunks in flight ended.
     */
    Outcome commit(PlanFrom planFrom, List<Phase> phases) {
        int size = store.maxKeysPerCommit();
        List<List<List<StoreOp>>> chunked = phases.stream().map(p -> chunks(p.ops(), size)).toList();
        int largest = IntStream.range(0, phases.size()).filter(i -> phases.get(i).concurrent())
                .map(i -> chunked.get(i).size()).max().orElse(1);
        int threads = Math.max(1, Math.min(concurrency, largest));
        ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "cvs-fleet-bulk-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            long last = 0;
            for (int i = 0; i < phases.size(); i++) {
                PhaseResult result = commit(pool, planFrom, chunked.get(i), phases.get(i).concurrent() ? threads : 1);
                if (result.refused() != null) {
                    return new Outcome.Refused(result.refused());
                }
                last = Math.max(last, result.lastRevision());
            }
            return new Outcome.Committed(last);
        } finally {
            pool.shutdownNow();
        }
    }

    private record PhaseResult(long lastRevision, CommitResult.Failure refused) {
    }

    private PhaseResult commit(ExecutorService pool, PlanFrom planFrom, List<List<StoreOp>> chunks, int parallel) {
        CompletionService<CommitResult> done = new ExecutorCompletionService<>(pool);
        int next = 0;
        int inFlight = 0;
        long last = 0;
        CommitResult.Failure refused = null;
        RuntimeException failed = null;
        while (inFlight > 0 || (refused == null && failed == null && next < chunks.size())) {
            while (refused == null && failed == null && next < chunks.size() && inFlight < parallel) {
                List<StoreOp> chunk = chunks.get(next++);
                done.submit(() -> store.commit(chunk, planFrom));
                inFlight++;
            }
            CommitResult result;
            try {
                result = done.take().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while committing a bulk", e);
            } catch (ExecutionException e) {
                inFlight--;
                if (failed == null && refused == null) {
                    failed = e.getCause() instanceof RuntimeException runtime ? runtime
                            : new IllegalStateException(e.getCause());
                }
                continue;
            }
            inFlight--;
            if (result instanceof CommitResult.Committed committed) {
                last = Math.max(last, committed.revision());
            } else if (refused == null && failed == null) {
                refused = (CommitResult.Failure) result;
            }
        }
        if (failed != null) {
            throw failed;
        }
        return new PhaseResult(last, refused);
    }

    /** The ops in order, cut where the next op's keys would take a transaction past keys. */
    static List<List<StoreOp>> chunks(List<StoreOp> ops, int keys) {
        List<List<StoreOp>> chunks = new ArrayList<>();
        int from = 0;
        int taken = 0;
        for (int i = 0; i < ops.size(); i++) {
            int needs = ops.get(i).keys();
            if (needs > keys) {
                throw new IllegalArgumentException("an op of " + needs + " keys, more than a transaction's " + keys);
            }
            if (taken + needs > keys) {
                chunks.add(ops.subList(from, i));
                from = i;
                taken = 0;
            }
            taken += needs;
        }
        if (from < ops.size()) {
            chunks.add(ops.subList(from, ops.size()));
        }
        return chunks;
    }
}
