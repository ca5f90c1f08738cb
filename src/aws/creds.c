/* aws/creds: profiles, credential JSON and times, parsed; see creds.h. */
#include "aws/creds.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "util/err.h"

static void wipe_free(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

int aws_creds_set(char **dst, const char *s, size_t n)
{
	char *d = strndup(s, n);

	if (!d)
		return err_set(E_NOMEM, "out of memory");
	wipe_free(*dst);
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

static char **profile_field(struct aws_profile *p, const char *k, size_t n)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
#define F(k, f) { k, offsetof(struct aws_profile, f) }
		F("aws_access_key_id", access_key_id),
		F("aws_secret_access_key", secret_access_key),
		F("aws_session_token", session_token),
		F("region", region),
		F("role_arn", role_arn),
		F("source_profile", source_profile),
		F("external_id", external_id),
		F("duration_seconds", duration_seconds),
		F("role_session_name", role_session_name),
		F("credential_process", credential_process),
		F("web_identity_token_file", web_identity_token_file),
		F("credential_source", credential_source),
#undef F
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == n && !strncmp(keys[i].key, k, n))
			return (char **)(void *)((char *)p + keys[i].off);
	return NULL;
}

int aws_profile_parse(struct aws_profile *out, const char *text, size_t len, const char *profile)
{
	const char *p = text, *end = text + len;
	int in_profile = 0, found = 0, in_nested = 0, rc = 0;

	while (p < end && !rc) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *s = p, *e;
		int indented = p < end && (*p == ' ' || *p == '\t');

		if (!eol)
			eol = end;
		e = eol;
		trim(&s, &e);
		p = eol < end ? eol + 1 : end;
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			const char *ns = s + 1, *ne = memchr(s, ']', (size_t)(e - s));

			in_nested = 0;
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
		/* "s3 =" followed by indented lines is a nested section (service settings) */
		if (indented && in_nested)
			continue;
		{
			const char *eq = memchr(s, '=', (size_t)(e - s)), *ks = s, *ke, *vs, *ve = e;
			char **dst;

			if (!eq)
				continue;
			ke = eq;
			vs = eq + 1;
			trim(&ks, &ke);
			trim(&vs, &ve);
			in_nested = ve == vs;
			dst = profile_field(out, ks, (size_t)(ke - ks));
			if (dst && ve > vs)
				rc = aws_creds_set(dst, vs, (size_t)(ve - vs));
		}
	}
	if (!rc && !found)
		return E_NOTFOUND;
	return rc;
}

void aws_profile_free(struct aws_profile *p)
{
	if (!p)
		return;
	char **fields[] = { &p->access_key_id, &p->secret_access_key, &p->session_token,
			    &p->region, &p->role_arn, &p->source_profile, &p->external_id,
			    &p->duration_seconds, &p->role_session_name, &p->credential_process,
			    &p->web_identity_token_file, &p->credential_source };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		wipe_free(*fields[i]);
		*fields[i] = NULL;
	}
}

int aws_creds_parse_ini(struct aws_creds *out, const char *text, size_t len, const char *profile)
{
	struct aws_profile p;
	int rc;

	memset(&p, 0, sizeof(p));
	rc = aws_profile_parse(&p, text, len, profile);
	if (!rc) {
		out->access_key_id = p.access_key_id;
		out->secret_access_key = p.secret_access_key;
		out->session_token = p.session_token;
		out->region = p.region;
		p.access_key_id = p.secret_access_key = p.session_token = p.region = NULL;
	}
	aws_profile_free(&p);
	return rc;
}

int aws_time_parse(const char *s, long long *out)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0;
	const char *p;
	time_t t;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19)
		return E_USAGE;
	p = s + n;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (*p == '+' || *p == '-') {
		if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != ':' ||
		    !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]) || p[6])
			return E_USAGE;
		oh = (p[1] - '0') * 10 + (p[2] - '0');
		om = (p[4] - '0') * 10 + (p[5] - '0');
		if (*p == '-') {
			oh = -oh;
			om = -om;
		}
	} else if (strcmp(p, "Z") && strcmp(p, "z")) {
		return E_USAGE;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return E_USAGE;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return E_USAGE;
	*out = (long long)t - (long long)oh * 3600 - (long long)om * 60;
	return 0;
}

/* Takes key_field, secret and (optional) token_field from a JSON credentials object. */
static int parse_creds_json(struct aws_creds *out, const char *text, size_t len, const char *what,
			    const char *token_field, int want_version)
{
	json_t *j = json_loadb(text, len, 0, NULL);
	const char *id, *secret, *token, *exp;
	int rc = 0;

	if (!json_is_object(j)) {
		rc = err_set(E_AUTH, "%s: the reply is not a JSON object", what);
		goto out;
	}
	if (want_version && json_integer_value(json_object_get(j, "Version")) != 1) {
		rc = err_set(E_AUTH, "%s: \"Version\" is not 1 (the only version AWS defines)",
			     what);
		goto out;
	}
	{
		const char *code = json_string_value(json_object_get(j, "Code"));

		if (code && strcmp(code, "Success")) {
			rc = err_set(E_AUTH, "%s: the credentials' Code is '%s', not Success", what,
				     code);
			goto out;
		}
	}
	id = json_string_value(json_object_get(j, "AccessKeyId"));
	secret = json_string_value(json_object_get(j, "SecretAccessKey"));
	token = json_string_value(json_object_get(j, token_field));
	exp = json_string_value(json_object_get(j, "Expiration"));
	if (!id || !*id || !secret || !*secret) {
		rc = err_set(E_AUTH, "%s: no \"%s\" in the reply", what,
			     !id || !*id ? "AccessKeyId" : "SecretAccessKey");
		goto out;
	}
	if (exp && aws_time_parse(exp, &out->expiration)) {
		rc = err_set(E_AUTH, "%s: \"Expiration\" '%s' is not an ISO 8601 time", what, exp);
		goto out;
	}
	rc = aws_creds_set(&out->access_key_id, id, strlen(id));
	if (!rc)
		rc = aws_creds_set(&out->secret_access_key, secret, strlen(secret));
	if (!rc && token && *token)
		rc = aws_creds_set(&out->session_token, token, strlen(token));
out:
	/* the text's secrets stay in jansson's strings until freed: wipe them first */
	if (json_is_object(j)) {
		const char *k;
		json_t *v;

		json_object_foreach(j, k, v)
			if (json_is_string(v))
				OPENSSL_cleanse((void *)json_string_value(v), json_string_length(v));
	}
	json_decref(j);
	return rc;
}

int aws_creds_parse_process_json(struct aws_creds *out, const char *text, size_t len,
				 const char *what)
{
	return parse_creds_json(out, text, len, what, "SessionToken", 1);
}

int aws_creds_parse_endpoint_json(struct aws_creds *out, const char *text, size_t len,
				  const char *what)
{
	return parse_creds_json(out, text, len, what, "Token", 0);
}

int aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	const char *from[] = { src->access_key_id, src->secret_access_key, src->session_token,
			       src->region, src->source };
	char **to[] = { &dst->access_key_id, &dst->secret_access_key, &dst->session_token,
			&dst->region, &dst->source };
	int rc = 0;

	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]) && !rc; i++)
		if (from[i])
			rc = aws_creds_set(to[i], from[i], strlen(from[i]));
	dst->expiration = src->expiration;
	dst->reused = src->reused;
	if (rc)
		aws_creds_free(dst);
	return rc;
}

void aws_creds_free(struct aws_creds *c)
{
	if (!c)
		return;
	char **fields[] = { &c->access_key_id, &c->secret_access_key, &c->session_token,
			    &c->region, &c->source };

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		wipe_free(*fields[i]);
		*fields[i] = NULL;
	}
	c->expiration = 0;
	c->reused = 0;
}
