package io.cvs;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The cvs daemon: the REST API over the datapath, on 127.0.0.1:8080 unless configured otherwise.
 *
 * <pre>java -jar cvs-daemon.jar [--cvs.datapath=auto|bpf|memory] [--cvs.bpf.pin-dir=DIR] ...</pre>
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class CvsApplication {

    public static void main(String[] args) {
        SpringApplication.run(CvsApplication.class, args);
    }
}
