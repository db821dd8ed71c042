package io.cvs.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --on-backend-removal}: KEEP or RESET, in any case, as the API spells it. */
final class RemovalPolicy implements ITypeConverter<String> {

    @Override
    public String convert(String value) {
        String policy = value.toUpperCase(Locale.ROOT);
        if (!policy.equals("KEEP") && !policy.equals("RESET")) {
            throw new TypeConversionException("'" + value + "' is not KEEP or RESET");
        }
        return policy;
    }
}
