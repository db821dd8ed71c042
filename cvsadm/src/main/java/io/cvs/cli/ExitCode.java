package io.cvs.cli;

/** What cvsadm's exit status means; scripts branch on these, so they never change meaning. */
final class ExitCode {

    static final int OK = 0;
    /** Anything unexpected: a bug, or an answer the daemon should not have sent. */
    static final int UNEXPECTED = 1;
    /** The command line (or the config file) is wrong; picocli's own code for invalid input. */
    static final int USAGE = 2;
    /** The daemon refused the request (a problem+json), or what it names does not exist. */
    static final int API = 3;
    /** No daemon answered at the URL. */
    static final int UNREACHABLE = 4;
    /** The daemon did not accept the token (401) or its role (403). */
    static final int AUTH = 5;
    /**
     * An ipvsadm command line asks for what cvs does not have (a scheduler other than rr, wrr and mh, a netmask,
     * one-packet scheduling, zeroed counters): a script sees it apart from a typing error.
     */
    static final int UNSUPPORTED = 6;
    /**
     * A token file that another user owns or could read or replace (group/other mode bits, a link, a directory
     * others may write): its token may be known, or chosen by someone else.
     */
    static final int UNSAFE_TOKEN_FILE = 7;

    private ExitCode() {
    }
}
