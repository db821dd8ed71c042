package io.cvs.system;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of the REST API.
 *
 * @param maxBodySize largest request body accepted (e.g. {@code 1MB}, {@code 64KB}); a larger one is refused with
 *                    413 before it is parsed
 */
@Validated
@ConfigurationProperties("cvs.api")
public record ApiProperties(@NotNull @DefaultValue("1MB") DataSize maxBodySize) {
}
