package io.cvs.fleet.store;

import io.etcd.jetcd.ByteSequence;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The store's key layout under the prefix:
 * <ul>
 * <li>{@code services/<id>}: a service entry; its value is the fleet code's bytes; the only keys watched;
 * <li>{@code claims/<claim>}: a uniqueness claim (URL-encoded, so any string is one path segment); its value is
 * the holder's id;
 * <li>{@code hosts/<host-id>}: a host's report (JSON), under the host's lease.
 * </ul>
 */
final class EtcdKeys {

    private final String prefix;

    EtcdKeys(String prefix) {
        this.prefix = prefix;
    }

    ByteSequence services() {
        return bytes(prefix + "services/");
    }

    ByteSequence service(String id) {
        return bytes(prefix + "services/" + id);
    }

    /** The id of a key under services/. */
    String serviceId(ByteSequence key) {
        return key.toString(StandardCharsets.UTF_8).substring(prefix.length() + "services/".length());
    }

    ByteSequence claim(String claim) {
        return bytes(prefix + "claims/" + encode(claim));
    }

    ByteSequence claims() {
        return bytes(prefix + "claims/");
    }

    ByteSequence hosts() {
        return bytes(prefix + "hosts/");
    }

    ByteSequence host(String hostId) {
        return bytes(prefix + "hosts/" + hostId);
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    /** The key right after from in etcd's byte order: where the next page starts. */
    static ByteSequence after(ByteSequence from) {
        byte[] key = Arrays.copyOf(from.getBytes(), from.size() + 1);
        return ByteSequence.from(key);
    }

    /** The first key after every key that starts with prefix: the prefix's last byte below 0xff, plus one. */
    static ByteSequence prefixEnd(ByteSequence prefix) {
        byte[] end = prefix.getBytes();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xff) {
                end[i]++;
                return ByteSequence.from(Arrays.copyOf(end, i + 1));
            }
        }
        return ByteSequence.from(new byte[] {0});
    }

    private static String encode(String claim) {
        return URLEncoder.encode(claim, StandardCharsets.UTF_8);
    }
}
