package io.cvs.security;

import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** What a token may do. Reads (GET, HEAD) need either role; everything else needs ADMIN. */
enum Role {
    ADMIN,
    VIEWER;

    GrantedAuthority authority() {
        return new SimpleGrantedAuthority("ROLE_" + name());
    }
}
