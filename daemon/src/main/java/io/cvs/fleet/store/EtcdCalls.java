package io.cvs.fleet.store;

import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Waits for an etcd call within the call timeout and turns its failure into the port's terms: the store being
 * away (no answer in time, unreachable, no quorum, refused credentials) is {@link StoreUnavailableException}; a
 * request etcd finds malformed (more keys than --max-txn-ops, larger than --max-request-bytes) is the caller's
 * mistake, an {@link IllegalArgumentException}.
 */
final class EtcdCalls {

    private EtcdCalls() {
    }

    static <T> T await(CompletableFuture<T> call, Duration timeout, String what) {
        try {
            return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new StoreUnavailableException(what + ": etcd did not answer within " + timeout, e);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException(what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw translate(what, e.getCause());
        }
    }

    static RuntimeException translate(String what, Throwable cause) {
        ErrorCode code = code(cause);
        if (code == ErrorCode.INVALID_ARGUMENT || code == ErrorCode.RESOURCE_EXHAUSTED) {
            return new IllegalArgumentException(what + ": etcd refused the request: " + cause.getMessage(), cause);
        }
        return new StoreUnavailableException(what + ": " + code + ": " + cause.getMessage(), cause);
    }

    /** Whether a read failed because the revision it asked for was compacted away. */
    static boolean compacted(Throwable cause) {
        return code(cause) == ErrorCode.OUT_OF_RANGE
                || String.valueOf(cause.getMessage()).contains("required revision has been compacted");
    }

    private static ErrorCode code(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof EtcdException etcd) {
                return etcd.getErrorCode();
            }
        }
        return ErrorCode.valueOf(Status.fromThrowable(cause).getCode().name());
    }
}
