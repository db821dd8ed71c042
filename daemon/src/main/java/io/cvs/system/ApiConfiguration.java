package io.cvs.system;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Servlet-level pieces of the API that Spring MVC cannot do itself. */
@Configuration(proxyBeanMethods = false)
class ApiConfiguration {

    /** After Spring Security (its default order): a client without a token learns nothing about sizes. */
    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(ApiProperties api,
            ProblemResponseWriter problems) {
        return new FilterRegistrationBean<>(new RequestBodyLimitFilter(api.maxBodySize().toBytes(), problems));
    }
}
