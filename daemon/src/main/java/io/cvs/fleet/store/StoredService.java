package io.cvs.fleet.store;

/**
 * One service entry: its id (the key's last segment), the entry's value (the service's API representation as JSON
 * bytes, UTF-8; the fleet code owns its schema), and the store's revisions: modRevision is the service's version
 * and ETag in fleet mode, createRevision tells a re-created service from the old one.
 */
public record StoredService(String id, byte[] value, long modRevision, long createRevision) {
}
