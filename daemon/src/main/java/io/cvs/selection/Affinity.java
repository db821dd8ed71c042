package io.cvs.selection;

/** Session affinity of a service, as Kubernetes names it (sessionAffinity). */
public enum Affinity {
    /** Each new connection is selected afresh by the scheduler. */
    NONE,
    /**
     * A client goes back to the backend it last got while it comes back within the timeout and that backend is
     * still usable; the socket-LB knows a client by its network namespace, cvs.ko by its source address.
     */
    CLIENT_IP
}
