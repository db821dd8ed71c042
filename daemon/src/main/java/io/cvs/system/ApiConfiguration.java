package io.cvs.system;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.jackson.autoconfigure.JsonMapperBuilderCustomizer;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.StreamReadFeature;

/** Servlet-level pieces of the API that Spring MVC cannot do itself. */
@Configuration(proxyBeanMethods = false)
class ApiConfiguration {

    /** After Spring Security (its default order): a client without a token learns nothing about sizes. */
    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(ApiProperties api,
            ProblemResponseWriter problems) {
        return new FilterRegistrationBean<>(new RequestBodyLimitFilter(api.maxBodySize().toBytes(), problems));
    }

    /** Beside the body limit: a body declared in another charset than UTF-8 is a 415 before it is read. */
    @Bean
    FilterRegistrationBean<BodyCharsetFilter> bodyCharsetFilter(ProblemResponseWriter problems) {
        return new FilterRegistrationBean<>(new BodyCharsetFilter(problems));
    }

    /**
     * Strict bodies: a key twice in one object is refused (Jackson would keep the last), which
     * {@link ApiErrorHandler} answers with a 400 naming it. Every body is read by this mapper: services, backends,
     * the bulk state, capacity and merge patches.
     */
    @Bean
    JsonMapperBuilderCustomizer duplicateKeysRefused() {
        return builder -> builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
    }

    /**
     * Tomcat's errors as problems: its host's error report valve (which answers what Tomcat refuses before any
     * servlet runs) becomes {@link ProblemErrorReportValve}, replacing the plain one Spring Boot adds. Runs after
     * Spring Boot's own customizer (order 0), so that its valve is there to be replaced.
     */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return new WebServerFactoryCustomizer<>() {
            @Override
            public void customize(TomcatServletWebServerFactory factory) {
                factory.addContextCustomizers(context -> {
                    StandardHost host = (StandardHost) context.getParent();
                    for (Valve valve : host.getPipeline().getValves()) {
                        if (valve instanceof ErrorReportValve) {
                            host.getPipeline().removeValve(valve);
                        }
                    }
                    host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
                    host.getPipeline().addValve(new ProblemErrorReportValve());
                });
            }
        };
    }

    /**
     * Help texts for the API's request meters, which Spring's observations register without one, so that
     * {@code promtool check metrics} has nothing to say about them and a Prometheus UI explains them.
     */
    @Bean
    MeterFilter requestMeterDescriptions() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                String description = switch (id.getName()) {
                    case "http.server.requests" ->
                        "Time to answer HTTP requests, by method, URI template, status, outcome and exception";
                    case "http.server.requests.active" -> "HTTP requests being answered, and for how long";
                    default -> null;
                };
                return description == null || id.getDescription() != null ? id : new Meter.Id(id.getName(),
                        Tags.of(id.getTagsAsIterable()), id.getBaseUnit(), description, id.getType());
            }
        };
    }
}
