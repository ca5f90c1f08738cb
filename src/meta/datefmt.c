/* datefmt: moment.js format tokens and time zone offsets. See datefmt.h. */
#include "meta/datefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util/err.h"

static const char *const months[] = { "January", "February", "March", "April", "May", "June",
	"July", "August", "September", "October", "November", "December" };
static const char *const day_names[] = { "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
	"Friday", "Saturday" };

static long long floor_div(long long a, long long b)
{
	return a / b - (a % b < 0);
}

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
static void civil(long long z, long long *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct fields {
	long long year;
	int month, day, hour, min, sec, ms, wday, yday; /* month 1-12, yday 1-366 */
	long long days;
};

static void split(long long ms_local, struct fields *f)
{
	long long days = floor_div(ms_local, 86400000LL);
	long long rem = ms_local - days * 86400000LL;

	civil(days, &f->year, &f->month, &f->day);
	f->days = days;
	f->hour = (int)(rem / 3600000);
	f->min = (int)(rem / 60000 % 60);
	f->sec = (int)(rem / 1000 % 60);
	f->ms = (int)(rem % 1000);
	f->wday = (int)((days % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
	f->yday = (int)(days - days_from_civil(f->year, 1, 1) + 1);
}

/* ISO week number and ISO week year. */
static void iso_week(const struct fields *f, int *week, long long *wyear)
{
	int wd = f->wday ? f->wday : 7; /* Monday=1..Sunday=7 */
	long long thursday = f->days - wd + 4;
	long long y;
	int m, d;

	civil(thursday, &y, &m, &d);
	*wyear = y;
	*week = (int)((thursday - days_from_civil(y, 1, 1)) / 7 + 1);
}

/* Locale week (en: weeks start Sunday, week 1 contains Jan 1). */
static void locale_week(const struct fields *f, int *week, long long *wyear)
{
	long long saturday = f->days + (6 - f->wday);
	long long y;
	int m, d;

	civil(saturday, &y, &m, &d);
	*wyear = y;
	*week = (int)((saturday - days_from_civil(y, 1, 1)) / 7 + 1);
}

static const char *ordinal(long long n)
{
	long long b = n % 10, t = n % 100;

	if (t >= 11 && t <= 13)
		return "th";
	return b == 1 ? "st" : b == 2 ? "nd" : b == 3 ? "rd" : "th";
}

static int put_offset(struct buf *out, long off, int colon)
{
	long a = off < 0 ? -off : off;

	return buf_printf(out, "%c%02ld%s%02ld", off < 0 ? '-' : '+', a / 3600, colon ? ":" : "",
			  a / 60 % 60);
}

/* Tokens, longest first where one is a prefix of another. */
static const char *const tokens[] = { "YYYYYY", "YYYYY", "YYYY", "YY", "Y", "Qo", "Q",
	"MMMM", "MMM", "Mo", "MM", "M", "DDDD", "DDDo", "DDD", "Do", "DD", "D", "dddd", "ddd",
	"do", "dd", "d", "E", "e", "wo", "ww", "w", "Wo", "WW", "W", "GGGG", "GG", "gggg", "gg",
	"A", "a", "HH", "H", "hh", "h", "kk", "k", "mm", "m", "ss", "s", "SSSSSSSSS", "SSSSSSSS",
	"SSSSSSS", "SSSSSS", "SSSSS", "SSSS", "SSS", "SS", "S", "ZZ", "Z", "zz", "z", "X", "x", NULL };

static int put_token(struct buf *out, const char *tok, const struct fields *f,
		     const struct meta_instant *t)
{
	int h12 = f->hour % 12 ? f->hour % 12 : 12, week;
	long long wy;

	if (tok[0] == 'S') {
		size_t n = strlen(tok);
		char frac[16];

		/* moment prints at most 9 fraction digits; ms is 0..999. */
		(void)snprintf(frac, sizeof(frac), "%03d000000", (f->ms % 1000 + 1000) % 1000);
		return buf_add(out, frac, n > 9 ? 9 : n);
	}
	if (!strcmp(tok, "YYYYYY"))
		return buf_printf(out, "%c%06lld", f->year < 0 ? '-' : '+', llabs(f->year));
	if (!strcmp(tok, "YYYYY"))
		return buf_printf(out, "%05lld", f->year);
	if (!strcmp(tok, "YYYY"))
		return buf_printf(out, f->year <= 9999 ? "%04lld" : "+%lld", f->year);
	if (!strcmp(tok, "YY"))
		return buf_printf(out, "%02lld", llabs(f->year) % 100);
	if (!strcmp(tok, "Y"))
		return buf_printf(out, f->year <= 9999 ? "%04lld" : "+%lld", f->year);
	if (!strcmp(tok, "Q"))
		return buf_printf(out, "%d", (f->month + 2) / 3);
	if (!strcmp(tok, "Qo"))
		return buf_printf(out, "%d%s", (f->month + 2) / 3, ordinal((f->month + 2) / 3));
	if (!strcmp(tok, "MMMM"))
		return buf_puts(out, months[f->month - 1]);
	if (!strcmp(tok, "MMM"))
		return buf_add(out, months[f->month - 1], 3);
	if (!strcmp(tok, "MM"))
		return buf_printf(out, "%02d", f->month);
	if (!strcmp(tok, "Mo"))
		return buf_printf(out, "%d%s", f->month, ordinal(f->month));
	if (!strcmp(tok, "M"))
		return buf_printf(out, "%d", f->month);
	if (!strcmp(tok, "DDDD"))
		return buf_printf(out, "%03d", f->yday);
	if (!strcmp(tok, "DDDo"))
		return buf_printf(out, "%d%s", f->yday, ordinal(f->yday));
	if (!strcmp(tok, "DDD"))
		return buf_printf(out, "%d", f->yday);
	if (!strcmp(tok, "Do"))
		return buf_printf(out, "%d%s", f->day, ordinal(f->day));
	if (!strcmp(tok, "DD"))
		return buf_printf(out, "%02d", f->day);
	if (!strcmp(tok, "D"))
		return buf_printf(out, "%d", f->day);
	if (!strcmp(tok, "dddd"))
		return buf_puts(out, day_names[f->wday]);
	if (!strcmp(tok, "ddd"))
		return buf_add(out, day_names[f->wday], 3);
	if (!strcmp(tok, "dd"))
		return buf_add(out, day_names[f->wday], 2);
	if (!strcmp(tok, "do"))
		return buf_printf(out, "%d%s", f->wday, ordinal(f->wday));
	if (!strcmp(tok, "d") || !strcmp(tok, "e"))
		return buf_printf(out, "%d", f->wday);
	if (!strcmp(tok, "E"))
		return buf_printf(out, "%d", f->wday ? f->wday : 7);
	if (tok[0] == 'w' || tok[0] == 'g') {
		locale_week(f, &week, &wy);
		if (!strcmp(tok, "gggg"))
			return buf_printf(out, "%04lld", wy);
		if (!strcmp(tok, "gg"))
			return buf_printf(out, "%02lld", wy % 100);
		if (!strcmp(tok, "ww"))
			return buf_printf(out, "%02d", week);
		if (!strcmp(tok, "wo"))
			return buf_printf(out, "%d%s", week, ordinal(week));
		return buf_printf(out, "%d", week);
	}
	if (tok[0] == 'W' || tok[0] == 'G') {
		iso_week(f, &week, &wy);
		if (!strcmp(tok, "GGGG"))
			return buf_printf(out, "%04lld", wy);
		if (!strcmp(tok, "GG"))
			return buf_printf(out, "%02lld", wy % 100);
		if (!strcmp(tok, "WW"))
			return buf_printf(out, "%02d", week);
		if (!strcmp(tok, "Wo"))
			return buf_printf(out, "%d%s", week, ordinal(week));
		return buf_printf(out, "%d", week);
	}
	if (!strcmp(tok, "A"))
		return buf_puts(out, f->hour < 12 ? "AM" : "PM");
	if (!strcmp(tok, "a"))
		return buf_puts(out, f->hour < 12 ? "am" : "pm");
	if (!strcmp(tok, "HH"))
		return buf_printf(out, "%02d", f->hour);
	if (!strcmp(tok, "H"))
		return buf_printf(out, "%d", f->hour);
	if (!strcmp(tok, "hh"))
		return buf_printf(out, "%02d", h12);
	if (!strcmp(tok, "h"))
		return buf_printf(out, "%d", h12);
	if (!strcmp(tok, "kk"))
		return buf_printf(out, "%02d", f->hour ? f->hour : 24);
	if (!strcmp(tok, "k"))
		return buf_printf(out, "%d", f->hour ? f->hour : 24);
	if (!strcmp(tok, "mm"))
		return buf_printf(out, "%02d", f->min);
	if (!strcmp(tok, "m"))
		return buf_printf(out, "%d", f->min);
	if (!strcmp(tok, "ss"))
		return buf_printf(out, "%02d", f->sec);
	if (!strcmp(tok, "s"))
		return buf_printf(out, "%d", f->sec);
	if (!strcmp(tok, "ZZ"))
		return put_offset(out, t->offset_s, 0);
	if (!strcmp(tok, "Z"))
		return put_offset(out, t->offset_s, 1);
	if (!strcmp(tok, "zz") || !strcmp(tok, "z"))
		return buf_puts(out, t->abbr ? t->abbr : "UTC");
	if (!strcmp(tok, "X"))
		return buf_printf(out, "%lld", floor_div(t->ms, 1000));
	if (!strcmp(tok, "x"))
		return buf_printf(out, "%lld", t->ms);
	return buf_puts(out, tok);
}

int meta_date_format(struct buf *out, const char *fmt, const struct meta_instant *t)
{
	struct fields f;
	const char *p = fmt;
	int rc;

	split(t->ms + (long long)t->offset_s * 1000, &f);
	/*
	 * moment's format() without a format (metadata-action's {{commit_date FORMAT}} with the
	 * format unquoted: a Handlebars path, undefined): defaultFormatUtc when the moment is in
	 * UTC mode, which moment-timezone's tz() sets for a zone whose offset is 0 at that instant,
	 * else defaultFormat with the offset.
	 */
	if (!*fmt)
		fmt = p = t->offset_s == 0 ? "YYYY-MM-DDTHH:mm:ss[Z]" : "YYYY-MM-DDTHH:mm:ssZ";
	while (*p) {
		size_t i;

		if (*p == '[') {
			const char *e = strchr(p + 1, ']');

			if (e) {
				if ((rc = buf_add(out, p + 1, (size_t)(e - p - 1))))
					return rc;
				p = e + 1;
				continue;
			}
		}
		if (*p == '\\' && p[1]) {
			if ((rc = buf_putc(out, p[1])))
				return rc;
			p += 2;
			continue;
		}
		for (i = 0; tokens[i]; i++)
			if (!strncmp(p, tokens[i], strlen(tokens[i])))
				break;
		if (tokens[i]) {
			if ((rc = put_token(out, tokens[i], &f, t)))
				return rc;
			p += strlen(tokens[i]);
		} else {
			if ((rc = buf_putc(out, *p)))
				return rc;
			p++;
		}
	}
	return 0;
}

int meta_date_iso(struct buf *out, long long ms)
{
	struct fields f;

	split(ms, &f);
	return buf_printf(out, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", f.year, f.month, f.day,
			  f.hour, f.min, f.sec, f.ms);
}

static int zone_is_utc(const char *z)
{
	static const char *const utc[] = { "UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z", "Zulu",
		"Universal", "Etc/Universal", "Etc/Zulu", "UCT", "Etc/UCT", "Etc/GMT0", "GMT0",
		"Etc/GMT+0", "Etc/GMT-0", "Greenwich", "Etc/Greenwich", NULL };

	for (size_t i = 0; utc[i]; i++)
		if (!strcasecmp(z, utc[i]))
			return 1;
	return 0;
}

static int zone_name_ok(const char *z)
{
	if (!*z || *z == '/' || strstr(z, ".."))
		return 0;
	for (; *z; z++)
		if (!((*z >= 'a' && *z <= 'z') || (*z >= 'A' && *z <= 'Z') ||
	      (*z >= '0' && *z <= '9') || strchr("/_+-", *z)))
			return 0;
	return 1;
}

int meta_tz_offset(const char *zone, long long ms, long *offset_s, char *abbr, size_t abbr_len)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	char *saved = NULL;
	const char *old, *rule = NULL;
	struct stat st;
	struct tm tm;
	time_t t = (time_t)floor_div(ms, 1000);
	int n;

	*offset_s = 0;
	if (abbr_len)
		snprintf(abbr, abbr_len, "UTC");
	if (zone_is_utc(zone))
		return 0;
	if (!zone_name_ok(zone))
		return err_set(E_NOTFOUND, "unknown time zone '%s'", zone);
	n = snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) || !S_ISREG(st.st_mode)) {
		/* no tz database entry: the built-in rule of a common zone, if we have one */
		rule = meta_tz_posix(zone);
		if (!rule)
			return err_set(E_NOTFOUND, "unknown time zone '%s' (not in the tz database)",
				       zone);
	}
	old = getenv("TZ");
	if (old && !(saved = strdup(old)))
		return err_set(E_NOMEM, "out of memory");
	setenv("TZ", rule ? rule : zone, 1);
	tzset();
	if (!localtime_r(&t, &tm)) {
		n = -1;
	} else {
		n = 0;
		*offset_s = tm.tm_gmtoff;
		if (abbr_len)
			snprintf(abbr, abbr_len, "%s", tm.tm_zone ? tm.tm_zone : zone);
	}
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	return n ? err_set(E_INTERNAL, "time zone '%s': cannot convert the date", zone) : 0;
}

int meta_date_parse_iso(const char *s, long long *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, frac_ms = 0;
	long off = 0;
	const char *p;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return err_set(E_USAGE, "'%s' is not an ISO 8601 date", s);
	p = s + n;
	if (*p == 'T' || *p == ' ') {
		if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3)
			return err_set(E_USAGE, "'%s' is not an ISO 8601 date", s);
		p += 1 + n;
		if (*p == '.') {
			int digits = 0;

			for (p++; *p >= '0' && *p <= '9'; p++, digits++)
				if (digits < 3)
					frac_ms = frac_ms * 10 + (*p - '0');
			for (; digits < 3; digits++)
				frac_ms *= 10;
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int oh, om = 0;

			if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1 && sscanf(p + 1, "%2d%2d", &oh, &om) < 1)
				return err_set(E_USAGE, "'%s' is not an ISO 8601 date", s);
			off = (*p == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
			p += strlen(p);
		}
	}
	*ms = (days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + sec - off) * 1000LL +
	      frac_ms;
	return 0;
}
