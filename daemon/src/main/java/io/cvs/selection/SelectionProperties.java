package io.cvs.selection;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Defaults of services' selection policies, bound at {@code cvs.selection}.
 *
 * @param maglevTableSize the Maglev table size of a MAGLEV service that names none (default 16381): a prime between
 *                        7 and 1048573. A larger table spreads weights more exactly and costs 8 bytes per slot
 */
@ConfigurationProperties("cvs.selection")
public record SelectionProperties(@DefaultValue("16381") int maglevTableSize) {

    public SelectionProperties {
        if (!SelectionPolicy.isTableSize(maglevTableSize)) {
            throw new IllegalArgumentException("cvs.selection.maglev-table-size " + maglevTableSize
                    + " is not a prime between " + SelectionPolicy.TABLE_SIZE_MIN + " and "
                    + SelectionPolicy.TABLE_SIZE_MAX);
        }
    }
}
