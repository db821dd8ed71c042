package io.cvs.fleet.store;

import io.cvs.testing.EtcdCluster;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture of the store's tests against one real etcd member: the member for the class, and for each test a
 * store on a prefix of its own, so tests see only their own keys.
 */
abstract class OneEtcdMember {

    static final AtomicInteger PREFIXES = new AtomicInteger();

    @TempDir
    static Path dir;
    static EtcdCluster etcd;

    EtcdFleetStore store;

    @BeforeAll
    static void startEtcd() {
        etcd = EtcdCluster.start(1, dir);
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void openStore() {
        store = open("/cvs-test/" + PREFIXES.incrementAndGet() + "/");
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    static EtcdFleetStore open(String prefix) {
        return new EtcdFleetStore(EtcdSettings.plain(etcd.endpoints(), prefix));
    }
}
