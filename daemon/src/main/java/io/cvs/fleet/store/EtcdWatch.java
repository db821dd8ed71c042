package io.cvs.fleet.store;

import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A watch of the service entries from a revision. jetcd resumes a watch by itself across lost connections and
 * leader changes (from the revision after the last one delivered), so the listener hears of an outage only
 * through the calls that fail meanwhile; it is told once when the watch ends for good: compacted past the revision
 * it needs, or another error jetcd gives up on. Events reach the listener on this watch's own thread, grouped per
 * revision (one transaction) and in revision order, so a slow listener delays this watch only; closing ends the
 * watch without a word to the listener.
 */
final class EtcdWatch implements AutoCloseable, Watch.Listener {

    private final EtcdKeys keys;
    private final WatchListener listener;
    private final ExecutorService thread;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Watch.Watcher watcher;

    EtcdWatch(Watch watch, EtcdKeys keys, long fromRevision, WatchListener listener) {
        this.keys = keys;
        this.listener = listener;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cvs-fleet-watch");
            t.setDaemon(true);
            return t;
        });
        this.watcher = watch.watch(keys.services(), WatchOption.builder().isPrefix(true)
                .withRevision(Math.max(1, fromRevision)).build(), this);
    }

    @Override
    public void onNext(WatchResponse response) {
        List<WatchEvent> events = response.getEvents();
        if (events.isEmpty()) {
            if (response.isProgressNotify() && !ended.get()) {
                long revision = response.getHeader().getRevision();
                try {
                    thread.execute(() -> progress(revision));
                } catch (RejectedExecutionException alreadyClosed) {
                    // closed meanwhile: nobody listens
                }
            }
            return;
        }
        List<Grouped> revisions = new ArrayList<>();
        for (WatchEvent event : events) {
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
        if (!ended.get()) {
            thread.execute(() -> deliver(revisions));
        }
    }

    private void progress(long revision) {
        if (!closed.get()) {
            listener.progress(revision);
        }
    }

    private void deliver(List<Grouped> revisions) {
        try {
            for (Grouped g : revisions) {
                if (closed.get()) {
                    return;
                }
                listener.changed(g.revision, List.copyOf(g.events));
            }
        } catch (RuntimeException e) {
            onError(e);
        }
    }

    @Override
    public void onError(Throwable error) {
        if (ended.compareAndSet(false, true)) {
            watcher.close();
            if (error instanceof CompactedException compacted) {
                finish(() -> listener.compacted(compacted.getCompactedRevision()));
            } else {
                finish(() -> listener.broken(error));
            }
        }
    }

    @Override
    public void onCompleted() {
        onError(new StoreUnavailableException("the etcd watch completed", null));
    }

    @Override
    public void close() {
        closed.set(true);
        ended.set(true);
        watcher.close();
        thread.shutdownNow();
    }

    /** The last task: runs after the events queued before it, then the thread ends. */
    private void finish(Runnable task) {
        try {
            thread.execute(() -> {
                if (!closed.get()) {
                    task.run();
                }
            });
            thread.shutdown();
        } catch (RejectedExecutionException alreadyClosed) {
            // closed meanwhile: nothing to tell
        }
    }

    private record Grouped(long revision, List<WatchListener.Event> events) {
    }
}
