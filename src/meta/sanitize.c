/* sanitize: tag and image name rules. See sanitize.h. */
#include "meta/sanitize.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "util/err.h"

#define HASH_HEX 8

static int tag_char(char c)
{
	return isalnum((unsigned char)c) && (unsigned char)c < 128 ? 1 : c == '.' || c == '_' || c == '-';
}

char *meta_sanitize_compat_dup(const char *s)
{
	struct buf b = BUF_INIT;

	if (buf_puts(&b, ""))
		return NULL;
	while (*s) {
		if (tag_char(*s)) {
			if (buf_putc(&b, *s++))
				goto oom;
			continue;
		}
		while (*s && !tag_char(*s))
			s++;
		if (buf_putc(&b, '-'))
			goto oom;
	}
	return buf_detach(&b);
oom:
	buf_free(&b);
	return NULL;
}

int meta_tag_is_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > META_TAG_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!tag_char(s[i]))
			return 0;
	return 1;
}

int meta_sanitize_registry(char **tag, struct strlist *warnings)
{
	const char *orig = *tag, *p = orig;
	struct buf b = BUF_INIT;
	unsigned char md[SHA256_DIGEST_LENGTH];
	int rc = 0;

	if (meta_tag_is_valid(orig))
		return 0;
	while (*p == '.' || *p == '-' || (*p && !tag_char(*p)))
		p++;
	if (!*p) {
		if ((rc = buf_printf(&b, "dropping tag '%s': no valid tag characters are left", orig)))
			goto out;
		rc = strlist_take(warnings, buf_detach(&b));
		free(*tag);
		*tag = NULL;
		return rc;
	}
	for (; *p; p++)
		if ((rc = buf_putc(&b, tag_char(*p) ? *p : '-')))
			goto out;
	if (b.len > META_TAG_MAX) {
		SHA256((const unsigned char *)orig, strlen(orig), md);
		buf_truncate(&b, META_TAG_MAX - HASH_HEX - 1);
		if ((rc = buf_putc(&b, '-')))
			goto out;
		for (int i = 0; i < HASH_HEX / 2; i++)
			if ((rc = buf_printf(&b, "%02x", md[i])))
				goto out;
	}
	{
		struct buf w = BUF_INIT;

		if ((rc = buf_printf(&w, "tag '%s' is not valid for a registry "
					 "([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}); using '%s'",
				     orig, buf_cstr(&b))) ||
		    (rc = strlist_take(warnings, buf_detach(&w)))) {
			buf_free(&w);
			goto out;
		}
	}
	free(*tag);
	*tag = buf_detach(&b);
	return 0;
out:
	buf_free(&b);
	return rc ? rc : err_set(E_NOMEM, "out of memory");
}

static int path_component_ok(const char *s, size_t n)
{
	/* [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)* */
	size_t i = 0;

	if (!n)
		return 0;
	while (i < n) {
		size_t st = i;

		while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || isdigit((unsigned char)s[i])))
			i++;
		if (i == st)
			return 0;
		if (i == n)
			return 1;
		if (s[i] == '.' || s[i] == '_') {
			if (s[i] == '_' && i + 1 < n && s[i + 1] == '_')
				i++;
			i++;
		} else if (s[i] == '-') {
			while (i < n && s[i] == '-')
				i++;
		} else {
			return 0;
		}
		if (i == n)
			return 0;
	}
	return 1;
}

static int host_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n && s[0] == '[') {
		while (i < n && s[i] != ']')
			i++;
		if (i == n)
			return 0;
		i++;
	} else {
		while (i < n && s[i] != ':') {
			if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-')
				return 0;
			i++;
		}
		if (!i || s[0] == '-' || s[0] == '.' || s[i - 1] == '-' || s[i - 1] == '.')
			return 0;
	}
	if (i < n) {
		if (s[i] != ':' || i + 1 == n)
			return 0;
		for (i++; i < n; i++)
			if (!isdigit((unsigned char)s[i]))
				return 0;
	}
	return 1;
}

int meta_image_name_valid(const char *name, const char **why)
{
	const char *slash = strchr(name, '/'), *p = name;
	size_t n = strlen(name);

	*why = NULL;
	if (!n) {
		*why = "the name is empty";
		return 0;
	}
	if (n > 255) {
		*why = "the name is longer than 255 characters";
		return 0;
	}
	if (strchr(name, '@')) {
		*why = "an image name carries no digest (@sha256:...)";
		return 0;
	}
	if (slash && (memchr(name, '.', (size_t)(slash - name)) ||
		      memchr(name, ':', (size_t)(slash - name)) ||
		      !strncmp(name, "localhost/", 10))) {
		if (!host_ok(name, (size_t)(slash - name))) {
			*why = "the registry host is not valid";
			return 0;
		}
		p = slash + 1;
	}
	if (strchr(p, ':')) {
		*why = "an image name carries no tag (the tags come from the 'tags' input)";
		return 0;
	}
	for (;;) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (!path_component_ok(p, l)) {
			*why = "each path component must match [a-z0-9]+([._]|__|-+)[a-z0-9]+...";
			return 0;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return 1;
}
