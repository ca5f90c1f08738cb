/* semver: node-semver's strict grammar. See semver.h. */
#include "meta/semver.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

#define SEMVER_MAX_LENGTH 256
#define MAX_SAFE_INTEGER 9007199254740991ULL

static int is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* NUMERICIDENTIFIER: 0|[1-9]\d* */
static int parse_num(const char **pp, unsigned long long *out)
{
	const char *p = *pp;
	unsigned long long v = 0;

	if (!isdigit((unsigned char)*p))
		return 0;
	if (*p == '0' && isdigit((unsigned char)p[1]))
		return 0;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > MAX_SAFE_INTEGER)
			return 0;
		p++;
	}
	*out = v;
	*pp = p;
	return 1;
}

/* Splits a dot-separated identifier list ending at one of stop; validates each. */
static int parse_ids(const char **pp, const char *stop, int prerelease, struct strlist *out)
{
	const char *p = *pp;

	for (;;) {
		const char *s = p;
		int alpha = 0, digits_only = 1;

		while (*p && !strchr(stop, *p) && *p != '.') {
			if (!isalnum((unsigned char)*p) && *p != '-')
				return 0;
			if (!isdigit((unsigned char)*p))
				alpha = 1, digits_only = 0;
			p++;
		}
		if (p == s)
			return 0;
		if (prerelease && digits_only && !alpha && *s == '0' && p - s > 1)
			return 0; /* numeric identifiers have no leading zeros */
		if (strlist_addn(out, s, (size_t)(p - s)))
			return -1;
		if (*p != '.')
			break;
		p++;
	}
	*pp = p;
	return 1;
}

void meta_semver_free(struct meta_semver *v)
{
	if (!v)
		return;
	free(v->raw);
	free(v->version);
	strlist_clear(&v->prerelease);
	strlist_clear(&v->build);
	memset(v, 0, sizeof(*v));
}

int meta_semver_parse(const char *s, struct meta_semver *v)
{
	const char *p = s, *end;
	struct buf b = BUF_INIT;
	int r;

	memset(v, 0, sizeof(*v));
	if (strlen(s) > SEMVER_MAX_LENGTH)
		return 0;
	while (is_space(*p))
		p++;
	end = p + strlen(p);
	while (end > p && is_space(end[-1]))
		end--;
	if (*end) {
		/* work on the trimmed copy */
		char *t = strndup(p, (size_t)(end - p));

		if (!t)
			return err_set(E_NOMEM, "out of memory");
		r = meta_semver_parse(t, v);
		if (r == 1) {
			free(v->raw);
			v->raw = strdup(s);
			if (!v->raw) {
				free(t);
				meta_semver_free(v);
				return err_set(E_NOMEM, "out of memory");
			}
		}
		free(t);
		return r;
	}
	if (*p == 'v' || *p == '=')
		p++;
	if (!parse_num(&p, &v->major) || *p++ != '.' || !parse_num(&p, &v->minor) ||
	    *p++ != '.' || !parse_num(&p, &v->patch))
		goto invalid;
	if (*p == '-') {
		p++;
		r = parse_ids(&p, "+", 1, &v->prerelease);
		if (r <= 0)
			goto fail_r;
	}
	if (*p == '+') {
		p++;
		r = parse_ids(&p, "", 0, &v->build);
		if (r <= 0)
			goto fail_r;
	}
	if (*p)
		goto invalid;
	if (buf_printf(&b, "%llu.%llu.%llu", v->major, v->minor, v->patch))
		goto oom;
	for (size_t i = 0; i < v->prerelease.len; i++)
		if (buf_printf(&b, "%c%s", i ? '.' : '-', v->prerelease.items[i]))
			goto oom;
	v->version = buf_detach(&b);
	v->raw = strdup(s);
	if (!v->raw)
		goto oom;
	return 1;
fail_r:
	if (r < 0)
		goto oom;
invalid:
	buf_free(&b);
	meta_semver_free(v);
	return 0;
oom:
	buf_free(&b);
	meta_semver_free(v);
	return err_set(E_NOMEM, "out of memory");
}

static int is_numeric(const char *s)
{
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static int cmp_ull(unsigned long long a, unsigned long long b)
{
	return a < b ? -1 : a > b;
}

int meta_semver_compare(const struct meta_semver *a, const struct meta_semver *b)
{
	int c;

	if ((c = cmp_ull(a->major, b->major)) || (c = cmp_ull(a->minor, b->minor)) ||
	    (c = cmp_ull(a->patch, b->patch)))
		return c;
	if (!a->prerelease.len || !b->prerelease.len)
		return (int)!a->prerelease.len - (int)!b->prerelease.len;
	for (size_t i = 0;; i++) {
		const char *x, *y;
		int nx, ny;

		if (i == a->prerelease.len || i == b->prerelease.len)
			return cmp_ull(a->prerelease.len, b->prerelease.len);
		x = a->prerelease.items[i];
		y = b->prerelease.items[i];
		nx = is_numeric(x);
		ny = is_numeric(y);
		if (nx && ny)
			c = cmp_ull(strtoull(x, NULL, 10), strtoull(y, NULL, 10));
		else if (nx != ny)
			c = nx ? -1 : 1;
		else
			c = strcmp(x, y);
		if (c)
			return c < 0 ? -1 : 1;
	}
}
