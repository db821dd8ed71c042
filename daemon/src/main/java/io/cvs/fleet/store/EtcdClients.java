package io.cvs.fleet.store;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Builds the jetcd client from {@link EtcdSettings}: endpoints, credentials, TLS and timeouts. */
final class EtcdClients {

    private EtcdClients() {
    }

    static Client build(EtcdSettings settings) {
        ClientBuilder builder = Client.builder().endpoints(settings.endpoints().toArray(String[]::new))
                .connectTimeout(settings.connectTimeout())
                // jetcd retries a failed call on its own; past the call timeout the caller has given up anyway
                .retryMaxDuration(settings.callTimeout())
                .keepaliveTime(java.time.Duration.ofSeconds(5))
                .keepaliveTimeout(settings.callTimeout());
        if (settings.user() != null) {
            builder.user(EtcdKeys.bytes(settings.user())).password(EtcdKeys.bytes(settings.password()));
        }
        if (settings.tls()) {
            builder.sslContext(sslContext(settings));
        }
        return builder.build();
    }

    static SslContext sslContext(EtcdSettings settings) {
        try {
            SslContextBuilder ssl = GrpcSslContexts.forClient();
            if (settings.caFile() != null) {
                ssl.trustManager(settings.caFile().toFile());
            }
            if (settings.certFile() != null) {
                ssl.keyManager(settings.certFile().toFile(), settings.keyFile().toFile());
            }
            return ssl.build();
        } catch (IOException e) {
            throw new UncheckedIOException("etcd TLS: " + e.getMessage(), e);
        }
    }
}
