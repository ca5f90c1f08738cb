/*
 * pipeline/gates: a stage's time and health gates, as written in the pipeline file, and the
 * pure checks on them (promote/gate_ledger.c gathers the facts from the ledger):
 *
 *   - name: prod
 *     soak: 24h                # the digest has been in the previous stage this long (ledger)
 *     require-healthy: true    # its last deploy in the previous stage is recorded as deployed
 *     freeze:                  # promotions to the stage are refused inside these spans
 *       - weekly: "Fri 16:00 - Mon 08:00"
 *         tz: Europe/Berlin    # IANA zone of the times (default UTC)
 *       - from: 2026-12-20     # dates are whole days, `to` included;
 *         to: 2027-01-04       # or date-times: 2026-12-20T18:00 (then `to` is the end)
 *         reason: year-end freeze
 *     allowed-actors: [alice]  # who may pass a freeze with --override "reason" (default: anyone)
 *
 * Durations: whole numbers with units d, h, m, s, combined ("1h30m", "7d", "90s").
 * Everything is compared in the span's zone's wall-clock time, so a weekly span follows the
 * zone's daylight saving time.
 */
#ifndef CONVOY_PIPELINE_GATES_H
#define CONVOY_PIPELINE_GATES_H

#include <stddef.h>

#include "util/buf.h"

struct pipeline_freeze {
	int weekly;              /* weekly span (from/to_min), else a date span (from/to_local) */
	int from_min, to_min;    /* weekly: minutes since Monday 00:00; to < from wraps the week */
	long long from_local;    /* dates: wall-clock ms (as if UTC) of the start, included */
	long long to_local;      /* ... and of the end, excluded */
	char *tz;                /* NULL: UTC */
	char *reason;            /* NULL: none given */
	char *text;              /* the span as written, for messages ("Fri 16:00 - Mon 08:00") */
	unsigned line;
};

struct pipeline_gates {
	long long soak_ms;       /* 0: no soak */
	char *soak_text;         /* as written ("24h") */
	int require_healthy;
	struct pipeline_freeze *freeze;
	size_t nfreeze;
	char **allowed_actors;   /* NULL-terminated; NULL: anyone may override */
	size_t nallowed;
};

/* "24h", "1h30m", "7d", "90s" -> milliseconds (> 0). E_USAGE naming `what` otherwise. */
int gates_parse_duration(const char *s, const char *what, long long *ms);
/* "Fri 16:00 - Mon 08:00" (day names of 3 letters or in full, any case). */
int gates_parse_weekly(const char *s, const char *what, int *from_min, int *to_min);
/* "2026-12-20" (a whole day: with is_end, the end of that day) or "2026-12-20T18:00[:ss]"
 * (also with a space) -> wall-clock ms as if UTC. */
int gates_parse_when(const char *s, const char *what, int is_end, long long *local_ms);

/* Whether f holds at instant now_ms (its zone's wall clock); *end_local gets the wall-clock
 * ms the span ends at (for "frozen until ..."). E_USAGE for an unknown zone. */
int gates_freeze_active(const struct pipeline_freeze *f, long long now_ms, int *active,
			long long *end_local);

/* "2h13m", "3d4h", "45s": a duration as people read it (at most two units). */
int gates_duration_str(struct buf *out, long long ms);
/* Wall-clock ms as "2026-12-20 18:00" (+ " Europe/Berlin" or " UTC"). */
int gates_local_str(struct buf *out, long long local_ms, const char *tz);

void pipeline_gates_free(struct pipeline_gates *g);

#endif
