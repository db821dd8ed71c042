package io.cvs.selection;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Defaults of services' selection policies. Bound at {@code cvs.datapath}, beside the scalar {@code cvs.datapath}
 * (auto, bpf, memory): set it as {@code --cvs.datapath.maglev-table-size=N} or {@code CVS_DATAPATH_MAGLEVTABLESIZE};
 * YAML cannot hold both a value and children at one key.
 *
 * @param maglevTableSize the Maglev table size of a MAGLEV service that names none (default 16381): a prime between
 *                        7 and 1048573. A larger table spreads weights more exactly and costs 8 bytes per slot
 */
@ConfigurationProperties("cvs.datapath")
public record SelectionProperties(@DefaultValue("16381") int maglevTableSize) {

    public SelectionProperties {
        if (!SelectionPolicy.isTableSize(maglevTableSize)) {
            throw new IllegalArgumentException("cvs.datapath.maglev-table-size " + maglevTableSize
                    + " is not a prime between " + SelectionPolicy.TABLE_SIZE_MIN + " and "
                    + SelectionPolicy.TABLE_SIZE_MAX);
        }
    }
}
