// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The map set alone, without programs: libcvsbpf loads this object to create
 * the maps (BTF included, so `bpftool map dump` prints named fields) and pins
 * them.
 */
#include "cvs_maps.bpf.h"
