package io.cvs.system;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One offending field of a request, by its path in the body ({@code backends[1].port}) or its parameter name. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FieldError(String field, String message, Object rejectedValue) {
}
