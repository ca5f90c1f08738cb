/*
 * aws/sts: AssumeRole and AssumeRoleWithWebIdentity; see sts.h. The reply is read by tag:
 * the static binary carries no XML library, and STS's reply is a fixed, flat shape
 * (AssumeRole*Result/Credentials/{AccessKeyId,SecretAccessKey,SessionToken,Expiration}) whose
 * values are base64 and ISO 8601 text (the five XML entities are decoded all the same).
 */
#include "aws/sts.h"

#include <stdlib.h>
#include <string.h>

#include "aws/endpoint.h"
#include "aws/error.h"
#include "aws/sigv4.h"
#include "util/err.h"

#define STS_MAX_REPLY (1024 * 1024)

const struct aws_service aws_service_sts = { "STS", "sts", "sts", NULL, "AWS_ENDPOINT_URL_STS" };

/* The first needle in [s, s+n) (memmem is a GNU extension). */
static const char *find(const char *s, size_t n, const char *needle, size_t m)
{
	for (size_t i = 0; m && i + m <= n; i++)
		if (s[i] == needle[0] && !memcmp(s + i, needle, m))
			return s + i;
	return NULL;
}

/* The text of the first <tag>...</tag> in [s, e), entities decoded, into *dst. */
static int xml_take(char **dst, const char *s, const char *e, const char *tag)
{
	struct buf open = BUF_INIT, close = BUF_INIT, v = BUF_INIT;
	const char *a, *b;
	int rc;

	rc = buf_printf(&open, "<%s>", tag);
	if (!rc)
		rc = buf_printf(&close, "</%s>", tag);
	if (rc)
		goto out;
	a = find(s, (size_t)(e - s), open.data, open.len);
	b = a ? find(a, (size_t)(e - a), close.data, close.len) : NULL;
	if (!a || !b) {
		rc = E_NOTFOUND;
		goto out;
	}
	for (a += open.len; a < b && !rc; a++) {
		static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" },
						      { "&gt;", ">" }, { "&quot;", "\"" },
						      { "&apos;", "'" } };
		size_t i, n = sizeof(ent) / sizeof(ent[0]);

		for (i = 0; *a == '&' && i < n; i++)
			if ((size_t)(b - a) >= strlen(ent[i][0]) &&
			    !strncmp(a, ent[i][0], strlen(ent[i][0])))
				break;
		if (*a == '&' && i < n) {
			rc = buf_putc(&v, ent[i][1][0]);
			a += strlen(ent[i][0]) - 1;
		} else {
			rc = buf_putc(&v, *a);
		}
	}
	if (!rc)
		rc = aws_creds_set(dst, buf_cstr(&v), v.len);
out:
	buf_free_secret(&v);
	buf_free(&open);
	buf_free(&close);
	return rc;
}

int aws_sts_parse_credentials(struct aws_creds *out, const char *xml, size_t len)
{
	const char *e = xml + len, *s = xml ? find(xml, len, "<Credentials>", 13) : NULL;
	char *exp = NULL;
	int rc;

	if (!s)
		return err_set(E_AUTH, "the STS reply has no <Credentials>");
	static const char *const tags[] = { "AccessKeyId", "SecretAccessKey", "SessionToken",
					    "Expiration" };
	char **dsts[] = { &out->access_key_id, &out->secret_access_key, &out->session_token,
			  &exp };

	for (size_t i = 0; i < 4; i++) {
		rc = xml_take(dsts[i], s, e, tags[i]);
		if (rc == E_NOTFOUND)
			rc = err_set(E_AUTH, "the STS reply's <Credentials> has no <%s>", tags[i]);
		if (rc)
			goto out;
	}
	if (aws_time_parse(exp, &out->expiration))
		rc = err_set(E_AUTH, "the STS reply's <Expiration> '%s' is not an ISO 8601 time",
			     exp);
out:
	free(exp);
	return rc;
}

static int form_add(struct buf *b, const char *name, const char *value)
{
	int rc = buf_printf(b, "%s%s=", b->len ? "&" : "", name);

	return rc ? rc : http_url_escape(b, value);
}

/* The sentence for an STS refusal of action on role. */
static int sts_report(const char *action, const struct aws_sts_role *role, long status,
		      const struct aws_error *e, const struct aws_creds *with)
{
	const char *code = e->code ? e->code : "";
	const char *msg = e->message && *e->message ? e->message : "no message";

	if (!strcmp(code, "AccessDenied"))
		return err_set(E_AUTH,
			       "STS %s: not allowed to assume role %s (%s: %s); check the role's "
			       "ARN (its account) and that its trust policy admits %s",
			       action, role->role_arn, code, msg,
			       with ? "the source credentials' principal"
				    : "this repository's GitHub OIDC token (its sub claim, audience "
				      "sts.amazonaws.com)");
	if (!strcmp(code, "InvalidIdentityToken"))
		return err_set(E_AUTH,
			       "STS %s: role %s's account does not accept the web identity token "
			       "(%s: %s); the account needs an IAM OIDC identity provider for the "
			       "token's issuer (token.actions.githubusercontent.com for GitHub) "
			       "with audience sts.amazonaws.com",
			       action, role->role_arn, code, msg);
	if (!strcmp(code, "ExpiredTokenException") || !strcmp(code, "ExpiredToken"))
		return err_set(E_AUTH,
			       "STS %s: the token presented for role %s has expired (%s: %s); run "
			       "again to get a fresh one",
			       action, role->role_arn, code, msg);
	if (!strcmp(code, "ValidationError"))
		return err_set(E_USAGE, "STS %s for role %s: %s (%s)", action, role->role_arn, msg,
			       code);
	{
		int rc = aws_error_report(&aws_service_sts, action, status, e, with);

		return err_wrap(rc, "assuming role %s", role->role_arn);
	}
}

static int sts_form(struct buf *body, const char *action, const struct aws_sts_role *role,
		    const char *web_token)
{
	char dur[24];
	int rc;

	snprintf(dur, sizeof(dur), "%lu", role->duration_s ? role->duration_s : 3600);
	rc = form_add(body, "Action", action);
	if (!rc)
		rc = form_add(body, "Version", "2011-06-15");
	if (!rc)
		rc = form_add(body, "RoleArn", role->role_arn);
	if (!rc)
		rc = form_add(body, "RoleSessionName",
			      role->session_name && *role->session_name ? role->session_name
									: "convoy");
	if (!rc)
		rc = form_add(body, "DurationSeconds", dur);
	if (!rc && role->external_id)
		rc = form_add(body, "ExternalId", role->external_id);
	if (!rc && web_token)
		rc = form_add(body, "WebIdentityToken", web_token);
	return rc;
}

/*
 * The request's headers into all ("Name:value"), signed with `with` unless it is NULL; *auth
 * points into res at the Authorization value (http/ keeps it out of traces).
 */
static int sts_headers(struct strlist *all, const char **auth, struct sigv4_result *res,
		       const char *host, const char *path, const struct buf *body,
		       const char *region, const struct aws_creds *with)
{
	struct strlist headers = STRLIST_INIT;
	struct buf line = BUF_INIT;
	int rc;

	*auth = NULL;
	rc = buf_printf(&line, "Host:%s", host);
	if (!rc)
		rc = strlist_add(&headers, buf_cstr(&line));
	if (!rc)
		rc = strlist_add(&headers,
				 "Content-Type:application/x-www-form-urlencoded; charset=utf-8");
	if (!rc && with) {
		struct sigv4_request sr;
		char date[17];

		sigv4_amz_date_now(date);
		memset(&sr, 0, sizeof(sr));
		sr.method = "POST";
		sr.path = path;
		sr.headers = &headers;
		sr.body = body->data;
		sr.body_len = body->len;
		sr.access_key_id = with->access_key_id;
		sr.secret_access_key = with->secret_access_key;
		sr.session_token = with->session_token;
		sr.region = region;
		sr.service = aws_service_sts.signing_name;
		sr.amz_date = date;
		sr.sign_token = 1;
		rc = sigv4_sign(&sr, res);
	}
	for (size_t i = 0; i < headers.len && !rc; i++)
		rc = strlist_add(all, headers.items[i]);
	for (size_t i = 0; with && i < res->add_headers.len && !rc; i++) {
		const char *h = res->add_headers.items[i];

		if (!strncmp(h, "Authorization:", 14))
			*auth = h + 14;
		else
			rc = strlist_add(all, h);
	}
	strlist_clear(&headers);
	buf_free(&line);
	return rc;
}

static int sts_call(struct rt *rt, struct http_client *http, const char *region,
		    const char *action, const struct aws_creds *with,
		    const struct aws_sts_role *role, const char *web_token, struct aws_creds *out)
{
	struct buf url = BUF_INIT, body = BUF_INIT;
	struct strlist all = STRLIST_INIT;
	struct sigv4_result res;
	struct http_response r;
	struct http_request hr;
	char *host = NULL, *path = NULL;
	const char *auth = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	rc = aws_endpoint_url(&url, &aws_service_sts, region);
	if (!rc)
		rc = aws_endpoint_split(buf_cstr(&url), &host, &path);
	if (!rc)
		rc = sts_form(&body, action, role, web_token);
	if (!rc)
		rc = sts_headers(&all, &auth, &res, host, path, &body, region, with);
	if (rc)
		goto out;
	memset(&hr, 0, sizeof(hr));
	hr.method = "POST";
	hr.url = buf_cstr(&url);
	hr.headers = &all;
	hr.auth = auth;
	hr.body = body.data;
	hr.body_len = body.len;
	hr.max_body = STS_MAX_REPLY;
	rc = http_do(http, &hr, &r);
	if (rc) {
		rc = err_wrap(rc, "STS %s for role %s", action, role->role_arn);
		goto out;
	}
	if (r.status < 200 || r.status >= 300) {
		struct aws_error e;

		aws_error_parse(&e, r.body.data, r.body.len, http_header(&r, "x-amzn-errortype"));
		rc = sts_report(action, role, r.status, &e, with);
		aws_error_free(&e);
		goto out;
	}
	rc = aws_sts_parse_credentials(out, r.body.data ? r.body.data : "", r.body.len);
	if (rc) {
		rc = err_wrap(rc, "STS %s for role %s", action, role->role_arn);
		goto out;
	}
	if (rt) {
		rc = rt_mask(rt, out->secret_access_key);
		if (!rc)
			rc = rt_mask(rt, out->session_token);
	}
out:
	http_response_free_secret(&r);
	sigv4_result_free(&res);
	strlist_clear(&all);
	buf_free(&url);
	buf_free_secret(&body);
	free(host);
	free(path);
	return rc;
}

int aws_sts_assume_role(struct rt *rt, struct http_client *http, const char *region,
			const struct aws_creds *with, const struct aws_sts_role *role,
			struct aws_creds *out)
{
	return sts_call(rt, http, region, "AssumeRole", with, role, NULL, out);
}

int aws_sts_assume_role_with_web_identity(struct rt *rt, struct http_client *http,
					  const char *region, const char *token,
					  const struct aws_sts_role *role, struct aws_creds *out)
{
	return sts_call(rt, http, region, "AssumeRoleWithWebIdentity", NULL, role, token, out);
}
