// SPDX-License-Identifier: GPL-2.0-only
/*
 * Selection policies through cvs.ko (cvs_abi.h, "Selection policies"), for
 * routed clients and the host, on services of their own (192.0.2.40-42,
 * 2001:db8::40-41): CLIENT_IP affinity keyed on the source address, kept
 * while used within its timeout, lost after it, given up for a backend
 * that is no longer selectable, and carried through a grow; MAGLEV
 * choosing by the 5-tuple exactly as cvs_service_pick_flow() predicts from
 * the same maps.
 *
 * The client has two addresses (vmtest.h): each connection binds the one it
 * speaks for, so the source address, and with it the affinity key, is known.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

#define AFFINITY_VIP	40	/* flow_vip(): 192.0.2.40, 2001:db8::40 */
#define MAGLEV_VIP	41
#define GROW_VIP	42
#define TIMEOUT_S	2	/* the affinity timeout of these checks */
#define GROW_TIMEOUT_S	60	/* longer than any grow takes */
#define CONNS		20	/* connections per client and step */
#define MAGLEV_SLOTS	251	/* a prime below the set's maglev_slots */
#define MAGLEV_TUPLES	24
#define SPORT0		42000	/* the Maglev tuples' source ports */

static const char *const reasons[] = { "random", "maglev", "affinity" };

static const char *reason_str(__u32 reason)
{
	return reason < ARRAY_LEN(reasons) ? reasons[reason] : "?";
}

static int upsert_timeout(const char *vip, __u32 flags, __u32 timeout,
			  const struct cvs_backend_spec *b, int n)
{
	struct cvs_service_key k = svc_key(vip, 80, IPPROTO_TCP);
	struct cvs_service_policy pol = { .flags = flags };

	if (flags & CVS_POLICY_F_AFFINITY)
		pol.affinity_timeout = timeout;
	if (flags & CVS_POLICY_F_MAGLEV)
		pol.maglev_slots = MAGLEV_SLOTS;
	return cvs_service_upsert_policy(maps, &k, &pol, b, n);
}

static int upsert_policy(const char *vip, __u32 flags,
			 const struct cvs_backend_spec *b, int n)
{
	return upsert_timeout(vip, flags, TIMEOUT_S, b, n);
}

static int delete(const char *vip)
{
	struct cvs_service_key k = svc_key(vip, 80, IPPROTO_TCP);

	return cvs_service_delete(maps, &k);
}

/*
 * What cvs.ko would give src:sport now, read by the library from the same
 * maps (cookie 0, as the module keys), and the tag of that backend.
 */
static int predict(const char *vip, const char *src, int sport,
		   struct cvs_pick *pick, char tag[TAG_LEN])
{
	struct cvs_service_key k = svc_key(vip, 80, IPPROTO_TCP);
	struct cvs_flow flow = { .sport = htons(sport) };
	char addr[INET6_ADDRSTRLEN];
	int err;

	parse_addr(src, flow.saddr);
	err = cvs_service_pick_flow(maps, &k, &flow, pick);
	if (err)
		return err;
	inet_ntop(k.family, pick->addr, addr, sizeof(addr));
	tag_of(tag, addr, ntohs(pick->port));
	return 0;
}

/*
 * CONNS connections to vip:80 from the client's address src (any port),
 * or with src NULL from the host (LOCAL_OUT): every one answered by the
 * same one of f's web backends, whose tag goes to out; why not in why.
 */
static bool stick(const struct fam *f, const char *src, const char *vip,
		  char out[TAG_LEN], char why[TALLY_STR])
{
	struct tally t;

	tcp_many_from(src ? NS_CLI : NS_ROOT, src, vip, 80, CONNS, &t);
	if (t.n == 1 && tally_only(&t, CONNS, f->web, 3)) {
		snprintf(out, TAG_LEN, "%s", t.tag[0]);
		return true;
	}
	snprintf(why, TALLY_STR, "%d connections from %s: %s", CONNS,
		 src ? src : "the host", tally_str(&t, s1));
	return false;
}

/*
 * The library reads the client's entry as the module wrote it: an
 * affinity pick of want; why not in why.
 */
static bool entry_is(const char *vip, const char *src, const char *want,
		     char why[TALLY_STR])
{
	struct cvs_pick pick;
	char tag[TAG_LEN];
	int err;

	err = predict(vip, src, 0, &pick, tag);
	if (!err && pick.reason == CVS_REASON_AFFINITY && !strcmp(tag, want))
		return true;
	snprintf(why, TALLY_STR, "pick for %s: %s, %s %s; expected affinity %s",
		 src, strerror(-err), err ? "-" : reason_str(pick.reason),
		 err ? "-" : tag, want);
	return false;
}

static void web_backends(const struct fam *f, int drained,
			 struct cvs_backend_spec b[3])
{
	int i;

	for (i = 0; i < 3; i++)
		b[i] = backend(f->be[i], 8080, i == drained ? 0 : 1);
}

/* Where each of the two clients sticks, as the last check found. */
static char sticks_to[2][TAG_LEN];

/*
 * Two routed clients, told apart by source address only (each connection
 * has a fresh source port): each gets one backend for every connection,
 * where a random pick over three would spread them. The host's processes
 * are one client too, stored from LOCAL_OUT's process context.
 */
void check_affinity(const struct fam *f)
{
	struct cvs_backend_spec web[3];
	char name[NAME_LEN], vip[64], why[TALLY_STR], host[TAG_LEN];
	int c, err;

	check_name(name, "affinity_client_ip", f);
	flow_vip(f, AFFINITY_VIP, vip);
	web_backends(f, -1, web);
	err = upsert_policy(vip, CVS_POLICY_F_AFFINITY, web, 3);
	if (err)
		return fail(name, "upsert: %s", strerror(-err));
	for (c = 0; c < 2; c++)
		if (!stick(f, f->cli[c], vip, sticks_to[c], why) ||
		    !entry_is(vip, f->cli[c], sticks_to[c], why))
			return fail(name, "%s", why);
	if (!stick(f, NULL, vip, host, why))
		return fail(name, "%s", why);
	printf("  %s sticks to %s, %s to %s, the host to %s over %d connections each\n",
	       f->cli[0], sticks_to[0], f->cli[1], sticks_to[1], host, CONNS);
	pass(name);
}

/*
 * Use within the timeout keeps the entry, however long the client goes on;
 * the timeout of idleness ends it, and the next connection starts a new
 * one.
 */
void check_affinity_timeout(const struct fam *f)
{
	const int gap_ms = TIMEOUT_S * 1000 * 2 / 5;
	char name[NAME_LEN], vip[64], tag[TAG_LEN], why[TALLY_STR];
	struct cvs_pick pick;
	int i, err;

	check_name(name, "affinity_timeout", f);
	flow_vip(f, AFFINITY_VIP, vip);
	for (i = 0; i < 4; i++) {
		sleep_ms(gap_ms);
		err = tcp_probe_from(NS_CLI, f->cli[0], 0, vip, 80,
				     TIMEOUT_MS, tag);
		if (err || strcmp(tag, sticks_to[0]))
			return fail(name, "after %d ms in steps of %d ms: %s, expected %s",
				    (i + 1) * gap_ms, gap_ms,
				    err ? strerror(-err) : tag, sticks_to[0]);
	}
	sleep_ms(TIMEOUT_S * 1000 + 200);
	err = predict(vip, f->cli[0], 0, &pick, tag);
	if (err || pick.reason == CVS_REASON_AFFINITY)
		return fail(name, "idle %d ms: pick %s, %s",
			    TIMEOUT_S * 1000 + 200, strerror(-err),
			    err ? "-" : reason_str(pick.reason));
	err = tcp_probe_from(NS_CLI, f->cli[0], 0, vip, 80, TIMEOUT_MS, tag);
	if (err)
		return fail(name, "after the timeout: %s", strerror(-err));
	if (!entry_is(vip, f->cli[0], tag, why))
		return fail(name, "new entry: %s", why);
	pass(name);
}

/*
 * Draining client 0's backend: its entry is ignored (the backend is not
 * selectable in the new generation) and replaced by a pick among the
 * others, to which it then sticks; client 1 keeps its backend if that was
 * not the one drained. Client 1 was idle through the timeout check, so
 * both connect first to have fresh entries. The service is deleted at the
 * end.
 */
void check_affinity_drained(const struct fam *f)
{
	struct cvs_backend_spec web[3];
	char name[NAME_LEN], vip[64], why[TALLY_STR], now[TAG_LEN];
	int c, drained, err;

	check_name(name, "affinity_drained_moves", f);
	flow_vip(f, AFFINITY_VIP, vip);
	for (c = 0; c < 2; c++)
		if (!stick(f, f->cli[c], vip, sticks_to[c], why))
			return fail(name, "before draining: %s", why);
	for (drained = 0; drained < 3; drained++)
		if (!strcmp(f->web[drained], sticks_to[0]))
			break;
	web_backends(f, drained, web);
	err = upsert_policy(vip, CVS_POLICY_F_AFFINITY, web, 3);
	if (err)
		return fail(name, "upsert: %s", strerror(-err));
	for (c = 0; c < 2; c++) {
		if (!stick(f, f->cli[c], vip, now, why))
			return fail(name, "%s drained: %s", f->web[drained],
				    why);
		if (!strcmp(now, f->web[drained]))
			return fail(name, "%s still reaches %s, drained",
				    f->cli[c], now);
		if (c == 1 && strcmp(sticks_to[1], f->web[drained]) &&
		    strcmp(now, sticks_to[1]))
			return fail(name, "%s left %s, which was not drained, for %s",
				    f->cli[1], sticks_to[1], now);
		if (!entry_is(vip, f->cli[c], now, why))
			return fail(name, "%s", why);
		snprintf(sticks_to[c], TAG_LEN, "%s", now);
	}
	err = delete(vip);
	if (err)
		return fail(name, "delete: %s", strerror(-err));
	printf("  %s drained: %s moved to %s, %s is on %s\n", f->web[drained],
	       f->cli[0], sticks_to[0], f->cli[1], sticks_to[1]);
	pass(name);
}

/*
 * Connections with known 5-tuples (the client binds its source port) each
 * reach the backend that cvs_service_pick_flow() names for that flow, and
 * the same tuple again reaches the same one. Weights 1:2:3 over 24 tuples
 * reach more than one backend, or the flow hash would not be in the pick.
 */
void check_maglev(const struct fam *f)
{
	const struct cvs_backend_spec web[] = {
		backend(f->be[0], 8080, 1),
		backend(f->be[1], 8080, 2),
		backend(f->be[2], 8080, 3),
	};
	char name[NAME_LEN], vip[64], want[MAGLEV_TUPLES][TAG_LEN];
	char tag[TAG_LEN];
	struct cvs_pick pick;
	struct tally t = {};
	int i, err;

	check_name(name, "maglev_5tuple", f);
	flow_vip(f, MAGLEV_VIP, vip);
	err = upsert_policy(vip, CVS_POLICY_F_MAGLEV, web, ARRAY_LEN(web));
	if (err)
		return fail(name, "upsert: %s", strerror(-err));
	for (i = 0; i < MAGLEV_TUPLES; i++) {
		err = predict(vip, f->cli[0], SPORT0 + i, &pick, want[i]);
		if (err || pick.reason != CVS_REASON_MAGLEV)
			return fail(name, "pick for port %d: %s, %s",
				    SPORT0 + i, strerror(-err),
				    err ? "-" : reason_str(pick.reason));
		err = tcp_probe_from(NS_CLI, f->cli[0], SPORT0 + i, vip, 80,
				     TIMEOUT_MS, tag);
		if (err || strcmp(tag, want[i]))
			return fail(name, "from port %d: %s, predicted %s",
				    SPORT0 + i, err ? strerror(-err) : tag,
				    want[i]);
		tally_add(&t, tag);
	}
	for (i = 0; i < MAGLEV_TUPLES / 4; i++) {
		err = tcp_probe_from(NS_CLI, f->cli[0], SPORT0 + i, vip, 80,
				     TIMEOUT_MS, tag);
		if (err || strcmp(tag, want[i]))
			return fail(name, "port %d again: %s, first %s",
				    SPORT0 + i, err ? strerror(-err) : tag,
				    want[i]);
	}
	err = delete(vip);
	if (err)
		return fail(name, "delete: %s", strerror(-err));
	printf("  %d tuples from %s as predicted: %s\n", MAGLEV_TUPLES,
	       f->cli[0], tally_str(&t, s1));
	if (t.n < 2)
		return fail(name, "every tuple reached %s", t.tag[0]);
	pass(name);
}

/*
 * Growing the set (cvs_maps_stage/switch) carries the affinity entries to
 * the new set under its ids, and cvs.ko, rebound to it, honours them: the
 * two clients and the host are each read as an affinity pick of the
 * backend they had before any of them connects again, and then reach it.
 */
void check_affinity_survives_grow(void)
{
	const char *name = "affinity_survives_grow";
	const char *const who[3] = { v4.cli[0], v4.cli[1], NULL };
	struct cvs_backend_spec web[3];
	char vip[64], had[3][TAG_LEN], now[TAG_LEN], why[TALLY_STR];
	struct cvs_usage u;
	int c, err;

	flow_vip(&v4, GROW_VIP, vip);
	web_backends(&v4, -1, web);
	err = upsert_timeout(vip, CVS_POLICY_F_AFFINITY, GROW_TIMEOUT_S, web,
			     3) ?: cvs_maps_usage(maps, &u);
	if (err)
		return fail(name, "upsert: %s", strerror(-err));
	for (c = 0; c < 3; c++)
		if (!stick(&v4, who[c], vip, had[c], why))
			return fail(name, "before the grow: %s", why);
	err = grow_once(u.max.max_services * 2);
	if (err)
		return fail(name, "grow: %s", strerror(-err));
	for (c = 0; c < 2; c++)
		if (!entry_is(vip, who[c], had[c], why))
			return fail(name, "after the grow: %s", why);
	for (c = 0; c < 3; c++) {
		if (!stick(&v4, who[c], vip, now, why))
			return fail(name, "after the grow: %s", why);
		if (strcmp(now, had[c]))
			return fail(name, "after the grow, %s had %s, now %s",
				    who[c] ? who[c] : "the host", had[c], now);
	}
	err = delete(vip);
	if (err)
		return fail(name, "delete: %s", strerror(-err));
	printf("  grown to %u services: %s kept %s, %s kept %s, the host kept %s\n",
	       u.max.max_services * 2, who[0], had[0], who[1], had[1],
	       had[2]);
	pass(name);
}
