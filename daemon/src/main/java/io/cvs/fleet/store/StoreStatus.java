package io.cvs.fleet.store;

import java.util.List;

/** The store's revision now and each member's health, as the fleet endpoint shows them. */
public record StoreStatus(long revision, List<Member> members) {

    public StoreStatus {
        members = List.copyOf(members);
    }

    /** One member: its name, client URL, whether it answered, whether it leads, and its error when not healthy. */
    public record Member(String name, String clientUrl, boolean healthy, boolean leader, String error) {
    }
}
