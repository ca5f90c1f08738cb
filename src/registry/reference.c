/*
 * reference: Docker's reference grammar (github.com/distribution/reference, regexp.go and
 * normalize.go), hand-written so each way a reference can be wrong gets its own message.
 */
#include "registry/reference.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* path-component := [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* over s[0..n). */
static int path_component_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (!n || !is_lower_alnum(s[0]))
		return 0;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.' || s[i] == '_') {
			size_t j = i + 1;

			if (s[i] == '_' && j < n && s[j] == '_')
				j++;
			if (j >= n || !is_lower_alnum(s[j]))
				return 0;
			i = j;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
			if (i >= n || !is_lower_alnum(s[i]))
				return 0;
		} else {
			return 0;
		}
	}
	return 1;
}

/* domain-component := [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9] */
static int domain_component_valid(const char *s, size_t n)
{
	if (!n || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/* domain := (domain-name | '[' ipv6 ']') (':' [0-9]+)? */
static int domain_valid(const char *s, size_t n)
{
	size_t host_end = n, i = 0;
	const char *colon;

	if (!n)
		return 0;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (!close || close == s + 1)
			return 0;
		for (const char *p = s + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return 0;
		host_end = (size_t)(close - s) + 1;
		if (host_end < n && s[host_end] != ':')
			return 0;
	} else {
		colon = memchr(s, ':', n);
		if (colon)
			host_end = (size_t)(colon - s);
		while (i < host_end) {
			const char *dot = memchr(s + i, '.', host_end - i);
			size_t end = dot ? (size_t)(dot - s) : host_end;

			if (!domain_component_valid(s + i, end - i))
				return 0;
			i = end + 1;
			if (dot && i >= host_end)
				return 0; /* trailing dot */
		}
	}
	if (host_end < n) {
		if (host_end + 1 >= n)
			return 0;
		for (size_t k = host_end + 1; k < n; k++)
			if (!isdigit((unsigned char)s[k]))
				return 0;
	}
	return 1;
}

int registry_tag_valid(const char *tag)
{
	size_t n = strlen(tag);

	if (!n || n > TAG_MAX_LEN || !is_word(tag[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!is_word(tag[i]) && tag[i] != '.' && tag[i] != '-')
			return 0;
	return 1;
}

int registry_digest_valid(const char *d)
{
	static const struct {
		const char *alg;
		size_t hex;
	} algs[] = { { "sha256:", 64 }, { "sha384:", 96 }, { "sha512:", 128 } };

	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		size_t l = strlen(algs[a].alg);

		if (strncmp(d, algs[a].alg, l))
			continue;
		if (strlen(d + l) != algs[a].hex)
			return 0;
		for (const char *p = d + l; *p; p++)
			if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
				return 0;
		return 1;
	}
	return 0;
}

static int is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

void registry_ref_free(struct registry_ref *r)
{
	if (!r)
		return;
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

static int parse(struct registry_ref *out, const char *s, int repo_only)
{
	const char *what = repo_only ? "repository" : "image reference";
	const char *at, *slash, *name_end, *colon, *rest;
	size_t name_len, dom_len;
	struct buf path = BUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return err_set(E_USAGE, "%s is empty; expected [host[:port]/]path[:tag][@digest]",
			       what);
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return err_set(E_USAGE, "%s '%s' contains whitespace or a control character",
				       what, s);
	at = strchr(s, '@');
	name_end = at ? at : s + strlen(s);
	if (at) {
		if (repo_only)
			return err_set(E_USAGE, "repository '%s' must not have a digest", s);
		if (!registry_digest_valid(at + 1))
			return err_set(E_USAGE,
				       "image reference '%s': invalid digest '%s' (expected sha256: "
				       "followed by 64 lower-case hex digits)", s, at + 1);
	}
	/* A tag is a ':' after the last '/' of the name. */
	slash = NULL;
	for (const char *p = s; p < name_end; p++)
		if (*p == '/')
			slash = p;
	colon = NULL;
	for (const char *p = slash ? slash : s; p < name_end; p++)
		if (*p == ':')
			colon = p;
	if (colon) {
		size_t tl = (size_t)(name_end - colon - 1);
		char *tag;

		if (repo_only)
			return err_set(E_USAGE, "repository '%s' must not have a tag (give it in "
				       "the tags, not in the repository)", s);
		tag = dupn(colon + 1, tl);
		if (!tag)
			return err_set(E_NOMEM, "out of memory");
		if (!registry_tag_valid(tag)) {
			rc = err_set(E_USAGE, "image reference '%s': invalid tag '%s' (expected up "
				     "to 128 of [A-Za-z0-9_.-], not starting with '.' or '-')", s, tag);
			free(tag);
			return rc;
		}
		out->tag = tag;
		name_end = colon;
	}
	name_len = (size_t)(name_end - s);
	if (!name_len) {
		rc = err_set(E_USAGE, "%s '%s' has no repository name", what, s);
		goto fail;
	}
	/* splitDockerDomain */
	slash = memchr(s, '/', name_len);
	dom_len = slash ? (size_t)(slash - s) : 0;
	if (slash) {
		int is_domain = dom_len == 9 && !strncmp(s, "localhost", 9);

		for (size_t i = 0; i < dom_len && !is_domain; i++)
			if (s[i] == '.' || s[i] == ':' || isupper((unsigned char)s[i]))
				is_domain = 1;
		if (!is_domain)
			dom_len = 0;
	}
	if (dom_len) {
		if (!domain_valid(s, dom_len)) {
			rc = err_set(E_USAGE, "%s '%s': invalid registry host '%.*s' (expected a host "
				     "name or IP with an optional :port)", what, s, (int)dom_len, s);
			goto fail;
		}
		out->domain = dupn(s, dom_len);
		rest = s + dom_len + 1;
	} else {
		out->domain = strdup("docker.io");
		rest = s;
	}
	if (!out->domain) {
		rc = err_set(E_NOMEM, "out of memory");
		goto fail;
	}
	if (!strcmp(out->domain, "index.docker.io")) {
		free(out->domain);
		out->domain = strdup("docker.io");
	}
	/* Path components. */
	{
		const char *p = rest;
		size_t plen = (size_t)(name_end - rest);

		if (!plen) {
			rc = err_set(E_USAGE, "%s '%s' has no repository path after the host", what, s);
			goto fail;
		}
		while (p <= name_end) {
			const char *e = memchr(p, '/', (size_t)(name_end - p));
			size_t cl = e ? (size_t)(e - p) : (size_t)(name_end - p);

			if (!path_component_valid(p, cl)) {
				int upper = 0;

				for (size_t i = 0; i < cl; i++)
					upper |= isupper((unsigned char)p[i]) != 0;
				if (upper) {
					char *low = strndup(p, cl);

					for (char *c = low; c && *c; c++)
						*c = (char)tolower((unsigned char)*c);
					rc = err_set(E_USAGE, "%s '%s': repository names are lower-case: "
						     "write '%s' for '%.*s'", what, s, low ? low : "",
						     (int)cl, p);
					free(low);
				}
				else if (!cl)
					rc = err_set(E_USAGE, "%s '%s': empty path component (a "
						     "leading, trailing or double '/')", what, s);
				else
					rc = err_set(E_USAGE, "%s '%s': invalid path component "
						     "'%.*s' (expected [a-z0-9] separated by '.', '_', "
						     "'__' or '-')", what, s, (int)cl, p);
				goto fail;
			}
			if (!e)
				break;
			p = e + 1;
		}
		/* Docker refuses a whole reference that is 64 hex digits (an image ID). */
		if (is_hex64(s, strlen(s))) {
			rc = err_set(E_USAGE, "%s '%s': cannot be a 64-character hexadecimal string "
				     "(that is an image ID)", what, s);
			goto fail;
		}
		if (!strcmp(out->domain, "docker.io") && !memchr(rest, '/', plen)) {
			if (buf_puts(&path, "library/"))
				goto nomem;
		}
		if (buf_add(&path, rest, plen))
			goto nomem;
		out->path = buf_detach(&path);
	}
	/* Docker measures the normalised name ("docker.io/library/x"). */
	if (strlen(out->domain) + 1 + strlen(out->path) > NAME_MAX_LEN) {
		rc = err_set(E_USAGE, "%s '%s': repository name is longer than %d characters", what,
			     s, NAME_MAX_LEN);
		goto fail;
	}
	if (at && !(out->digest = strdup(at + 1)))
		goto nomem;
	return 0;
nomem:
	rc = err_set(E_NOMEM, "out of memory");
fail:
	buf_free(&path);
	registry_ref_free(out);
	return rc;
}

int registry_ref_parse(struct registry_ref *out, const char *s)
{
	return parse(out, s, 0);
}

int registry_ref_parse_repo(struct registry_ref *out, const char *s)
{
	return parse(out, s, 1);
}

char *registry_ref_repo_dup(const struct registry_ref *r)
{
	struct buf b = BUF_INIT;

	if (buf_printf(&b, "%s/%s", r->domain, r->path)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

char *registry_ref_format_dup(const struct registry_ref *r)
{
	struct buf b = BUF_INIT;

	if (buf_printf(&b, "%s/%s", r->domain, r->path) ||
	    (r->tag && buf_printf(&b, ":%s", r->tag)) ||
	    (r->digest && buf_printf(&b, "@%s", r->digest))) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

const char *registry_ref_api_host(const struct registry_ref *r)
{
	return strcmp(r->domain, "docker.io") ? r->domain : "registry-1.docker.io";
}
