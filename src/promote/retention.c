/* promote/retention: the pure plan of convoy prune. See retention.h. */
#include "promote/retention.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

struct retention_item *retention_find(const struct retention_set *s, const char *digest)
{
	for (size_t i = 0; i < s->len; i++)
		if (!strcmp(s->items[i].digest, digest))
			return &s->items[i];
	return NULL;
}

int retention_get(struct retention_set *s, const char *digest, enum retention_kind kind,
		  struct retention_item **out, int *added)
{
	struct retention_item *it = retention_find(s, digest);

	if (added)
		*added = 0;
	if (it) {
		*out = it;
		return 0;
	}
	if (s->len == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct retention_item *n = realloc(s->items, cap * sizeof(*n));

		if (!n)
			return err_set(E_NOMEM, "out of memory");
		s->items = n;
		s->cap = cap;
	}
	it = &s->items[s->len];
	memset(it, 0, sizeof(*it));
	if (!(it->digest = strdup(digest)))
		return err_set(E_NOMEM, "out of memory");
	it->kind = kind;
	it->time_ms = -1;
	s->len++;
	*out = it;
	if (added)
		*added = 1;
	return 0;
}

struct retention_item *retention_find_tag(const struct retention_set *s, const char *tag)
{
	for (size_t i = 0; i < s->len; i++)
		if (strlist_contains(&s->items[i].tags, tag))
			return &s->items[i];
	return NULL;
}

void retention_set_free(struct retention_set *s)
{
	for (size_t i = 0; s && i < s->len; i++) {
		struct retention_item *it = &s->items[i];

		free(it->digest);
		free(it->media_type);
		free(it->subject);
		free(it->reason);
		strlist_clear(&it->tags);
		strlist_clear(&it->children);
	}
	if (s) {
		free(s->items);
		memset(s, 0, sizeof(*s));
	}
}

int retention_rollback_targets(const struct retention_stage *st, size_t keep,
			       struct strlist *out)
{
	int rc = 0;

	for (size_t i = 0; i < st->history.len && out->len < keep && !rc; i++) {
		const char *d = st->history.items[i];

		if (*d && !strlist_contains(&st->current, d) && !strlist_contains(out, d))
			rc = strlist_add(out, d);
	}
	return rc;
}

/* Template matching: literal runs must match, each {{...}} one or more characters. */
static int template_match(const char *t, const char *s)
{
	if (!*t)
		return !*s;
	if (!strncmp(t, "{{", 2)) {
		const char *end = strstr(t, "}}");

		if (!end)
			return !strcmp(t, s);
		for (size_t k = 1; k <= strlen(s); k++)
			if (template_match(end + 2, s + k))
				return 1;
		return 0;
	}
	return *t == *s && template_match(t + 1, s + 1);
}

/* A template that is nothing but placeholders ("{{version}}") says nothing about a tag. */
static int template_only_placeholders(const char *t)
{
	while (*t) {
		const char *end;

		if (strncmp(t, "{{", 2) || !(end = strstr(t, "}}")))
			return 0;
		t = end + 2;
	}
	return 1;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* v?N(.N){0,2}, then an optional -pre and +build of [0-9A-Za-z.-]. */
static int is_semver_like(const char *s)
{
	int parts = 0;

	if (*s == 'v')
		s++;
	for (;;) {
		if (!is_digit(*s))
			return 0;
		while (is_digit(*s))
			s++;
		parts++;
		if (*s != '.' || parts == 3 || !is_digit(s[1]))
			break;
		s++;
	}
	if (*s == '-' || *s == '+') {
		if (!s[1])
			return 0;
		for (s++; *s; s++)
			if (!(is_digit(*s) || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			      *s == '.' || *s == '-' || *s == '+'))
				return 0;
	}
	return !*s;
}

int retention_tag_is_convoy(const char *tag, const struct retention_stage *st, size_t nst,
			    const struct retention_opts *o)
{
	size_t n = strlen(tag);
	long caps[2 * META_REGEX_MAX_GROUPS];

	if (n > 7 && !strncmp(tag, "sha256-", 7) && n >= 7 + 64 && is_hex(tag + 7, 64) &&
	    (n == 7 + 64 || !strcmp(tag + 71, ".sig") || !strcmp(tag + 71, ".att") ||
	     !strcmp(tag + 71, ".sbom")))
		return 1;
	if (n >= 4 + 7 && n <= 4 + 64 && !strncmp(tag, "sha-", 4) && is_hex(tag + 4, n - 4))
		return 1;
	if (is_semver_like(tag))
		return 1;
	for (size_t i = 0; i < nst; i++)
		for (size_t k = 0; k < st[i].templates.len; k++) {
			const char *t = st[i].templates.items[k];

			if (!template_only_placeholders(t) && template_match(t, tag))
				return 1;
		}
	for (size_t i = 0; o && i < o->npatterns; i++)
		if (meta_regex_exec(o->patterns[i], tag, caps) == 1)
			return 1;
	return 0;
}

int retention_age_str(struct buf *out, long long ms)
{
	if (ms < 0)
		return buf_puts(out, "?");
	if (ms >= 86400000LL)
		return buf_printf(out, "%lldd", ms / 86400000LL);
	if (ms >= 3600000LL)
		return buf_printf(out, "%lldh", ms / 3600000LL);
	return buf_printf(out, "%lldm", ms / 60000LL);
}

static int verdict(struct retention_item *it, int keep, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int verdict(struct retention_item *it, int keep, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc) {
		buf_free(&b);
		return rc;
	}
	free(it->reason);
	it->reason = buf_detach(&b);
	it->keep = keep;
	return 0;
}

/* Item states while planning: decided by the item itself, or following others. */
enum { UNDECIDED = 0, KEPT, DELETED };

/* The verdict of an image (or a tagged platform manifest) on its own. */
static int judge_image(struct retention_item *it, const struct retention_stage *st, size_t nst,
		       const struct strlist *targets, const struct retention_opts *o,
		       int *state)
{
	struct buf age = BUF_INIT, lim = BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < nst; i++)
		if (strlist_contains(&st[i].current, it->digest)) {
			*state = KEPT;
			return verdict(it, 1, "current in %s", st[i].name);
		}
	for (size_t i = 0; i < nst; i++)
		for (size_t k = 0; k < targets[i].len; k++)
			if (!strcmp(targets[i].items[k], it->digest)) {
				*state = KEPT;
				return verdict(it, 1, "rollback target %zu of %s", k + 1,
					       st[i].name);
			}
	for (size_t i = 0; i < it->tags.len; i++)
		if (!retention_tag_is_convoy(it->tags.items[i], st, nst, o)) {
			*state = KEPT;
			return verdict(it, 1, "tag '%s' is outside convoy's patterns",
				       it->tags.items[i]);
		}
	if (it->kind == RETENTION_PLATFORM && !it->tags.len)
		return 0; /* follows its index */
	if (it->time_ms < 0) {
		*state = KEPT;
		return verdict(it, 1, "age unknown");
	}
	if ((rc = retention_age_str(&age, o->now_ms - it->time_ms)) ||
	    (rc = retention_age_str(&lim, o->older_than_ms)))
		goto out;
	if (o->now_ms - it->time_ms < o->older_than_ms) {
		*state = KEPT;
		rc = verdict(it, 1, "younger than %s (%s, %s)", buf_cstr(&lim), buf_cstr(&age),
			     it->time_src ? it->time_src : "?");
	} else if (it->kind == RETENTION_PLATFORM) {
		rc = 0; /* old and tagged: goes unless a kept index lists it */
	} else {
		*state = DELETED;
		rc = verdict(it, 0, "older than %s (%s, %s) and in no stage's last %zu", buf_cstr(&lim),
			     buf_cstr(&age), it->time_src ? it->time_src : "?", o->keep);
	}
out:
	buf_free(&age);
	buf_free(&lim);
	return rc;
}

static int keep_because(struct retention_item *it, int *state, const char *why,
			const char *digest, int *changed)
{
	*state = KEPT;
	*changed = 1;
	return verdict(it, 1, "%s %.19s", why, digest);
}

/* One pass of the propagation: kept indexes keep their manifests, kept subjects their
 * referrers. */
static int propagate(struct retention_set *s, int *state, int *changed)
{
	int rc = 0;

	*changed = 0;
	for (size_t i = 0; i < s->len && !rc; i++) {
		struct retention_item *it = &s->items[i];

		if (state[i] != KEPT)
			continue;
		for (size_t k = 0; k < it->children.len && !rc; k++) {
			struct retention_item *c = retention_find(s, it->children.items[k]);
			size_t ci;

			if (!c)
				continue;
			ci = (size_t)(c - s->items);
			if (state[ci] != KEPT)
				rc = keep_because(c, &state[ci],
						  it->kind == RETENTION_REFERRERS_INDEX
							  ? "listed in the kept referrers index"
							  : "platform of kept",
						  it->digest, changed);
		}
	}
	for (size_t i = 0; i < s->len && !rc; i++) {
		struct retention_item *it = &s->items[i], *subj;

		if (state[i] == KEPT || !it->subject || !(subj = retention_find(s, it->subject)))
			continue;
		if (state[subj - s->items] == KEPT)
			rc = keep_because(it, &state[i], "refers to kept", subj->digest, changed);
	}
	return rc;
}

/* What is left undecided follows what it depends on, which goes. */
static int judge_follower(const struct retention_set *s, struct retention_item *it)
{
	if (it->kind == RETENTION_PLATFORM)
		return verdict(it, 0, "platform of deleted index%s", "");
	if (!it->subject)
		return verdict(it, 0, "nothing kept refers to it");
	if (!retention_find(s, it->subject))
		return verdict(it, 1, "its subject %.19s was not examined", it->subject);
	if (retention_find(s, it->subject)->absent)
		return verdict(it, 0, "orphaned: its subject %.19s is gone", it->subject);
	return verdict(it, 0, "refers to deleted %.19s", it->subject);
}

int retention_plan(struct retention_set *s, const struct retention_stage *st, size_t nst,
		   const struct retention_opts *o)
{
	struct strlist *targets = calloc(nst ? nst : 1, sizeof(*targets));
	int *state = calloc(s->len ? s->len : 1, sizeof(*state));
	int rc = 0, changed = 1;

	if (!targets || !state) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nst && !rc; i++)
		rc = retention_rollback_targets(&st[i], o->keep, &targets[i]);
	for (size_t i = 0; i < s->len && !rc; i++) {
		struct retention_item *it = &s->items[i];

		if (it->absent) {
			state[i] = DELETED;
			rc = verdict(it, 0, "gone already");
		} else if (it->kind == RETENTION_IMAGE || it->kind == RETENTION_PLATFORM) {
			rc = judge_image(it, st, nst, targets, o, &state[i]);
		} else {
			for (size_t k = 0; k < it->tags.len && !rc; k++)
				if (!retention_tag_is_convoy(it->tags.items[k], st, nst, o)) {
					state[i] = KEPT;
					rc = verdict(it, 1, "tag '%s' is outside convoy's patterns",
						     it->tags.items[k]);
					break;
				}
		}
	}
	while (!rc && changed)
		rc = propagate(s, state, &changed);
	for (size_t i = 0; i < s->len && !rc; i++)
		if (state[i] == UNDECIDED)
			rc = judge_follower(s, &s->items[i]);
out:
	for (size_t i = 0; targets && i < nst; i++)
		strlist_clear(&targets[i]);
	free(targets);
	free(state);
	return rc;
}
