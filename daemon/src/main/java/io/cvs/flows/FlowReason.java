package io.cvs.flows;

import io.cvs.datapath.Flows;
import io.cvs.service.BackendKey;
import io.cvs.service.DownBackends;
import io.cvs.service.Service;
import io.cvs.service.ServiceTable;
import java.util.Locale;

/**
 * Why a backend's flows were ended: the {@code reason} label of {@code cvs_flows_terminated_total}. Told from the
 * desired state when the sweep ran, since the sweep itself only knows that a flow was stale.
 */
public enum FlowReason {
    /** The backend left its service's configuration. */
    REMOVED,
    /** The backend is still configured but its health check took it out. */
    DOWN,
    /** The whole service is gone (or its address passed to another service). */
    SERVICE_DELETED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The reason for what a sweep ended, judged against the desired state and health at that time. */
    static FlowReason of(Flows.Ended ended, ServiceTable desired, DownBackends down) {
        Service service = desired.byKey().get(ended.service());
        if (service == null) {
            return SERVICE_DELETED;
        }
        BackendKey backend = new BackendKey(ended.backend().address(), ended.backend().port());
        if (service.backend(backend).isPresent() && down.isDown(service.id(), backend)) {
            return DOWN;
        }
        return REMOVED;
    }
}
