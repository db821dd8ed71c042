package io.cvs.fleet.store;

import io.cvs.fleet.store.CommitResult.Failure;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One {@link FleetStore#commit} as etcd transactions. etcd's Txn compares keys but has no OR, and a claim may be
 * free or already ours, so a commit reads first and writes second:
 * <ol>
 * <li>a linearizable read of every key the ops involve: each service entry, and each claim an op takes or
 * releases;
 * <li>the ops checked against that read, in order: preconditions (EXISTS, MISSING, STALE) and claims held by
 * another id (CLAIMED) fail the commit there, which is correct since the read was linearizable;
 * <li>one Txn whose If says that nothing read changed (each service key and each claim key at the mod revision
 * read, or still absent) and whose Then writes the entries and the claims taken or released. When the If fails,
 * something changed between read and write: the commit starts over, a bounded number of times.
 * </ol>
 * Every claim key changes only with its holder's service key, so comparing the service keys and the claims read
 * covers everything the plan relied on. What an op releases it names itself ({@link StoreOp}): the claims of the
 * entry at the revision it expects, which the compare of its service key pins; no key lists an id's claims, so a
 * service costs its entry and its two claims, three keys of a transaction's --max-txn-ops.
 *
 * <p>A bulk's commits may skip the read on their first attempt: they are planned from what the bulk read at one
 * revision up front ({@link EtcdPlanFrom}), and the Txn's compares then say whether any key changed since. A
 * compare that fails, or a refusal found in that older reading, sends the commit to the fresh read above: only
 * a linearizable read refuses.
 */
final class EtcdCommit {

    /** Attempts before giving up on keys that change under every attempt. */
    private static final int ATTEMPTS = 16;

    private final KV kv;
    private final EtcdKeys keys;
    private final EtcdSettings settings;

    EtcdCommit(KV kv, EtcdKeys keys, EtcdSettings settings) {
        this.kv = kv;
        this.keys = keys;
        this.settings = settings;
    }

    /** Read at the mod revision and value a plan relies on; a service entry's value is not kept. */
    record Seen(long modRevision, ByteSequence value) {
    }

    CommitResult commit(List<StoreOp> ops) {
        return commit(ops, null);
    }

    /** planFrom: what to plan the first attempt from instead of reading; null to read. */
    CommitResult commit(List<StoreOp> ops, EtcdPlanFrom planFrom) {
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("a commit of no op");
        }
        if (ops.stream().map(StoreOp::id).distinct().count() != ops.size()) {
            throw new IllegalArgumentException("a commit names the same service twice");
        }
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            boolean ahead = attempt == 0 && planFrom != null;
            Plan plan = new Plan();
            Failure failure = plan.make(ops, ahead ? planFrom.keys()::get : read(ops)::get);
            if (failure != null) {
                if (ahead) {
                    // Refused as things were when the bulk started: only a fresh read may refuse.
                    continue;
                }
                return failure;
            }
            plan.checkSize();
            TxnResponse response = EtcdCalls.await(kv.txn().If(plan.compares.toArray(Cmp[]::new))
                    .Then(plan.writes.toArray(Op[]::new)).commit(), settings.callTimeout(), "commit");
            if (response.isSucceeded()) {
                return new CommitResult.Committed(response.getHeader().getRevision());
            }
        }
        throw new StoreUnavailableException("commit: the keys changed under " + ATTEMPTS + " attempts", null);
    }

    /** What the ops involve, read in one linearizable round; absent keys map to null. */
    private Map<ByteSequence, Seen> read(List<StoreOp> ops) {
        Set<ByteSequence> wanted = new LinkedHashSet<>();
        for (StoreOp op : ops) {
            wanted.add(keys.service(op.id()));
            if (op instanceof StoreOp.Put put) {
                put.claims().forEach(c -> wanted.add(keys.claim(c)));
                put.released().forEach(c -> wanted.add(keys.claim(c)));
            } else {
                ((StoreOp.Delete) op).released().forEach(c -> wanted.add(keys.claim(c)));
            }
        }
        return readKeys(wanted);
    }

    private Map<ByteSequence, Seen> readKeys(Set<ByteSequence> wanted) {
        Map<ByteSequence, Seen> read = new HashMap<>();
        List<ByteSequence> all = List.copyOf(wanted);
        for (int from = 0; from < all.size(); from += settings.maxTxnOps()) {
            List<ByteSequence> chunk = all.subList(from, Math.min(all.size(), from + settings.maxTxnOps()));
            TxnResponse response = EtcdCalls.await(kv.txn().Then(chunk.stream()
                    .map(k -> Op.get(k, GetOption.DEFAULT)).toArray(Op[]::new)).commit(),
                    settings.callTimeout(), "commit (read)");
            List<GetResponse> gets = response.getGetResponses();
            for (int i = 0; i < chunk.size(); i++) {
                List<KeyValue> kvs = gets.get(i).getKvs();
                read.put(chunk.get(i), kvs.isEmpty() ? null : seen(kvs.get(0)));
            }
        }
        return read;
    }

    static Seen seen(KeyValue kv) {
        return new Seen(kv.getModRevision(), kv.getValue());
    }

    /** The Txn for ops as read, or the first reason they cannot apply. */
    private final class Plan {

        final List<Cmp> compares = new ArrayList<>();
        final List<Op> writes = new ArrayList<>();

        Failure make(List<StoreOp> ops, Function<ByteSequence, Seen> read) {
            Map<String, String> holders = new LinkedHashMap<>();
            for (StoreOp op : ops) {
                Seen entry = read.apply(keys.service(op.id()));
                long now = entry == null ? 0 : entry.modRevision();
                Failure failure = precondition(op, entry, now);
                if (failure != null) {
                    return failure;
                }
                compares.add(unchanged(keys.service(op.id()), entry));
                if (op instanceof StoreOp.Put put) {
                    for (String claim : put.claims()) {
                        String holder = current(holders, read, claim);
                        if (holder != null && !holder.equals(op.id())) {
                            return new Failure(Failure.Kind.CLAIMED, op.id(), claim, holder, now);
                        }
                        holders.put(claim, op.id());
                    }
                    for (String claim : put.released()) {
                        if (!put.claims().contains(claim)) {
                            release(holders, read, claim, op.id());
                        }
                    }
                    writes.add(Op.put(keys.service(op.id()), ByteSequence.from(put.value()), PutOption.DEFAULT));
                } else {
                    ((StoreOp.Delete) op).released().forEach(claim -> release(holders, read, claim, op.id()));
                    writes.add(Op.delete(keys.service(op.id()), DeleteOption.DEFAULT));
                }
            }
            holders.forEach((claim, holder) -> writeClaim(claim, read.apply(keys.claim(claim)), holder));
            return null;
        }

        private Failure precondition(StoreOp op, Seen entry, long now) {
            StoreOp.Expect expect = op instanceof StoreOp.Put put ? put.expect() : ((StoreOp.Delete) op).expect();
            if (expect instanceof StoreOp.Expect.Absent && entry != null) {
                return new Failure(Failure.Kind.EXISTS, op.id(), null, null, now);
            }
            if (expect instanceof StoreOp.Expect.AtRevision at) {
                if (entry == null) {
                    return new Failure(Failure.Kind.MISSING, op.id(), null, null, 0);
                }
                if (now != at.modRevision()) {
                    return new Failure(Failure.Kind.STALE, op.id(), null, null, now);
                }
            }
            return null;
        }

        private void release(Map<String, String> holders, Function<ByteSequence, Seen> read, String claim,
                String id) {
            if (id.equals(current(holders, read, claim))) {
                holders.put(claim, null);
            }
        }

        /** The claim's holder as the ops before left it (null: free), or as read. */
        private String current(Map<String, String> holders, Function<ByteSequence, Seen> read, String claim) {
            return holders.containsKey(claim) ? holders.get(claim) : holder(read.apply(keys.claim(claim)));
        }

        /** Compares the claim as read, and writes it when its holder changes. */
        private void writeClaim(String claim, Seen before, String holder) {
            ByteSequence key = keys.claim(claim);
            compares.add(unchanged(key, before));
            String was = holder(before);
            if (holder == null && was != null) {
                writes.add(Op.delete(key, DeleteOption.DEFAULT));
            } else if (holder != null && !holder.equals(was)) {
                writes.add(Op.put(key, EtcdKeys.bytes(holder), PutOption.DEFAULT));
            }
        }

        void checkSize() {
            int largest = Math.max(compares.size(), writes.size());
            if (largest > settings.maxTxnOps()) {
                throw new IllegalArgumentException("the commit needs " + largest + " keys in one etcd transaction, "
                        + "more than --max-txn-ops " + settings.maxTxnOps() + ": commit fewer ops at once");
            }
        }
    }

    private static Cmp unchanged(ByteSequence key, Seen before) {
        return before == null ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0))
                : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(before.modRevision()));
    }

    private static String holder(Seen claim) {
        return claim == null ? null : claim.value().toString(StandardCharsets.UTF_8);
    }
}
