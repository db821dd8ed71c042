package io.cvs.api;

import io.cvs.address.AddressRules;
import io.cvs.datapath.Backend;
import io.cvs.service.BackendKey;
import io.cvs.service.Precondition;
import io.cvs.service.Service;
import io.cvs.service.ServiceProblems;
import io.cvs.system.InvalidRequestException;
import io.cvs.system.Violations;
import io.cvs.write.ServiceRegistry;
import io.cvs.write.ServiceWrites;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The backends of one service, each addressed by {@code address:port}. Every change is a change of the service
 * (its version grows), so each answer carries the service's ETag.
 */
@RestController
@RequestMapping(path = "/api/v1/services/{id}/backends", produces = MediaType.APPLICATION_JSON_VALUE)
class BackendController {

    /** The {@code BackendList} body. */
    record BackendList(List<BackendSpec> items) {
    }

    private final ServiceRegistry registry;

    private final ServiceWrites writes;

    BackendController(ServiceRegistry registry, ServiceWrites writes) {
        this.registry = registry;
        this.writes = writes;
    }

    /**
     * The reads set the ETag on the servlet response rather than a ResponseEntity, for which Spring would answer
     * {@code If-None-Match} with 304: the contract has 304 only for a service.
     */
    @GetMapping
    BackendList list(@PathVariable String id, HttpServletResponse response) {
        Service service = registry.get(id);
        response.setHeader(HttpHeaders.ETAG, service.etag());
        return new BackendList(service.backends().stream().map(BackendSpec::of).toList());
    }

    /** Appends a backend ({@code cvsadm push}); one with the same address and port is a 409. */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<BackendSpec> add(@PathVariable String id, @RequestBody BackendSpec spec,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        Violations violations = new Violations();
        Backend backend = spec.toBackend("", violations);
        violations.throwIfAny();
        BackendKey key = BackendKey.of(backend);
        Service after = writes.update(id, Precondition.ifMatch(ifMatch), current -> {
            String family = AddressRules.refusedBesideVip(backend.address(), current.key().vip());
            if (family != null) {
                throw InvalidRequestException.of("address", family, spec.address());
            }
            if (current.backend(key).isPresent()) {
                throw ServiceProblems.backendExists(current, key);
            }
            return current.content().withBackends(appended(current.backends(), backend));
        }, i -> "address").after();
        return ResponseEntity.created(location(id, key)).eTag(after.etag()).body(BackendSpec.of(backend));
    }

    @GetMapping("/{backendKey}")
    BackendSpec get(@PathVariable String id, @PathVariable String backendKey, HttpServletResponse response) {
        BackendKey key = BackendKey.parse(backendKey);
        Service service = registry.get(id);
        Backend backend = service.backend(key).orElseThrow(() -> ServiceProblems.noBackend(id, key));
        response.setHeader(HttpHeaders.ETAG, service.etag());
        return BackendSpec.of(backend);
    }

    /** Creates the backend at the end (201) or sets its weight in place (200); {@code If-None-Match: *} only creates. */
    @PutMapping(path = "/{backendKey}", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<BackendSpec> put(@PathVariable String id, @PathVariable String backendKey,
            @RequestBody BackendPut body,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch,
            @RequestHeader(name = HttpHeaders.IF_NONE_MATCH, required = false) String ifNoneMatch) {
        BackendKey key = BackendKey.parse(backendKey);
        if (ifNoneMatch != null && !ifNoneMatch.trim().equals("*")) {
            throw InvalidRequestException.of("If-None-Match", "must be *", ifNoneMatch);
        }
        Backend backend = body.toBackend(key);
        Precondition precondition = Precondition.ifMatch(ifMatch);
        ServiceRegistry.Updated updated = writes.update(id, precondition, current -> {
            boolean exists = current.backend(key).isPresent();
            if (exists && ifNoneMatch != null) {
                throw ServiceProblems.preconditionFailed(current, "Backend " + key + " exists already.");
            }
            String family = AddressRules.refusedBesideVip(key.address(), current.key().vip());
            if (family != null) {
                throw InvalidRequestException.of("backendKey", family, backendKey);
            }
            if (!exists && precondition.any()) {
                throw ServiceProblems.preconditionFailed(current, "Backend " + key + " does not exist.");
            }
            List<Backend> backends = exists
                    ? current.backends().stream().map(b -> key.matches(b) ? backend : b).toList()
                    : appended(current.backends(), backend);
            return current.content().withBackends(backends);
        }, i -> "backendKey");
        boolean created = updated.before().backend(key).isEmpty();
        ResponseEntity.BodyBuilder answer = created ? ResponseEntity.created(location(id, key))
                : ResponseEntity.status(HttpStatus.OK);
        return answer.eTag(updated.after().etag()).body(BackendSpec.of(backend));
    }

    @DeleteMapping("/{backendKey}")
    ResponseEntity<Void> delete(@PathVariable String id, @PathVariable String backendKey,
            @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch) {
        BackendKey key = BackendKey.parse(backendKey);
        registry.get(id).backend(key).orElseThrow(() -> ServiceProblems.noBackend(id, key));
        Service after = writes.update(id, Precondition.ifMatch(ifMatch), current -> {
            if (current.backend(key).isEmpty()) {
                throw ServiceProblems.noBackend(id, key);
            }
            return current.content().withBackends(current.backends().stream().filter(b -> !key.matches(b)).toList());
        }).after();
        return ResponseEntity.noContent().eTag(after.etag()).build();
    }

    private static List<Backend> appended(List<Backend> backends, Backend backend) {
        List<Backend> more = new ArrayList<>(backends);
        more.add(backend);
        return more;
    }

    private static URI location(String id, BackendKey key) {
        // a URI's path takes no brackets as they are: an IPv6 key's are percent-encoded
        String segment = key.toString().replace("[", "%5B").replace("]", "%5D");
        return URI.create("/api/v1/services/" + id + "/backends/" + segment);
    }
}
