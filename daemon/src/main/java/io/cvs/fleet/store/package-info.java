/**
 * The fleet's store port ({@link io.cvs.fleet.store.FleetStore}) and its etcd implementation: the only package that
 * uses the etcd client.
 */
package io.cvs.fleet.store;
