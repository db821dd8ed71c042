package io.cvs.fleet;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Fleet mode is on when {@code cvs.fleet.etcd.endpoints} names at least one endpoint (a comma-separated value or
 * a list); unset or blank, the daemon is a single host exactly as before fleet mode existed.
 */
final class FleetMode extends SpringBootCondition {

    static final String ENDPOINTS = "cvs.fleet.etcd.endpoints";

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        boolean set = Binder.get(context.getEnvironment()).bind(ENDPOINTS, Bindable.listOf(String.class))
                .map(list -> list.stream().anyMatch(e -> !e.isBlank())).orElse(false);
        return set ? ConditionOutcome.match(ENDPOINTS + " is set: fleet mode")
                : ConditionOutcome.noMatch(ENDPOINTS + " is not set: single-host mode");
    }
}
