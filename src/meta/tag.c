/* tag: parsers of the tags, flavor and images entries. See tag.h. */
#include "meta/tag.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/csv.h"
#include "util/err.h"

static const char *const type_names[] = { "schedule", "semver", "pep440", "match", "edge",
	"ref", "raw", "sha", "run" };
static const char *const default_priority[] = { "1000", "900", "900", "800", "700", "600",
	"200", "100", "150" };
/* Every attribute metadata-action documents; anything else is a typo worth an error. */
static const char *const known_attrs[] = { "value", "pattern", "match", "group", "branch",
	"event", "format", "prefix", "suffix", "enable", "priority", NULL };

const char *meta_tag_type_name(enum meta_tag_type t)
{
	return type_names[t];
}

const char *meta_tag_attr(const struct meta_tag *t, const char *key)
{
	for (size_t i = t->keys.len; i-- > 0;)
		if (!strcmp(t->keys.items[i], key))
			return t->vals.items[i];
	return NULL;
}

int meta_tag_set_attr(struct meta_tag *t, const char *key, const char *val)
{
	for (size_t i = 0; i < t->keys.len; i++) {
		if (!strcmp(t->keys.items[i], key)) {
			char *v = strdup(val);

			if (!v)
				return err_set(E_NOMEM, "out of memory");
			free(t->vals.items[i]);
			t->vals.items[i] = v;
			return 0;
		}
	}
	if (strlist_add(&t->keys, key) || strlist_add(&t->vals, val))
		return err_set(E_NOMEM, "out of memory");
	return 0;
}

static char *trim_dup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

static void tag_free(struct meta_tag *t)
{
	free(t->entry);
	strlist_clear(&t->keys);
	strlist_clear(&t->vals);
}

#define TAG_ERR(fmt, ...) err_set(E_USAGE, "input 'tags': entry '%s': " fmt, entry, __VA_ARGS__)

static int set_default(struct meta_tag *t, const char *key, const char *val)
{
	return meta_tag_attr(t, key) ? 0 : meta_tag_set_attr(t, key, val);
}

int meta_tag_parse(const char *entry, struct meta_tag *t)
{
	struct strlist fields = STRLIST_INIT;
	const char *v;
	int rc, have_type = 0;
	char *end;

	memset(t, 0, sizeof(*t));
	t->type = META_RAW;
	if (!(t->entry = strdup(entry)))
		return err_set(E_NOMEM, "out of memory");
	if ((rc = csv_parse_first(entry, &fields)))
		goto out;
	for (size_t i = 0; i < fields.len; i++) {
		const char *f = fields.items[i];
		/* split at the first '=' that has something before it, as /(?<=^[^=]+?)=/ */
		const char *eq = *f && *f != '=' ? strchr(f, '=') : NULL;
		char *key, *val;

		if (!eq) {
			val = trim_dup(f, strlen(f));
			rc = val ? meta_tag_set_attr(t, "value", val) : err_set(E_NOMEM, "out of memory");
			free(val);
			if (rc)
				goto out;
			continue;
		}
		key = trim_dup(f, (size_t)(eq - f));
		val = trim_dup(eq + 1, strlen(eq + 1));
		if (!key || !val) {
			free(key);
			free(val);
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		for (char *k = key; *k; k++)
			*k = (char)tolower((unsigned char)*k);
		if (!strcmp(key, "type")) {
			size_t j;

			for (j = 0; j < sizeof(type_names) / sizeof(type_names[0]); j++)
				if (!strcmp(val, type_names[j]))
					break;
			if (j == sizeof(type_names) / sizeof(type_names[0])) {
				rc = TAG_ERR("unknown type '%s' (expected schedule, semver, pep440, "
					     "match, edge, ref, raw, sha or run)", val);
			} else {
				t->type = (enum meta_tag_type)j;
				have_type = 1;
			}
		} else {
			size_t j;

			for (j = 0; known_attrs[j]; j++)
				if (!strcmp(key, known_attrs[j]))
					break;
			if (!known_attrs[j])
				rc = TAG_ERR("unknown attribute '%s' (expected type, value, pattern, "
					     "match, group, branch, event, format, prefix, suffix, "
					     "enable or priority)", key);
			else
				rc = meta_tag_set_attr(t, key, val);
		}
		free(key);
		free(val);
		if (rc)
			goto out;
	}
	(void)have_type;
	switch (t->type) {
	case META_SCHEDULE:
		rc = set_default(t, "pattern", "nightly");
		break;
	case META_SEMVER:
	case META_PEP440:
		if (!meta_tag_attr(t, "pattern")) {
			rc = TAG_ERR("missing attribute 'pattern' for type=%s", type_names[t->type]);
			break;
		}
		if (!(rc = set_default(t, "value", "")))
			rc = set_default(t, "match", "");
		break;
	case META_MATCH:
		if (!meta_tag_attr(t, "pattern")) {
			rc = TAG_ERR("missing attribute 'pattern' for type=%s", "match");
			break;
		}
		if ((rc = set_default(t, "group", "0")) || (rc = set_default(t, "value", "")))
			break;
		v = meta_tag_attr(t, "group");
		strtoul(v, &end, 10);
		if (!*v || *end || !isdigit((unsigned char)*v))
			rc = TAG_ERR("invalid match group '%s' (expected a group number)", v);
		break;
	case META_EDGE:
		rc = set_default(t, "branch", "");
		break;
	case META_REF:
		v = meta_tag_attr(t, "event");
		if (!v) {
			rc = TAG_ERR("missing attribute 'event' for type=%s (expected branch, tag or pr)",
				     "ref");
			break;
		}
		if (strcmp(v, "branch") && strcmp(v, "tag") && strcmp(v, "pr")) {
			rc = TAG_ERR("invalid event '%s' (expected branch, tag or pr)", v);
			break;
		}
		if (!strcmp(v, "pr"))
			rc = set_default(t, "prefix", "pr-");
		break;
	case META_RAW:
		if (!meta_tag_attr(t, "value"))
			rc = TAG_ERR("missing attribute 'value' for type=%s", "raw");
		break;
	case META_SHA:
		if ((rc = set_default(t, "prefix", "sha-")) || (rc = set_default(t, "format", "short")))
			break;
		v = meta_tag_attr(t, "format");
		if (strcmp(v, "short") && strcmp(v, "long"))
			rc = TAG_ERR("invalid format '%s' (expected short or long)", v);
		break;
	case META_RUN:
		if ((rc = set_default(t, "prefix", "run-")) || (rc = set_default(t, "format", "number")))
			break;
		v = meta_tag_attr(t, "format");
		if (strcmp(v, "number") && strcmp(v, "id") && strcmp(v, "attempt"))
			rc = TAG_ERR("invalid format '%s' (expected number, id or attempt)", v);
		break;
	}
	if (rc)
		goto out;
	if ((rc = set_default(t, "enable", "true")) ||
	    (rc = set_default(t, "priority", default_priority[t->type])))
		goto out;
	v = meta_tag_attr(t, "priority");
	t->priority = strtod(v, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (!*v || *end || isnan(t->priority))
		rc = TAG_ERR("invalid priority '%s' (expected a number)", v);
out:
	strlist_clear(&fields);
	if (rc)
		tag_free(t);
	return rc;
}

void meta_tags_free(struct meta_tag *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tag_free(&t[i]);
	free(t);
}

int meta_tags_parse(const struct strlist *entries, struct meta_tag **out, size_t *n)
{
	static const char *const defaults[] = { "type=schedule", "type=ref,event=branch",
		"type=ref,event=tag", "type=ref,event=pr" };
	size_t count = entries->len ? entries->len : 4;
	struct meta_tag *t = calloc(count, sizeof(*t));
	int rc;

	*out = NULL;
	*n = 0;
	if (!t)
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < count; i++) {
		if ((rc = meta_tag_parse(entries->len ? entries->items[i] : defaults[i], &t[i]))) {
			meta_tags_free(t, i);
			return rc;
		}
	}
	/* stable insertion sort, highest priority first (Array.prototype.sort is stable) */
	for (size_t i = 1; i < count; i++) {
		struct meta_tag x = t[i];
		size_t j = i;

		while (j > 0 && t[j - 1].priority < x.priority) {
			t[j] = t[j - 1];
			j--;
		}
		t[j] = x;
	}
	*out = t;
	*n = count;
	return 0;
}

void meta_flavor_free(struct meta_flavor *f)
{
	if (!f)
		return;
	free(f->prefix);
	free(f->suffix);
	f->prefix = f->suffix = NULL;
}

/* metadata-action splits flavor and image fields at every '=' and keeps parts[1]. */
static int split_kv(const char *f, char **key, char **val)
{
	const char *eq = strchr(f, '=');
	const char *e2;

	*key = *val = NULL;
	if (!eq)
		return 0;
	e2 = strchr(eq + 1, '=');
	*key = trim_dup(f, (size_t)(eq - f));
	*val = trim_dup(eq + 1, e2 ? (size_t)(e2 - eq - 1) : strlen(eq + 1));
	if (!*key || !*val) {
		free(*key);
		free(*val);
		return err_set(E_NOMEM, "out of memory");
	}
	for (char *k = *key; *k; k++)
		*k = (char)tolower((unsigned char)*k);
	return 1;
}

int meta_flavor_parse(const struct strlist *entries, struct meta_flavor *f)
{
	struct strlist fields = STRLIST_INIT;
	int rc = 0;

	memset(f, 0, sizeof(*f));
	strcpy(f->latest, "auto");
	f->prefix = strdup("");
	f->suffix = strdup("");
	if (!f->prefix || !f->suffix)
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < entries->len && !rc; i++) {
		const char *entry = entries->items[i];
		const char *onlatest_for = "";

		strlist_clear(&fields);
		if ((rc = csv_parse_first(entry, &fields)))
			break;
		for (size_t j = 0; j < fields.len && !rc; j++) {
			char *key, *val;
			int r = split_kv(fields.items[j], &key, &val);

			if (r < 0) {
				rc = r;
				break;
			}
			if (!r) {
				rc = err_set(E_USAGE, "input 'flavor': entry '%s': '%s' is not key=value "
						      "(expected latest=, prefix=, suffix= or onlatest=)",
					     entry, fields.items[j]);
				break;
			}
			if (!strcmp(key, "latest")) {
				if (strcmp(val, "auto") && strcmp(val, "true") && strcmp(val, "false"))
					rc = err_set(E_USAGE, "input 'flavor': entry '%s': invalid latest "
							      "'%s' (expected auto, true or false)",
						     entry, val);
				else
					strcpy(f->latest, val);
			} else if (!strcmp(key, "prefix") || !strcmp(key, "suffix")) {
				char **dst = key[0] == 'p' ? &f->prefix : &f->suffix;

				free(*dst);
				*dst = val;
				val = NULL;
				onlatest_for = key[0] == 'p' ? "prefix" : "suffix";
			} else if (!strcmp(key, "onlatest")) {
				if (strcmp(val, "true") && strcmp(val, "false"))
					rc = err_set(E_USAGE, "input 'flavor': entry '%s': invalid onlatest "
							      "'%s' (expected true or false)",
						     entry, val);
				else if (!strcmp(onlatest_for, "prefix"))
					f->prefix_latest = !strcmp(val, "true");
				else if (!strcmp(onlatest_for, "suffix"))
					f->suffix_latest = !strcmp(val, "true");
			} else {
				rc = err_set(E_USAGE, "input 'flavor': entry '%s': unknown key '%s' "
						      "(expected latest, prefix, suffix or onlatest)",
					     entry, key);
			}
			free(key);
			free(val);
		}
	}
	strlist_clear(&fields);
	if (rc)
		meta_flavor_free(f);
	return rc;
}

void meta_images_free(struct meta_image *im, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(im[i].name);
	free(im);
}

static int image_push(struct meta_image **im, size_t *n, size_t *cap, const char *name, int en)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct meta_image *ni = realloc(*im, nc * sizeof(*ni));

		if (!ni)
			return err_set(E_NOMEM, "out of memory");
		*im = ni;
		*cap = nc;
	}
	if (!((*im)[*n].name = strdup(name)))
		return err_set(E_NOMEM, "out of memory");
	(*im)[(*n)++].enable = en;
	return 0;
}

int meta_images_parse(const struct strlist *entries, struct meta_image **out, size_t *n)
{
	struct strlist fields = STRLIST_INIT;
	struct meta_image *im = NULL;
	size_t cap = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	/* old format: a single entry of comma-separated names */
	if (entries->len == 1) {
		int newformat = 0;

		if ((rc = csv_parse_first(entries->items[0], &fields)))
			return rc;
		for (size_t j = 0; j < fields.len; j++)
			if (strchr(fields.items[j], '='))
				newformat = 1;
		if (!newformat) {
			for (size_t j = 0; j < fields.len && !rc; j++) {
				char *name = trim_dup(fields.items[j], strlen(fields.items[j]));

				rc = name ? image_push(&im, n, &cap, name, 1) : err_set(E_NOMEM, "oom");
				free(name);
			}
			goto out;
		}
	}
	for (size_t i = 0; i < entries->len && !rc; i++) {
		const char *entry = entries->items[i];
		char *name = strdup("");
		int enable = 1;

		strlist_clear(&fields);
		if (!name || (rc = csv_parse_first(entry, &fields))) {
			free(name);
			rc = rc ? rc : err_set(E_NOMEM, "out of memory");
			break;
		}
		for (size_t j = 0; j < fields.len && !rc; j++) {
			char *key, *val;
			int r = split_kv(fields.items[j], &key, &val);

			if (r < 0) {
				rc = r;
			} else if (!r) {
				free(name);
				name = trim_dup(fields.items[j], strlen(fields.items[j]));
				if (!name)
					rc = err_set(E_NOMEM, "out of memory");
			} else if (!strcmp(key, "name")) {
				free(name);
				name = val;
				val = NULL;
			} else if (!strcmp(key, "enable")) {
				if (strcmp(val, "true") && strcmp(val, "false"))
					rc = err_set(E_USAGE, "input 'images': entry '%s': invalid enable "
							      "'%s' (expected true or false)",
						     entry, val);
				else
					enable = !strcmp(val, "true");
			} else {
				rc = err_set(E_USAGE, "input 'images': entry '%s': unknown attribute '%s' "
						      "(expected name or enable)",
					     entry, key);
			}
			if (r > 0) {
				free(key);
				free(val);
			}
		}
		if (!rc && !*name)
			rc = err_set(E_USAGE, "input 'images': entry '%s': the image name is empty", entry);
		if (!rc)
			rc = image_push(&im, n, &cap, name, enable);
		free(name);
	}
out:
	strlist_clear(&fields);
	if (rc) {
		meta_images_free(im, *n);
		*n = 0;
		return rc;
	}
	*out = im;
	return 0;
}
