package io.cvs.datapath;

import io.cvs.address.IpAddresses;
import io.cvs.system.ProblemType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A datapath call refused or failed; the datapath is as it was before the call. Rendered as the problem its
 * {@link Reason} names (openapi.yaml, schema {@code Problem}); a capacity problem carries {@code resource},
 * {@code used}, {@code max} and, for 507, {@code requested}.
 */
public final class DatapathException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    /** Why, with the kind of problem that says it over HTTP. */
    public enum Reason {
        /** More backends than one service may have: 409 too-many-backends. */
        TOO_MANY_BACKENDS(ProblemType.TOO_MANY_BACKENDS),
        /** A resize to a capacity that cannot hold what is configured: 409 capacity-too-small. */
        CAPACITY_TOO_SMALL(ProblemType.CAPACITY_TOO_SMALL),
        /** No free service or backend id left in the maps: 507 capacity-exhausted. */
        CAPACITY_EXHAUSTED(ProblemType.CAPACITY_EXHAUSTED),
        /** A service no datapath can hold (an address or port 0, a weight above 65535, a backend twice); the
         *  API's validation should have refused it, so over HTTP it is a 500. */
        INVALID(ProblemType.INTERNAL),
        /** A pick for a service none of whose backends can take a connection now (ECONNREFUSED): 409. */
        NO_USABLE_BACKEND(ProblemType.NO_USABLE_BACKEND),
        /** Anything else: the maps or the host misbehave. 500. */
        FAILED(ProblemType.INTERNAL);

        private final ProblemType problem;

        Reason(ProblemType problem) {
            this.problem = problem;
        }
    }

    /** The capacity that ran out, as the problem's {@code resource} names it. */
    public enum Resource {
        SERVICES("services", "max-services"),
        BACKENDS("backends", "max-backends"),
        BACKENDS_PER_SERVICE("backendsPerService", "max-backends-per-service"),
        /** Maglev regions: MAGLEV services at once. */
        MAGLEV_TABLES("maglevTables", "max-maglev-tables"),
        /** The largest Maglev table size the map set has room for. */
        MAGLEV_SLOTS("maglevSlots", "max-maglev-slots");

        private final String name;
        /** The cvs.bpf.growth property that is its ceiling. */
        private final String setting;

        Resource(String name, String setting) {
            this.name = name;
            this.setting = setting;
        }
    }

    private final Reason reason;

    public DatapathException(Reason reason, String detail) {
        this(reason, reason.problem.problem(detail), null);
    }

    public DatapathException(Reason reason, String detail, Throwable cause) {
        this(reason, reason.problem.problem(detail), cause);
    }

    private DatapathException(Reason reason, ProblemDetail problem, Throwable cause) {
        super(reason.problem.status(), problem, cause);
        this.reason = reason;
    }

    /** A service would have more backends than max. */
    /** A backend of the other family than its service's VIP: the API refuses it first, so this is a bug guard. */
    public static DatapathException otherFamily(ServiceKey key, Backend backend) {
        return new DatapathException(Reason.INVALID, "backend " + backend + " is " + IpAddresses.family(
                backend.address()) + ", service " + key + " is " + IpAddresses.family(key.vip())
                + ": a service has one address family");
    }

    public static DatapathException tooManyBackends(int wouldHave, int max) {
        ProblemDetail problem = ProblemType.TOO_MANY_BACKENDS.problem(
                "A service may have at most " + max + " backends; this one would have " + wouldHave + ".");
        setCapacity(problem, Resource.BACKENDS_PER_SERVICE, wouldHave, max);
        return new DatapathException(Reason.TOO_MANY_BACKENDS, problem, null);
    }

    /** The change needs requested more of resource, of which used of max are taken. */
    public static DatapathException noRoom(Resource resource, long used, long max, long requested) {
        ProblemDetail problem = ProblemType.CAPACITY_EXHAUSTED.problem("The map set holds " + max + " "
                + resource.name + ", " + used + " are in use, the change needs " + requested + " more.");
        setCapacity(problem, resource, used, max);
        problem.setProperty("requested", requested);
        return new DatapathException(Reason.CAPACITY_EXHAUSTED, problem, null);
    }

    /**
     * A whole change needs room for {@code needed} of resource at once (it holds {@code used} now) and the most the
     * maps may hold is limit: their capacity, or with automatic growth the ceiling it grows to (cvs.bpf.growth).
     * {@code requested} is what the change adds beyond {@code used}, counted over the whole change rather than at
     * the step that ran out.
     */
    public static DatapathException noRoom(Resource resource, long used, long needed, long capacity, long limit,
            boolean grows) {
        String holds = grows ? "the map set holds " + capacity + " and grows automatically up to " + limit
                + " (cvs.bpf.growth." + resource.setting + ")" : "the map set holds " + limit;
        ProblemDetail problem = ProblemType.CAPACITY_EXHAUSTED.problem("The change needs room for " + needed + " "
                + resource.name + " at once (" + used + " in use, " + (needed - used) + " more); " + holds + ".");
        setCapacity(problem, resource, used, limit);
        problem.setProperty("requested", needed - used);
        return new DatapathException(Reason.CAPACITY_EXHAUSTED, problem, null);
    }

    /**
     * A Maglev table of size that maps whose Maglev slots are capacity cannot hold, and growth cannot make room for
     * (limit: the most it grows them to, cvs.bpf.growth.max-maglev-slots).
     */
    public static DatapathException tableTooLarge(long size, long capacity, long limit, boolean grows) {
        String holds = grows ? "the map set has room for " + capacity + " and grows automatically up to " + limit
                + " (cvs.bpf.growth.max-maglev-slots)" : "the map set has room for " + limit;
        ProblemDetail problem = ProblemType.CAPACITY_EXHAUSTED.problem("The change needs a Maglev table of " + size
                + " slots; " + holds + ". Ask for a larger capacity (PUT /api/v1/datapath/capacity, maglevSlots) or a "
                + "smaller table.");
        setCapacity(problem, Resource.MAGLEV_SLOTS, capacity, limit);
        problem.setProperty("requested", size);
        return new DatapathException(Reason.CAPACITY_EXHAUSTED, problem, null);
    }

    /** A resize to a capacity whose resource max is below the used that the desired state holds. */
    public static DatapathException tooSmall(Resource resource, long used, long max) {
        ProblemDetail problem = ProblemType.CAPACITY_TOO_SMALL.problem("The desired state holds " + used + " "
                + resource.name + (resource == Resource.BACKENDS_PER_SERVICE ? " in its largest service" : "")
                + "; a capacity of " + max + " cannot hold them. Remove some first, or ask for more.");
        setCapacity(problem, resource, used, max);
        return new DatapathException(Reason.CAPACITY_TOO_SMALL, problem, null);
    }

    /** A pick of a service that has no usable backend now: every one drained, down or none configured. */
    public static DatapathException noUsableBackend(ServiceKey key) {
        return new DatapathException(Reason.NO_USABLE_BACKEND, "Service " + key + " has no backend that can take "
                + "a connection now (none configured, or all drained or down): a client would be refused.");
    }

    public Reason reason() {
        return reason;
    }

    private static void setCapacity(ProblemDetail problem, Resource resource, long used, long max) {
        problem.setProperty("resource", resource.name);
        problem.setProperty("used", used);
        problem.setProperty("max", max);
    }
}
