package io.cvs.write;

import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * The changes the API makes to the desired state. On a single host {@link ServiceRegistry} makes them itself; in
 * fleet mode the fleet's writer commits them to the shared store, and they reach this host's registry the way
 * they reach every other host's. Both answer with the same problems (400, 404, 409, 412) for the same mistakes.
 */
public interface ServiceWrites {

    Service create(ServiceConfig config);

    /**
     * Changes one service in the order of the contract: 404, the precondition, then the edit (which may refuse
     * with its own 400, 409 or 412), conflicts and room; a refused backend address is named by backendField of
     * its index. An edit that changes nothing keeps the version.
     */
    ServiceRegistry.Updated update(String id, Precondition precondition, Function<Service, ServiceConfig> edit,
            IntFunction<String> backendField);

    /** {@link #update(String, Precondition, Function, IntFunction)} naming a backend {@code backends[i].address}. */
    default ServiceRegistry.Updated update(String id, Precondition precondition,
            Function<Service, ServiceConfig> edit) {
        return update(id, precondition, edit, i -> "backends[" + i + "].address");
    }

    void delete(String id, Precondition precondition);

    /** Makes the desired state exactly these services, matched by name (see {@link DesiredStatePlan}). */
    ApplyResult replaceAll(List<ServiceConfig> desired, boolean dryRun);
}
