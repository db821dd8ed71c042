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
        /** Anything else: the maps or the host misbehave. 500. */
        FAILED(ProblemType.INTERNAL);

        private final ProblemType problem;

        Reason(ProblemType problem) {
            this.problem = problem;
        }
    }

    /** The capacity that ran out, as the problem's {@code resource} names it. */
    public enum Resource {
        SERVICES("services"),
        BACKENDS("backends"),
        BACKENDS_PER_SERVICE("backendsPerService");

        private final String name;

        Resource(String name) {
            this.name = name;
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
                + " (cvs.bpf.growth.max-" + resource.name + ")" : "the map set holds " + limit;
        ProblemDetail problem = ProblemType.CAPACITY_EXHAUSTED.problem("The change needs room for " + needed + " "
                + resource.name + " at once (" + used + " in use, " + (needed - used) + " more); " + holds + ".");
        setCapacity(problem, resource, used, limit);
        problem.setProperty("requested", needed - used);
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

    public Reason reason() {
        return reason;
    }

    private static void setCapacity(ProblemDetail problem, Resource resource, long used, long max) {
        problem.setProperty("resource", resource.name);
        problem.setProperty("used", used);
        problem.setProperty("max", max);
    }
}
