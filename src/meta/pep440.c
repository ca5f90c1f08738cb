/* pep440: the packaging VERSION_PATTERN, case-insensitive, with its normalisation. */
#include "meta/pep440.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/err.h"

static int is_sep(char c)
{
	return c == '-' || c == '_' || c == '.';
}

static int digits(const char **pp, unsigned long long *out)
{
	const char *p = *pp;
	unsigned long long v = 0;

	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p)) {
		if (v > 1844674407370955161ULL)
			return 0;
		v = v * 10 + (unsigned long long)(*p++ - '0');
	}
	*out = v;
	*pp = p;
	return 1;
}

/* Matches one of words (longest first) case-insensitively at p; returns its index or -1. */
static int word(const char **pp, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(words[i]);

		if (!strncasecmp(*pp, words[i], l)) {
			*pp += l;
			return (int)i;
		}
	}
	return -1;
}

void meta_pep440_free(struct meta_pep440 *v)
{
	if (v) {
		free(v->normalized);
		memset(v, 0, sizeof(*v));
	}
}

int meta_pep440_parse(const char *s, struct meta_pep440 *v)
{
	static const char *const pre_words[] = { "preview", "alpha", "beta", "pre", "rc", "a", "b", "c" };
	static const char *const pre_norm[] = { "rc", "a", "b", "rc", "rc", "a", "b", "rc" };
	static const char *const post_words[] = { "post", "rev", "r" };
	static const char *const dev_words[] = { "dev" };
	const char *p = s, *q;
	struct buf b = BUF_INIT;
	unsigned long long n, epoch = 0, pre_n = 0, post_n = 0, dev_n = 0;
	int pre = -1, post = 0, dev = 0;

	memset(v, 0, sizeof(*v));
	while (isspace((unsigned char)*p))
		p++;
	if (*p == 'v' || *p == 'V')
		p++;
	/* epoch */
	q = p;
	if (digits(&q, &n) && *q == '!') {
		epoch = n;
		p = q + 1;
	}
	if (buf_printf(&b, "%s", ""))
		goto oom;
	if (epoch && buf_printf(&b, "%llu!", epoch))
		goto oom;
	/* release */
	for (;;) {
		if (!digits(&p, &n))
			goto invalid;
		if (v->nrelease < 3)
			v->release[v->nrelease] = n;
		if (buf_printf(&b, "%s%llu", v->nrelease ? "." : "", n))
			goto oom;
		v->nrelease++;
		if (*p == '.' && isdigit((unsigned char)p[1]))
			p++;
		else
			break;
	}
	/* pre: [-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]* */
	q = p;
	if (is_sep(*q))
		q++;
	if ((pre = word(&q, pre_words, 8)) >= 0) {
		const char *r = q;

		if (is_sep(*r))
			r++;
		if (digits(&r, &pre_n))
			q = r;
		p = q;
	}
	/* post: -N | [-_.]?(post|rev|r)[-_.]?N? */
	q = p;
	if (*q == '-' && digits(&(const char *){ q + 1 }, &n)) {
		q++;
		(void)digits(&q, &post_n);
		post = 1;
		p = q;
	} else {
		if (is_sep(*q))
			q++;
		if (word(&q, post_words, 3) >= 0) {
			const char *r = q;

			if (is_sep(*r))
				r++;
			if (digits(&r, &post_n))
				q = r;
			post = 1;
			p = q;
		}
	}
	/* dev */
	q = p;
	if (is_sep(*q))
		q++;
	if (word(&q, dev_words, 1) >= 0) {
		const char *r = q;

		if (is_sep(*r))
			r++;
		if (digits(&r, &dev_n))
			q = r;
		dev = 1;
		p = q;
	}
	if (pre >= 0 && buf_printf(&b, "%s%llu", pre_norm[pre], pre_n))
		goto oom;
	if (post && buf_printf(&b, ".post%llu", post_n))
		goto oom;
	if (dev && buf_printf(&b, ".dev%llu", dev_n))
		goto oom;
	/* local: +[a-z0-9]+([-_.][a-z0-9]+)* , separators normalised to '.' */
	if (*p == '+') {
		p++;
		if (buf_putc(&b, '+'))
			goto oom;
		for (;;) {
			const char *st = p;

			while (isalnum((unsigned char)*p)) {
				if (buf_putc(&b, (char)tolower((unsigned char)*p)))
					goto oom;
				p++;
			}
			if (p == st)
				goto invalid;
			if (is_sep(*p) && isalnum((unsigned char)p[1])) {
				if (buf_putc(&b, '.'))
					goto oom;
				p++;
				continue;
			}
			break;
		}
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		goto invalid;
	v->is_prerelease = pre >= 0 || dev;
	v->is_postrelease = post;
	v->is_devrelease = dev;
	v->normalized = buf_detach(&b);
	return 1;
invalid:
	buf_free(&b);
	memset(v, 0, sizeof(*v));
	return 0;
oom:
	buf_free(&b);
	memset(v, 0, sizeof(*v));
	return err_set(E_NOMEM, "out of memory");
}
