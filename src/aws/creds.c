/* aws/creds: environment first, then the shared credentials file; see creds.h. */
#include "aws/creds.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/buf.h"
#include "util/err.h"

#define CREDS_MAX_FILE (1024 * 1024)

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int set_dup(char **dst, const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		return err_set(E_NOMEM, "out of memory");
	if (*dst) {
		OPENSSL_cleanse(*dst, strlen(*dst));
		free(*dst);
	}
	*dst = d;
	return 0;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && isspace((unsigned char)**s))
		(*s)++;
	while (*e > *s && isspace((unsigned char)(*e)[-1]))
		(*e)--;
}

int aws_creds_parse_ini(struct aws_creds *out, const char *text, size_t len, const char *profile)
{
	const char *p = text, *end = text + len;
	int in_profile = 0, found = 0, rc = 0;

	while (p < end && !rc) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *s = p, *e;

		if (!eol)
			eol = end;
		e = eol;
		trim(&s, &e);
		p = eol < end ? eol + 1 : end;
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			const char *ns = s + 1, *ne = memchr(s, ']', (size_t)(e - s));

			if (!ne)
				continue;
			trim(&ns, &ne);
			/* ~/.aws/config spells non-default profiles "[profile name]" */
			if ((size_t)(ne - ns) > 8 && !strncmp(ns, "profile ", 8)) {
				ns += 8;
				trim(&ns, &ne);
			}
			in_profile = (size_t)(ne - ns) == strlen(profile) &&
				     !strncmp(ns, profile, (size_t)(ne - ns));
			found |= in_profile;
			continue;
		}
		if (!in_profile)
			continue;
		{
			const char *eq = memchr(s, '=', (size_t)(e - s)), *ks = s, *ke, *vs, *ve = e;
			char **dst = NULL;

			if (!eq)
				continue;
			ke = eq;
			vs = eq + 1;
			trim(&ks, &ke);
			trim(&vs, &ve);
#define KEY_IS(k) ((size_t)(ke - ks) == strlen(k) && !strncmp(ks, k, strlen(k)))
			if (KEY_IS("aws_access_key_id"))
				dst = &out->access_key_id;
			else if (KEY_IS("aws_secret_access_key"))
				dst = &out->secret_access_key;
			else if (KEY_IS("aws_session_token"))
				dst = &out->session_token;
			else if (KEY_IS("region"))
				dst = &out->region;
#undef KEY_IS
			if (dst && ve > vs)
				rc = set_dup(dst, vs, (size_t)(ve - vs));
		}
	}
	if (!rc && !found)
		return E_NOTFOUND;
	return rc;
}

static int load_file(struct aws_creds *out, const char *profile)
{
	const char *path = env_nonempty("AWS_SHARED_CREDENTIALS_FILE"), *home;
	struct buf p = BUF_INIT, text = BUF_INIT;
	int rc;

	if (path) {
		rc = buf_puts(&p, path);
	} else {
		home = env_nonempty("HOME");
		if (!home)
			return E_NOTFOUND;
		rc = buf_printf(&p, "%s/.aws/credentials", home);
	}
	if (rc)
		goto out;
	rc = buf_read_file(&text, buf_cstr(&p), CREDS_MAX_FILE);
	if (rc) {
		/* a missing default file just means "no credentials there" */
		rc = path ? err_set(E_USAGE, "AWS_SHARED_CREDENTIALS_FILE %s: cannot be read",
				    path)
			  : E_NOTFOUND;
		goto out;
	}
	rc = aws_creds_parse_ini(out, buf_cstr(&text), text.len, profile);
	if (rc == E_NOTFOUND && env_nonempty("AWS_PROFILE"))
		rc = err_set(E_USAGE, "AWS_PROFILE '%s' is not a profile in %s", profile,
			     buf_cstr(&p));
	if (!rc) {
		struct buf src = BUF_INIT;

		if (!buf_printf(&src, "shared credentials file %s [%s]", buf_cstr(&p), profile))
			out->source = buf_detach(&src);
		buf_free(&src);
	}
out:
	if (text.data)
		OPENSSL_cleanse(text.data, text.len);
	buf_free(&text);
	buf_free(&p);
	return rc;
}

int aws_creds_load(struct aws_creds *out, const char *region_override)
{
	const char *id = env_nonempty("AWS_ACCESS_KEY_ID");
	const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
	const char *token = env_nonempty("AWS_SESSION_TOKEN");
	const char *profile = env_nonempty("AWS_PROFILE");
	const char *region = region_override && *region_override ? region_override : NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!region)
		region = env_nonempty("AWS_REGION");
	if (!region)
		region = env_nonempty("AWS_DEFAULT_REGION");

	if (id && secret) {
		rc = set_dup(&out->access_key_id, id, strlen(id));
		if (!rc)
			rc = set_dup(&out->secret_access_key, secret, strlen(secret));
		if (!rc && token)
			rc = set_dup(&out->session_token, token, strlen(token));
		if (!rc)
			rc = set_dup(&out->source, "environment", 11);
	} else if (id || secret) {
		rc = err_set(E_AUTH, "%s is set but %s is not: set both (or neither, to use the "
				     "shared credentials file)",
			     id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			     id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	} else {
		rc = load_file(out, profile ? profile : "default");
		if (rc == E_NOTFOUND)
			rc = err_set(E_AUTH, "no AWS credentials: set AWS_ACCESS_KEY_ID and "
					     "AWS_SECRET_ACCESS_KEY (e.g. with "
					     "aws-actions/configure-aws-credentials) or a profile "
					     "in ~/.aws/credentials");
		else if (!rc && (!out->access_key_id || !out->secret_access_key))
			rc = err_set(E_AUTH, "%s has no aws_access_key_id and "
					     "aws_secret_access_key",
				     out->source);
	}
	if (rc)
		goto fail;
	if (out->session_token && !*out->session_token) {
		free(out->session_token);
		out->session_token = NULL;
	}
	if (region) {
		rc = set_dup(&out->region, region, strlen(region));
		if (rc)
			goto fail;
	}
	if (!out->region) {
		rc = err_set(E_USAGE, "no AWS region: pass --region or set AWS_REGION "
				      "(or AWS_DEFAULT_REGION)");
		goto fail;
	}
	return 0;
fail:
	aws_creds_free(out);
	return rc;
}

void aws_creds_free(struct aws_creds *c)
{
	if (!c)
		return;
	char **fields[] = { &c->access_key_id, &c->secret_access_key, &c->session_token,
			    &c->region, &c->source };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (*fields[i]) {
			OPENSSL_cleanse(*fields[i], strlen(*fields[i]));
			free(*fields[i]);
			*fields[i] = NULL;
		}
	}
}
