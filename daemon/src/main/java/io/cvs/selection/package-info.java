/**
 * How a service selects a backend, in terms every layer shares: {@link io.cvs.selection.SelectionPolicy} (scheduler,
 * Maglev table size, session affinity), who asks ({@link io.cvs.selection.ClientFlow}), what a pick found and why
 * ({@link io.cvs.selection.PickedBackend}), the flow hash every datapath computes ({@link io.cvs.selection.FlowHash}),
 * the affinity entries held, and the setting of the default Maglev table size.
 */
package io.cvs.selection;
