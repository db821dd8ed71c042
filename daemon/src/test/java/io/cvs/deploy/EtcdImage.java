package io.cvs.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** deploy/etcd/Dockerfile's etcd as the deploy tests read it: the URLs its ENTRYPOINT gives etcd. */
final class EtcdImage {

    private static final Pattern URL = Pattern.compile("=?(http://[^\",]+)");
    private static final Pattern CLIENT_URL = Pattern.compile("--listen-client-urls=(http://[^\",]+)");

    private EtcdImage() {
    }

    /** Every URL of the ENTRYPOINT (listen, advertise and cluster URLs), in order. */
    static List<String> urls(String dockerfile) {
        String entrypoint = dockerfile.substring(dockerfile.indexOf("ENTRYPOINT"));
        List<String> urls = new ArrayList<>();
        Matcher url = URL.matcher(entrypoint);
        while (url.find()) {
            urls.add(url.group(1));
        }
        return urls;
    }

    /** The URL etcd serves clients on. */
    static String clientUrl(String dockerfile) {
        Matcher url = CLIENT_URL.matcher(dockerfile);
        if (!url.find()) {
            throw new AssertionError("deploy/etcd/Dockerfile gives etcd no --listen-client-urls");
        }
        return url.group(1);
    }

    /** The port of {@link #clientUrl}. */
    static String clientPort(String dockerfile) {
        String url = clientUrl(dockerfile);
        return url.substring(url.lastIndexOf(':') + 1);
    }
}
