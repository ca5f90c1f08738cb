/* aws/oidc: GitHub's ID token exchanged for a role session; see oidc.h. */
#include "aws/oidc.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/err.h"

#define OIDC_MAX_REPLY (64 * 1024)

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* The runner's ID token for audience sts.amazonaws.com into jwt (masked). */
static int id_token(struct buf *jwt, struct rt *rt, struct http_client *http,
		    const char *role_arn)
{
	const char *url = env_nonempty("ACTIONS_ID_TOKEN_REQUEST_URL");
	const char *tok = env_nonempty("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
	struct buf u = BUF_INIT, auth = BUF_INIT;
	struct http_response r;
	struct http_request hr;
	json_t *j = NULL;
	const char *v;
	int rc;

	if (!url || !tok)
		return err_set(E_AUTH, "role-to-assume %s: the job has no GitHub OIDC token to "
				       "assume it with (%s is not set): give the job `permissions: "
				       "id-token: write` (and contents: read)",
			       role_arn,
			       !url ? "ACTIONS_ID_TOKEN_REQUEST_URL" : "ACTIONS_ID_TOKEN_REQUEST_TOKEN");
	memset(&r, 0, sizeof(r));
	rc = rt ? rt_mask(rt, tok) : 0;
	if (!rc)
		rc = buf_printf(&u, "%s%caudience=sts.amazonaws.com", url,
				strchr(url, '?') ? '&' : '?');
	if (!rc)
		rc = buf_printf(&auth, "Bearer %s", tok);
	if (rc)
		goto out;
	memset(&hr, 0, sizeof(hr));
	hr.method = "GET";
	hr.url = buf_cstr(&u);
	hr.auth = buf_cstr(&auth);
	hr.max_body = OIDC_MAX_REPLY;
	rc = http_do(http, &hr, &r);
	if (rc) {
		rc = err_wrap(rc, "role-to-assume %s: asking the runner for the OIDC token",
			      role_arn);
		goto out;
	}
	if (r.status != 200) {
		rc = err_set(E_AUTH, "role-to-assume %s: the runner refused the OIDC token request "
				     "with HTTP %ld%s",
			     role_arn, r.status,
			     r.status == 401 || r.status == 403
				     ? " (ACTIONS_ID_TOKEN_REQUEST_TOKEN is not this job's)"
				     : "");
		goto out;
	}
	j = json_loadb(r.body.data ? r.body.data : "", r.body.len, 0, NULL);
	v = json_string_value(json_object_get(j, "value"));
	if (!v || !*v) {
		rc = err_set(E_AUTH, "role-to-assume %s: the runner's OIDC reply has no \"value\"",
			     role_arn);
		goto out;
	}
	rc = rt ? rt_mask(rt, v) : 0;
	if (!rc)
		rc = buf_puts(jwt, v);
	memset((void *)v, 0, strlen(v));
out:
	json_decref(j);
	http_response_free_secret(&r);
	buf_free_secret(&auth);
	buf_free(&u);
	return rc;
}

int aws_oidc_github_creds(struct aws_creds *out, struct rt *rt, struct http_client *http,
			  const char *region, const struct aws_sts_role *role)
{
	struct buf jwt = BUF_INIT, src = BUF_INIT;
	int rc;

	rc = id_token(&jwt, rt, http, role->role_arn);
	if (!rc)
		rc = aws_sts_assume_role_with_web_identity(rt, http, region, buf_cstr(&jwt), role,
							   out);
	if (!rc)
		rc = buf_printf(&src, "GitHub OIDC (role %s)", role->role_arn);
	if (!rc)
		rc = aws_creds_set(&out->source, buf_cstr(&src), src.len);
	buf_free_secret(&jwt);
	buf_free(&src);
	return rc;
}
