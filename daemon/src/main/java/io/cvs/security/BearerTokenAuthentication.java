package io.cvs.security;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/**
 * A bearer token from the Authorization header: first as presented (not authenticated, the token its
 * credentials), then, once {@link ApiTokenAuthenticationProvider} knows it, as the role it stands for, with the
 * token forgotten.
 */
final class BearerTokenAuthentication extends AbstractAuthenticationToken {

    private static final long serialVersionUID = 1L;

    private final String token;
    private final Role role;

    private BearerTokenAuthentication(String token, Role role) {
        super(role == null ? List.of() : List.of(role.authority()));
        this.token = token;
        this.role = role;
        setAuthenticated(role != null);
    }

    static BearerTokenAuthentication presented(String token) {
        return new BearerTokenAuthentication(token, null);
    }

    static BearerTokenAuthentication of(Role role) {
        return new BearerTokenAuthentication(null, role);
    }

    @Override
    public Object getCredentials() {
        return token;
    }

    /** The role's name, which is all the logs and the application need to know about the caller. */
    @Override
    public Object getPrincipal() {
        return role == null ? "bearer token" : role.name().toLowerCase(java.util.Locale.ROOT);
    }
}
