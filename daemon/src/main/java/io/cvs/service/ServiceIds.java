package io.cvs.service;

import io.cvs.system.InvalidRequestException;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/** New service ids: {@code svc-} and 10 base32 characters (50 random bits), never one issued before. */
public final class ServiceIds {

    private static final char[] BASE32 = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
    private static final int LENGTH = 10;

    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final SecureRandom random = new SecureRandom();
    private final Set<String> issued = new HashSet<>();

    public synchronized String next() {
        while (true) {
            StringBuilder id = new StringBuilder("svc-");
            for (int i = 0; i < LENGTH; i++) {
                id.append(BASE32[random.nextInt(BASE32.length)]);
            }
            if (issued.add(id.toString())) {
                return id.toString();
            }
        }
    }

    /** Marks an id restored from the journal as issued, so no new service gets it. */
    public synchronized void reserve(String id) {
        issued.add(id);
    }

    /** A 400 naming {@code id} for one that does not have the contract's form (ServiceId). */
    public static void check(String id) {
        if (!WELL_FORMED.matcher(id).matches()) {
            throw InvalidRequestException.of("id", "must be 1 to 64 of A-Z, a-z, 0-9, '_' and '-'", id);
        }
    }
}
