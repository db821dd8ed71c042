package io.cvs.fleet.store;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A watch of the service entries from a revision, on a thread of its own: events reach the listener grouped per
 * revision (one transaction) and in revision order, so a slow listener delays this watch only. What arrives while
 * the listener is busy queues up and reaches it in one call with what it received before: a listener that keeps
 * up gets one call per watch response, one that falls behind catches up in one call per backlog.
 *
 * <p>While etcd is away (the connection lost, no leader, a member killed), the watch starts itself again every
 * 500 ms from the revision after the last one it received, so the listener misses nothing and hears of nothing:
 * an outage shows in the calls that fail meanwhile. It does this itself rather than leave it to jetcd, whose own
 * resume may start after the revision a new watch was created at, before its history arrived. The listener is
 * told once when the watch ends for good: etcd compacted the revision it needs ({@code compacted}), or refused it
 * otherwise (permissions, a revision in the future: {@code broken}). Closing ends it without a word.
 */
final class EtcdWatch implements AutoCloseable {

    private static final long RESTART_MILLIS = 500;
    /** Failures that mean etcd or the way to it is away for now, not that the watch is wrong. */
    private static final Set<ErrorCode> TRANSIENT = Set.of(ErrorCode.UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED,
            ErrorCode.CANCELLED, ErrorCode.UNKNOWN, ErrorCode.INTERNAL, ErrorCode.ABORTED);

    private final Watch watch;
    private final EtcdKeys keys;
    private final WatchListener listener;
    private final ScheduledExecutorService thread;
    /** Guarded by this: the jetcd watch running now, the revision to start the next one at, and whether ended. */
    private Stream current;
    private long next;
    private boolean ended;
    /** Guarded by this: revisions received and not yet taken by a delivery; a delivery is queued when not empty. */
    private List<WatchListener.Revision> pending = new ArrayList<>();

    EtcdWatch(Watch watch, EtcdKeys keys, long fromRevision, WatchListener listener) {
        this.watch = watch;
        this.keys = keys;
        this.listener = listener;
        this.next = Math.max(1, fromRevision);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cvs-fleet-watch");
            t.setDaemon(true);
            return t;
        });
        start();
    }

    private synchronized void start() {
        if (!ended) {
            Stream stream = new Stream();
            current = stream;
            stream.watcher = watch.watch(keys.services(), WatchOption.builder().isPrefix(true).withRevision(next)
                    .build(), stream);
            if (current != stream) {
                // it failed while jetcd was still starting it
                stream.watcher.close();
            }
        }
    }

    @Override
    public void close() {
        Stream stream;
        synchronized (this) {
            ended = true;
            stream = current;
            current = null;
        }
        if (stream != null && stream.watcher != null) {
            stream.watcher.close();
        }
        thread.shutdownNow();
    }

    private synchronized boolean isCurrent(Stream stream) {
        return !ended && current == stream;
    }

    private void received(Stream stream, WatchResponse response) {
        List<Grouped> revisions = new ArrayList<>();
        for (WatchEvent event : response.getEvents()) {
            KeyValue kv = event.getKeyValue();
            long revision = kv.getModRevision();
            if (revisions.isEmpty() || revisions.get(revisions.size() - 1).revision != revision) {
                revisions.add(new Grouped(revision, new ArrayList<>()));
            }
            String id = keys.serviceId(kv.getKey());
            StoredService service = event.getEventType() == WatchEvent.EventType.PUT
                    ? new StoredService(id, kv.getValue().getBytes(), revision, kv.getCreateRevision()) : null;
            revisions.get(revisions.size() - 1).events.add(new WatchListener.Event(id, service));
        }
        synchronized (this) {
            if (!isCurrent(stream)) {
                return;
            }
            if (revisions.isEmpty()) {
                if (response.isProgressNotify()) {
                    // etcd sent every event up to this revision on this stream (FleetStore#requestProgress)
                    long revision = response.getHeader().getRevision();
                    next = Math.max(next, revision + 1);
                    run(() -> progress(revision), 0);
                }
                return;
            }
            next = revisions.get(revisions.size() - 1).revision + 1;
            boolean queued = !pending.isEmpty();
            revisions.forEach(g -> pending.add(new WatchListener.Revision(g.revision, g.events)));
            if (!queued) {
                // A delivery queued before this one has not taken its revisions yet: it takes these too.
                run(this::deliver, 0);
            }
        }
    }

    private void progress(long revision) {
        synchronized (this) {
            if (ended) {
                return;
            }
        }
        listener.progress(revision);
    }

    /** Hands the listener every revision received so far; tasks queued after this one (progress) see them in. */
    private void deliver() {
        List<WatchListener.Revision> revisions;
        synchronized (this) {
            if (ended || pending.isEmpty()) {
                return;
            }
            revisions = pending;
            pending = new ArrayList<>();
        }
        try {
            listener.changed(List.copyOf(revisions));
        } catch (RuntimeException e) {
            end(() -> listener.broken(e));
        }
    }

    private void failed(Stream stream, Throwable error) {
        synchronized (this) {
            if (!isCurrent(stream)) {
                return;
            }
            current = null;
        }
        if (stream.watcher != null) {
            stream.watcher.close();
        }
        if (error instanceof CompactedException compacted) {
            end(() -> listener.compacted(compacted.getCompactedRevision()));
        } else if (passing(error)) {
            run(this::start, RESTART_MILLIS);
        } else {
            end(() -> listener.broken(error));
        }
    }

    private static boolean passing(Throwable error) {
        if (error instanceof EtcdException etcd) {
            return TRANSIENT.contains(etcd.getErrorCode())
                    || String.valueOf(etcd.getMessage()).contains("no leader");
        }
        return true;
    }

    /** Ends the watch: the last task, after the deliveries queued before it. */
    private void end(Runnable last) {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
        }
        run(last, 0);
        thread.shutdown();
    }

    private void run(Runnable task, long delayMillis) {
        try {
            thread.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // closed meanwhile: nothing more to do or tell
        }
    }

    /** One jetcd watch; its callbacks count only while it is the current one. */
    private final class Stream implements Watch.Listener {

        Watch.Watcher watcher;

        @Override
        public void onNext(WatchResponse response) {
            received(this, response);
        }

        @Override
        public void onError(Throwable error) {
            failed(this, error);
        }

        @Override
        public void onCompleted() {
            failed(this, new StoreUnavailableException("etcd ended the watch stream", null));
        }
    }

    private record Grouped(long revision, List<WatchListener.Event> events) {
    }
}
