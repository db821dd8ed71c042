package io.cvs.datapath;

import java.util.ArrayList;
import java.util.List;

/**
 * What a cheap look at the maps found changed behind the daemon's back (libcvsbpf's cvs_maps_drift): service
 * entries missing, foreign or with another generation word than the daemon stored, map pins gone or replaced, and
 * chosen forwarders that no longer read the maps. Backend records, tables and policies are not compared: the
 * periodic reconcile does that. The held counts are what the maps hold now, whatever the daemon wrote.
 *
 * @param servicesHeld     service entries the maps hold
 * @param servicesWritten  services the daemon wrote and has not removed
 * @param missing          services the daemon wrote whose entry is gone (deleted with bpftool, say)
 * @param foreign          entries the daemon did not write
 * @param differing        entries whose generation word is not the one the daemon stored
 * @param backendsHeld     backends of the services held
 * @param maglevTablesHeld held services that are MAGLEV
 * @param pinsMissing      map pins gone from the pin root (all of them when the root was removed)
 * @param pinsForeign      map pins that hold another map than the daemon's
 * @param detached         chosen forwarders that do not read these maps now
 */
public record Drift(int servicesHeld, int servicesWritten, int missing, int foreign, int differing,
        int backendsHeld, int maglevTablesHeld, int pinsMissing, int pinsForeign, List<Forwarder> detached) {

    public Drift {
        detached = List.copyOf(detached);
    }

    /** Whether anything differs from what the daemon made: a reconcile repairs it. */
    public boolean any() {
        return missing + foreign + differing + pinsMissing + pinsForeign > 0 || !detached.isEmpty();
    }

    /** What differs, for a log line; empty when nothing does. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        count(parts, missing, "service entries missing");
        count(parts, foreign, "foreign service entries");
        count(parts, differing, "service entries with another generation");
        count(parts, pinsMissing, "map pins missing");
        count(parts, pinsForeign, "map pins holding another map");
        detached.forEach(f -> parts.add(f.label() + " not reading the maps"));
        return String.join(", ", parts);
    }

    /** The usage the maps hold now, against max. */
    public Usage heldUsage(Capacity max) {
        return new Usage(max, servicesHeld, backendsHeld, maglevTablesHeld);
    }

    private static void count(List<String> parts, int n, String what) {
        if (n > 0) {
            parts.add(n + " " + what);
        }
    }
}
