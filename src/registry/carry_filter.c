/* registry/carry_filter: which referrers a promotion carries (pure). See carry.h. */
#include "registry/carry.h"

#include <string.h>

#include "util/err.h"

/* The words of --referrers; an artifact type (with a '/') is taken as it is. */
static const char *const words[] = { "signature", "in-toto", "spdx", "cyclonedx", "sbom",
				     "sig", "att", NULL };

static int known_word(const char *w)
{
	for (size_t i = 0; words[i]; i++)
		if (!strcmp(words[i], w))
			return 1;
	return 0;
}

static int check_word(const char *w, const char *spec, const char *what)
{
	if (!strcmp(w, "all") || !strcmp(w, "none"))
		return err_set(E_USAGE, "%s: '%s' goes alone, not in a list ('%s')", what, w, spec);
	if (!strchr(w, '/') && !known_word(w))
		return err_set(E_USAGE, "%s: '%s' is not a kind of referrer (expected all, none, "
					"or a comma list of signature, in-toto, spdx, cyclonedx, "
					"sbom, sig, att or artifact types such as "
					"application/spdx+json)", what, w);
	return 0;
}

int registry_carry_filter_parse(struct registry_carry_filter *f, const char *spec,
				const char *what)
{
	const char *p = spec ? spec : "all";
	int rc = 0;

	size_t len;

	memset(f, 0, sizeof(*f));
	p += strspn(p, " \t\r\n");
	for (len = strlen(p); len && strchr(" \t\r\n", p[len - 1]); len--)
		;
	if (!len || (len == 3 && !strncmp(p, "all", 3)))
		return 0;
	if (len == 4 && !strncmp(p, "none", 4)) {
		f->none = 1;
		return 0;
	}
	while (*p && !rc) {
		size_t n = strcspn(p, ",");
		size_t a = 0, b = n;
		struct buf w = BUF_INIT;

		while (a < b && strchr(" \t\r\n", p[a]))
			a++;
		while (b > a && strchr(" \t\r\n", p[b - 1]))
			b--;
		if (a == b)
			rc = err_set(E_USAGE, "%s: an empty entry in '%s' (expected all, none or a "
					      "comma list of kinds or artifact types)", what, spec);
		else if (!(rc = buf_add(&w, p + a, b - a)))
			rc = check_word(buf_cstr(&w), spec, what);
		if (!rc && !strlist_contains(&f->kinds, buf_cstr(&w)))
			rc = strlist_add(&f->kinds, buf_cstr(&w));
		buf_free(&w);
		p += n;
		if (*p == ',')
			p++;
	}
	if (rc)
		registry_carry_filter_free(f);
	return rc;
}

void registry_carry_filter_free(struct registry_carry_filter *f)
{
	if (!f)
		return;
	strlist_clear(&f->kinds);
}

const char *registry_carry_kind(const char *at, const char *legacy_suffix)
{
	if (at && (strstr(at, "cosign.artifact.sig") || strstr(at, "cosign.simplesigning")))
		return "signature";
	if (at && strstr(at, "in-toto"))
		return "in-toto";
	if (at && strstr(at, "spdx"))
		return "spdx";
	if (at && strstr(at, "cyclonedx"))
		return "cyclonedx";
	if (legacy_suffix && !strcmp(legacy_suffix, ".sig"))
		return "signature";
	if (legacy_suffix && !strcmp(legacy_suffix, ".att"))
		return "in-toto";
	if (legacy_suffix && !strcmp(legacy_suffix, ".sbom"))
		return "sbom";
	return at && *at ? at : "artifact";
}

int registry_carry_filter_allows(const struct registry_carry_filter *f, const char *at,
				 const char *legacy_suffix)
{
	const char *kind = registry_carry_kind(at, legacy_suffix);

	if (at && f->exclude_type && !strcmp(at, f->exclude_type))
		return 0;
	if (f->none)
		return 0;
	if (!f->kinds.len)
		return 1;
	for (size_t i = 0; i < f->kinds.len; i++) {
		const char *w = f->kinds.items[i];

		if ((at && !strcmp(w, at)) || !strcmp(w, kind) ||
		    (!strcmp(w, "sbom") && (!strcmp(kind, "spdx") || !strcmp(kind, "cyclonedx"))) ||
		    (legacy_suffix && !strcmp(w, legacy_suffix + 1)))
			return 1;
	}
	return 0;
}
