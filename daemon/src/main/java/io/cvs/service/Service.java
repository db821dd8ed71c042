package io.cvs.service;

import io.cvs.datapath.Backend;
import io.cvs.datapath.ServiceKey;
import java.util.List;
import java.util.Optional;

/** One service as the registry holds it: immutable, so a reader's snapshot never changes under it. */
public record Service(String id, long version, ServiceConfig content) {

    public String name() {
        return content.name();
    }

    public ServiceKey key() {
        return content.key();
    }

    public List<Backend> backends() {
        return content.backends();
    }

    /** The strong entity tag: the version in quotes. */
    public String etag() {
        return "\"" + version + "\"";
    }

    public Optional<Backend> backend(BackendKey key) {
        return backends().stream().filter(key::matches).findFirst();
    }

    /** This service with new content: the same when nothing differs, else the next version. */
    public Service with(ServiceConfig newContent) {
        return newContent.equals(content) ? this : new Service(id, version + 1, newContent);
    }
}
