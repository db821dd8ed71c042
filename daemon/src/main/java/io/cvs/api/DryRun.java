package io.cvs.api;

import io.cvs.system.InvalidRequestException;

/** The {@code dryRun} query parameter of the bulk requests. */
final class DryRun {

    private DryRun() {
    }

    static boolean parse(String dryRun) {
        if (dryRun != null && !dryRun.equals("true") && !dryRun.equals("false")) {
            throw InvalidRequestException.of("dryRun", "must be true or false", dryRun);
        }
        return "true".equals(dryRun);
    }
}
