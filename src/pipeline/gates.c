/* pipeline/gates: durations, freeze spans and their checks; see gates.h. */
#include "pipeline/gates.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "meta/datefmt.h"
#include "util/err.h"

#define MIN_MS 60000LL
#define DAY_MS 86400000LL
#define WEEK_MIN (7 * 1440)

static const char *const days[] = { "monday", "tuesday", "wednesday", "thursday", "friday",
				    "saturday", "sunday" };

int gates_parse_duration(const char *s, const char *what, long long *ms)
{
	const char *p = s;
	long long total = 0;
	int seen = 0;

	while (*p) {
		long long n = 0, unit;
		const char *start = p;

		while (isdigit((unsigned char)*p) && n < 100000000)
			n = n * 10 + (*p++ - '0');
		if (p == start || isdigit((unsigned char)*p))
			goto bad;
		switch (*p++) {
		case 'd': unit = DAY_MS; break;
		case 'h': unit = 3600000LL; break;
		case 'm': unit = MIN_MS; break;
		case 's': unit = 1000LL; break;
		default: goto bad;
		}
		total += n * unit;
		seen = 1;
	}
	if (!seen || total <= 0)
		goto bad;
	*ms = total;
	return 0;
bad:
	return err_set(E_USAGE, "%s '%s' is not a duration (expected a whole number with d, h, m "
				"or s, e.g. 24h, 1h30m, 7d)", what, s);
}

/* "Fri 16:00" at *pp -> minutes since Monday 00:00; advances *pp. */
static int weekly_point(const char **pp, int *min)
{
	const char *p = *pp, *w;
	int h, m, n = 0;
	size_t len;

	while (*p == ' ')
		p++;
	for (w = p; isalpha((unsigned char)*p); p++)
		;
	len = (size_t)(p - w);
	*min = -1;
	for (int d = 0; d < 7 && len >= 3; d++)
		if (!strncasecmp(w, days[d], len) && (len == 3 || len == strlen(days[d])))
			*min = d * 1440;
	if (*min < 0)
		return -1;
	if (sscanf(p, " %2d:%2d%n", &h, &m, &n) != 2 || h > 23 || m > 59 || h < 0 || m < 0)
		return -1;
	*min += h * 60 + m;
	*pp = p + n;
	return 0;
}

int gates_parse_weekly(const char *s, const char *what, int *from_min, int *to_min)
{
	const char *p = s;

	if (weekly_point(&p, from_min))
		goto bad;
	while (*p == ' ')
		p++;
	if (*p++ != '-' || weekly_point(&p, to_min))
		goto bad;
	while (*p == ' ')
		p++;
	if (*p || *from_min == *to_min)
		goto bad;
	return 0;
bad:
	return err_set(E_USAGE, "%s '%s' is not a weekly span (expected \"Fri 16:00 - Mon 08:00\": a "
				"day and a 24-hour time at each end, different)", what, s);
}

int gates_parse_when(const char *s, const char *what, int is_end, long long *local_ms)
{
	size_t n = strlen(s);
	char full[32];

	if (n == 10 && s[4] == '-' && s[7] == '-') {
		if (meta_date_parse_iso(s, local_ms))
			goto bad;
		if (is_end)
			*local_ms += DAY_MS; /* the whole day is in */
		return 0;
	}
	if ((n == 16 || n == 19) && (s[10] == 'T' || s[10] == ' ')) {
		snprintf(full, sizeof(full), "%s%s", s, n == 16 ? ":00" : "");
		if (strspn(full + 11, "0123456789:") == 8 && !meta_date_parse_iso(full, local_ms))
			return 0;
	}
bad:
	err_clear();
	return err_set(E_USAGE, "%s '%s' is not a date or a date-time (expected 2026-12-20 or "
				"2026-12-20T18:00, in the span's tz)", what, s);
}

/* Wall-clock ms of instant now_ms in zone tz (NULL: UTC). */
static int to_local(const char *tz, long long now_ms, long long *local)
{
	long off = 0;

	if (tz && strcmp(tz, "UTC") && meta_tz_offset(tz, now_ms, &off, NULL, 0))
		return err_set(E_USAGE, "freeze: unknown time zone '%s' (expected an IANA zone such "
					"as Europe/Berlin)", tz);
	*local = now_ms + off * 1000LL;
	return 0;
}

static long long floor_div(long long a, long long b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int gates_freeze_active(const struct pipeline_freeze *f, long long now_ms, int *active,
			long long *end_local)
{
	long long local = 0; /* gcc 12 for aarch64 at -O2 sees a maybe-uninitialized use */
	int rc = to_local(f->tz, now_ms, &local);

	*active = 0;
	*end_local = 0;
	if (rc)
		return rc;
	if (f->weekly) {
		long long day = floor_div(local, DAY_MS);
		int dow = (int)(((day + 3) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
		int m = dow * 1440 + (int)((local - day * DAY_MS) / MIN_MS);

		*active = f->from_min < f->to_min ? m >= f->from_min && m < f->to_min
						  : m >= f->from_min || m < f->to_min;
		if (*active)
			*end_local = (floor_div(local, MIN_MS) +
				      (f->to_min - m + WEEK_MIN) % WEEK_MIN) * MIN_MS;
		return 0;
	}
	*active = local >= f->from_local && local < f->to_local;
	*end_local = f->to_local;
	return 0;
}

int gates_duration_str(struct buf *out, long long ms)
{
	static const struct { long long ms; char unit; } u[] = {
		{ DAY_MS, 'd' }, { 3600000LL, 'h' }, { MIN_MS, 'm' }, { 1000LL, 's' },
	};
	int shown = 0, rc = 0;

	if (ms < 1000)
		return buf_puts(out, "0s");
	for (size_t i = 0; i < 4 && shown < 2 && !rc; i++) {
		long long n = ms / u[i].ms;

		if (n || shown) {
			if (n)
				rc = buf_printf(out, "%lld%c", n, u[i].unit);
			ms -= n * u[i].ms;
			shown++;
		}
	}
	return rc;
}

int gates_local_str(struct buf *out, long long local_ms, const char *tz)
{
	struct buf iso = BUF_INIT;
	int rc = meta_date_iso(&iso, local_ms);

	/* 2026-12-20T18:00:00.000Z -> 2026-12-20 18:00 */
	if (!rc && iso.len >= 16)
		rc = buf_printf(out, "%.10s %.5s %s", iso.data, iso.data + 11, tz ? tz : "UTC");
	buf_free(&iso);
	return rc;
}

void pipeline_gates_free(struct pipeline_gates *g)
{
	if (!g)
		return;
	free(g->soak_text);
	for (size_t i = 0; i < g->nfreeze; i++) {
		free(g->freeze[i].tz);
		free(g->freeze[i].reason);
		free(g->freeze[i].text);
	}
	free(g->freeze);
	for (size_t i = 0; i < g->nallowed; i++)
		free(g->allowed_actors[i]);
	free(g->allowed_actors);
	memset(g, 0, sizeof(*g));
}
