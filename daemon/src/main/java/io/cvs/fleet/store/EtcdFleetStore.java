package io.cvs.fleet.store;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * {@link FleetStore} on etcd v3 through jetcd; the key layout is {@link EtcdKeys}'s, a commit
 * {@link EtcdCommit}'s, a watch {@link EtcdWatch}'s. Every call waits at most the settings' call timeout and then
 * throws {@link StoreUnavailableException}; jetcd itself keeps reconnecting underneath, to whichever endpoint
 * answers.
 */
public final class EtcdFleetStore implements FleetStore {

    /** Keys one snapshot page reads; far below etcd's and gRPC's message limits for entries of a few KiB. */
    private static final int PAGE = 500;
    /** Keys one page of claims reads: their values are ids. */
    private static final int CLAIM_PAGE = 5_000;
    /** Snapshots started over when compaction overtook their revision between pages. */
    private static final int SNAPSHOT_ATTEMPTS = 4;

    private final EtcdSettings settings;
    private final EtcdKeys keys;
    private final Client client;
    private final EtcdCommit commits;
    private final HostLease lease;

    public EtcdFleetStore(EtcdSettings settings) {
        this.settings = settings;
        this.keys = new EtcdKeys(settings.prefix());
        this.client = EtcdClients.build(settings);
        this.commits = new EtcdCommit(client.getKVClient(), keys, settings);
        this.lease = new HostLease(client.getLeaseClient(), settings.callTimeout());
    }

    @Override
    public Snapshot snapshot() {
        for (int attempt = 1; ; attempt++) {
            try {
                return readSnapshot();
            } catch (StoreUnavailableException e) {
                if (attempt == SNAPSHOT_ATTEMPTS || e.getCause() == null || !EtcdCalls.compacted(e.getCause())) {
                    throw e;
                }
            }
        }
    }

    /** Pages through services/ in key order, every page after the first at the first page's revision. */
    private Snapshot readSnapshot() {
        List<StoredService> services = new ArrayList<>();
        ByteSequence end = EtcdKeys.prefixEnd(keys.services());
        ByteSequence from = keys.services();
        long revision = 0;
        while (true) {
            GetOption.Builder option = GetOption.builder().withRange(end).withLimit(PAGE)
                    .withSortField(GetOption.SortTarget.KEY).withSortOrder(GetOption.SortOrder.ASCEND);
            if (revision != 0) {
                option.withRevision(revision);
            }
            GetResponse page = EtcdCalls.await(client.getKVClient().get(from, option.build()), settings.callTimeout(),
                    "snapshot");
            if (revision == 0) {
                revision = page.getHeader().getRevision();
            }
            for (KeyValue kv : page.getKvs()) {
                services.add(service(kv));
            }
            if (!page.isMore() || page.getKvs().isEmpty()) {
                return new Snapshot(revision, services);
            }
            from = EtcdKeys.after(page.getKvs().get(page.getKvs().size() - 1).getKey());
        }
    }

    @Override
    public StoredService get(String id) {
        GetResponse response = EtcdCalls.await(client.getKVClient().get(keys.service(id)), settings.callTimeout(),
                "get");
        return response.getKvs().isEmpty() ? null : service(response.getKvs().get(0));
    }

    @Override
    public CommitResult commit(List<StoreOp> ops) {
        return commits.commit(ops);
    }

    @Override
    public CommitResult commit(List<StoreOp> ops, PlanFrom planFrom) {
        return commits.commit(ops, planFrom instanceof EtcdPlanFrom etcd ? etcd : null);
    }

    /** The snapshot's entries' revisions, and claims/ paged through at the snapshot's revision. */
    @Override
    public PlanFrom planFrom(Snapshot snapshot) {
        Map<ByteSequence, EtcdCommit.Seen> read = new HashMap<>();
        ByteSequence none = ByteSequence.EMPTY;
        snapshot.services().forEach(s -> read.put(keys.service(s.id()), new EtcdCommit.Seen(s.modRevision(), none)));
        try {
            readAt(keys.claims(), snapshot.revision(), kv -> read.put(kv.getKey(), EtcdCommit.seen(kv)));
        } catch (StoreUnavailableException e) {
            if (e.getCause() != null && EtcdCalls.compacted(e.getCause())) {
                return null;
            }
            throw e;
        }
        return new EtcdPlanFrom(snapshot.revision(), read);
    }

    /** Every key under prefix at revision, in pages of small values (claims). */
    private void readAt(ByteSequence prefix, long revision, Consumer<KeyValue> each) {
        ByteSequence end = EtcdKeys.prefixEnd(prefix);
        ByteSequence from = prefix;
        while (true) {
            GetResponse page = EtcdCalls.await(client.getKVClient().get(from, GetOption.builder().withRange(end)
                    .withLimit(CLAIM_PAGE).withRevision(revision).withSortField(GetOption.SortTarget.KEY)
                    .withSortOrder(GetOption.SortOrder.ASCEND).build()), settings.callTimeout(), "claims");
            page.getKvs().forEach(each);
            if (!page.isMore() || page.getKvs().isEmpty()) {
                return;
            }
            from = EtcdKeys.after(page.getKvs().get(page.getKvs().size() - 1).getKey());
        }
    }

    /** etcd's limit of keys per transaction: an op's keys are compared and written at most once each. */
    @Override
    public int maxKeysPerCommit() {
        return settings.maxTxnOps();
    }

    @Override
    public AutoCloseable watch(long fromRevision, WatchListener listener) {
        return new EtcdWatch(client.getWatchClient(), keys, fromRevision, listener);
    }

    @Override
    public void requestProgress() {
        try {
            client.getWatchClient().requestProgress();
        } catch (RuntimeException e) {
            // Progress is a hint: the next request asks again.
        }
    }

    @Override
    public long report(HostReport report) {
        ByteSequence value = ByteSequence.from(HostReportJson.encode(report));
        long id = lease.id(report.ttl());
        try {
            return EtcdCalls.await(client.getKVClient().put(keys.host(report.hostId()), value,
                    PutOption.builder().withLeaseId(id).build()), settings.callTimeout(), "report")
                    .getHeader().getRevision();
        } catch (StoreUnavailableException e) {
            if (!String.valueOf(e.getMessage()).contains("lease not found")) {
                throw e;
            }
            lease.lost(id);
            return EtcdCalls.await(client.getKVClient().put(keys.host(report.hostId()), value,
                    PutOption.builder().withLeaseId(lease.id(report.ttl())).build()), settings.callTimeout(),
                    "report").getHeader().getRevision();
        }
    }

    @Override
    public List<HostReport> hosts() {
        GetResponse response = EtcdCalls.await(client.getKVClient().get(keys.hosts(),
                GetOption.builder().isPrefix(true).build()), settings.callTimeout(), "hosts");
        return response.getKvs().stream().map(kv -> HostReportJson.decode(kv.getValue().getBytes())).toList();
    }

    @Override
    public StoreStatus status() {
        List<Member> members = EtcdCalls.await(client.getClusterClient().listMember(), settings.callTimeout(),
                "status (members)").getMembers();
        List<String> urls = members.stream().map(m -> m.getClientURIs().isEmpty() ? ""
                : m.getClientURIs().get(0).toString()).toList();
        // asked all at once, so that members that do not answer cost one timeout, not one each
        List<CompletableFuture<StatusResponse>> calls = urls.stream()
                .map(url -> client.getMaintenanceClient().statusMember(url)).toList();
        long revision = 0;
        List<StoreStatus.Member> health = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            Member member = members.get(i);
            String url = urls.get(i);
            try {
                StatusResponse status = EtcdCalls.await(calls.get(i), settings.callTimeout(),
                        "status of " + member.getName());
                revision = Math.max(revision, status.getHeader().getRevision());
                health.add(new StoreStatus.Member(member.getName(), url, true,
                        status.getLeader() == member.getId(), null));
            } catch (StoreUnavailableException | IllegalArgumentException e) {
                health.add(new StoreStatus.Member(member.getName(), url, false, false, e.getMessage()));
            }
        }
        return new StoreStatus(revision, health);
    }

    @Override
    public void close() {
        lease.close();
        client.close();
    }

    private StoredService service(KeyValue kv) {
        return new StoredService(keys.serviceId(kv.getKey()), kv.getValue().getBytes(), kv.getModRevision(),
                kv.getCreateRevision());
    }
}
