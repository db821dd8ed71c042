package io.cvs.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

/** docker-compose.yml as read by these tests: its services' secrets and where they appear in the containers. */
final class ComposeStack {

    /** Where Docker puts a secret whose target is relative, or that has none. */
    static final String SECRETS = "/run/secrets/";

    private final Map<String, Object> compose;

    ComposeStack(Map<String, Object> compose) {
        this.compose = compose;
    }

    static ComposeStack ofRepository() {
        return new ComposeStack(Repo.yaml("docker-compose.yml"));
    }

    Map<String, Object> service(String name) {
        return Repo.at(compose, "services", name);
    }

    String environment(String service, String variable) {
        return String.valueOf((Object) Repo.at(service(service), "environment", variable));
    }

    /** The host file of a top-level secret, as written in the compose file. */
    String secretFile(String secret) {
        return Repo.at(compose, "secrets", secret, "file");
    }

    /** Where a service sees the secret with this source, or fails when the service does not get it. */
    @SuppressWarnings("unchecked")
    String secretPath(String service, String secret) {
        for (Object entry : (List<Object>) Repo.at(service(service), "secrets")) {
            if (entry.equals(secret)) {
                return SECRETS + secret;
            }
            if (entry instanceof Map<?, ?> longForm && secret.equals(longForm.get("source"))) {
                String target = (String) longForm.get("target");
                return target == null ? SECRETS + secret : target.startsWith("/") ? target : SECRETS + target;
            }
        }
        assertThat(secret).as("a secret of service %s", service).isNull();
        throw new AssertionError("not reached");
    }
}
