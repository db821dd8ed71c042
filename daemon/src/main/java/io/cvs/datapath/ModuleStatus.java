package io.cvs.datapath;

/**
 * What cvs.ko serves (struct cvs_module_status), or that it is not loaded.
 *
 * @param loaded       false when the module is not loaded (its sysfs directory is absent); all else is then empty
 * @param bound        whether it serves a map set
 * @param orphaned     the bound maps are neither pinned nor open in user space any more: it must be bound again
 * @param abiVersion   the map ABI version the module was built for
 * @param mapIds       the kernel ids of the maps it serves; null when it serves none
 * @param binds        binds that succeeded since it was loaded
 * @param bindErrors   bind requests it refused
 * @param lookupErrors new connections it refused because the maps kept changing or were inconsistent
 * @param natErrors    connections conntrack could not DNAT
 */
public record ModuleStatus(boolean loaded, boolean bound, boolean orphaned, int abiVersion, MapIds mapIds,
        long binds, long bindErrors, long lookupErrors, long natErrors) {

    public static final ModuleStatus NOT_LOADED = new ModuleStatus(false, false, false, 0, null, 0, 0, 0, 0);

    /** Whether it serves exactly the map set with these ids. */
    public boolean serves(MapIds ids) {
        return bound && !orphaned && ids.equals(mapIds);
    }
}
