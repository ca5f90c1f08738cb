/*
 * datefmt: moment.js format strings ({{date 'YYYYMMDD-HHmm' tz='Europe/Paris'}}), because
 * metadata-action renders dates with moment-timezone. English locale, as moment's default.
 */
#ifndef CONVOY_META_DATEFMT_H
#define CONVOY_META_DATEFMT_H

#include <time.h>

#include "util/buf.h"

struct meta_instant {
	long long ms;        /* milliseconds since the epoch (UTC) */
	long offset_s;       /* offset of the zone at that instant, east positive */
	const char *abbr;    /* zone abbreviation ("UTC", "CET") */
};

/* Appends t formatted with a moment.js format string. */
int meta_date_format(struct buf *out, const char *fmt, const struct meta_instant *t);
/* ISO 8601 as Date.prototype.toISOString(): 2020-01-10T00:30:00.000Z */
int meta_date_iso(struct buf *out, long long ms);

/* Parses an ISO 8601 date-time (payload timestamps) into milliseconds since the epoch. */
int meta_date_parse_iso(const char *s, long long *ms);

/*
 * Offset and abbreviation of an IANA zone at instant ms, from the system tz database.
 * Returns 0, or E_NOTFOUND when the zone is unknown (the caller warns and uses UTC).
 * Touches TZ only inside and restores it; not thread-safe (called from the main thread).
 */
int meta_tz_offset(const char *zone, long long ms, long *offset_s, char *abbr, size_t abbr_len);

/* The built-in POSIX TZ rule of a common zone (fallback without a tz database), or NULL. */
const char *meta_tz_posix(const char *zone);

#endif
