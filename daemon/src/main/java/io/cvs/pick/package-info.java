/**
 * {@code GET /api/v1/services/{id}/pick}: the backend the datapath would choose now for a client, with the reason
 * (affinity, Maglev, or one random sample), the flow hash and how the datapath knows the client.
 */
package io.cvs.pick;
