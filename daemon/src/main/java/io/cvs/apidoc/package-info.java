/**
 * The API's one document: {@code openapi.yaml} from the repository root, the contract the tests hold the daemon
 * to, served as it is at {@code /openapi.yaml} (which Swagger UI shows) and as JSON at {@code /v3/api-docs}, where
 * tools look for it. springdoc's document generated from the code is switched off
 * ({@code springdoc.enable-default-api-docs}): it differed from the contract.
 *
 * <p>Calls no feature package.
 */
package io.cvs.apidoc;
