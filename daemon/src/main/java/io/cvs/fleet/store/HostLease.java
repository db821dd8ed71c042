package io.cvs.fleet.store;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.support.CloseableClient;
import io.grpc.stub.StreamObserver;
import java.time.Duration;

/**
 * This host's lease for its report. Granted on the first report, kept alive by jetcd's keep-alive stream while
 * this process runs, and granted anew when it was lost: the keep-alive stream ended or failed (the lease expired
 * while the host was cut off longer than its ttl, or etcd lost it), or a put names a lease etcd no longer knows.
 * Closing stops the keep-alive without revoking: the report stays until the ttl runs out, as for a host that died.
 */
final class HostLease {

    private final Lease leases;
    private final Duration callTimeout;
    private long id;
    private long ttlSeconds;
    private CloseableClient keepAlive;

    HostLease(Lease leases, Duration callTimeout) {
        this.leases = leases;
        this.callTimeout = callTimeout;
    }

    /** The lease to put the report under: the current one, or a new one when there is none or its ttl changed. */
    synchronized long id(Duration ttl) {
        long seconds = Math.max(1, ttl.toSeconds());
        if (id != 0 && seconds == ttlSeconds) {
            return id;
        }
        lost();
        long granted = EtcdCalls.await(leases.grant(seconds), callTimeout, "report (lease)").getID();
        id = granted;
        ttlSeconds = seconds;
        keepAlive = leases.keepAlive(granted, new KeepAlive(granted));
        return granted;
    }

    /** Forgets the lease (etcd refused it, or its keep-alive ended): the next report grants a new one. */
    synchronized void lost() {
        if (keepAlive != null) {
            keepAlive.close();
        }
        keepAlive = null;
        id = 0;
    }

    /** Forgets lease if it is still the current one; a keep-alive ending for an older lease changes nothing. */
    synchronized void lost(long lease) {
        if (lease == id) {
            lost();
        }
    }

    synchronized void close() {
        lost();
    }

    /** One lease's keep-alive stream: its end means the lease is gone or no longer kept. */
    private final class KeepAlive implements StreamObserver<LeaseKeepAliveResponse> {

        private final long lease;

        KeepAlive(long lease) {
            this.lease = lease;
        }

        @Override
        public void onNext(LeaseKeepAliveResponse response) {
            if (response.getTTL() <= 0) {
                lost(lease);
            }
        }

        @Override
        public void onError(Throwable error) {
            lost(lease);
        }

        @Override
        public void onCompleted() {
            lost(lease);
        }
    }
}
