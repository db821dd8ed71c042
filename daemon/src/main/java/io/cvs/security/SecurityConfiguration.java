package io.cvs.security;

import io.cvs.system.ProblemResponseWriter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.AndRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Bearer tokens for everything, stateless: reads (GET, HEAD) need the viewer or admin token, everything else the
 * admin token; clients on loopback may use {@code cvs.security.open-on-loopback} (health, metrics, API docs)
 * without one. No sessions, cookies, login forms or CSRF tokens: a token in a header is all there is.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    private static final String BEARER = "Bearer ";

    @Bean
    ApiTokens apiTokens(ApiSecurityProperties properties, ServerProperties server, ApplicationArguments arguments) {
        CommandLineTokens.warn(List.of(arguments.getSourceArgs()),
                ManagementFactory.getRuntimeMXBean().getInputArguments());
        return ApiTokens.load(properties, server.getAddress(), TokenFiles.ofThisProcess());
    }

    /** Being an AuthenticationProvider bean also keeps Spring Boot from making a user with a generated password. */
    @Bean
    ApiTokenAuthenticationProvider apiTokenAuthenticationProvider(ApiTokens tokens) {
        return new ApiTokenAuthenticationProvider(tokens);
    }

    /** Found by Spring Security's filter chain as a bean: the firewall's rejections answered as problems. */
    @Bean
    RequestRejectedHandler requestRejectedHandler(ProblemResponseWriter problems) {
        return new SecurityProblems(problems);
    }

    @Bean
    SecurityFilterChain apiSecurity(HttpSecurity http, ApiTokenAuthenticationProvider provider,
            ApiSecurityProperties properties, ProblemResponseWriter problems) throws Exception {
        SecurityProblems answers = new SecurityProblems(problems);
        AuthenticationFilter bearer = new AuthenticationFilter(new ProviderManager(provider),
                SecurityConfiguration::presentedToken);
        bearer.setSuccessHandler((request, response, authentication) -> {
        });
        bearer.setFailureHandler(new AuthenticationEntryPointFailureHandler(answers));
        RequestMatcher openHere = new AndRequestMatcher(SecurityConfiguration::fromLoopback,
                anyOf(properties.openOnLoopback()));
        String viewer = Role.VIEWER.name();
        String admin = Role.ADMIN.name();
        return http
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .exceptionHandling(errors -> errors.authenticationEntryPoint(answers).accessDeniedHandler(answers))
                .addFilterBefore(bearer, AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(requests -> requests
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .requestMatchers(openHere).permitAll()
                        .requestMatchers(HttpMethod.GET).hasAnyRole(viewer, admin)
                        .requestMatchers(HttpMethod.HEAD).hasAnyRole(viewer, admin)
                        .anyRequest().hasRole(admin))
                .build();
    }

    /** RFC 6750: {@code Authorization: Bearer <token>}, the scheme in any case; no header, no authentication. */
    private static Authentication presentedToken(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = header.substring(BEARER.length()).trim();
        if (token.isEmpty()) {
            throw new BadCredentialsException("The bearer token is empty.");
        }
        return BearerTokenAuthentication.presented(token);
    }

    private static boolean fromLoopback(HttpServletRequest request) {
        try {
            return InetAddress.getByName(request.getRemoteAddr()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static RequestMatcher anyOf(List<String> patterns) {
        if (patterns.isEmpty()) {
            return request -> false;
        }
        return new OrRequestMatcher(patterns.stream()
                .map(pattern -> (RequestMatcher) PathPatternRequestMatcher.pathPattern(pattern)).toList());
    }
}
