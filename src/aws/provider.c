/* aws/provider: the credential chain; see provider.h. */
#include "aws/provider.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/container.h"
#include "aws/imds.h"
#include "aws/oidc.h"
#include "aws/profile.h"
#include "aws/webid.h"
#include "util/buf.h"
#include "util/err.h"

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int region_find(char **out, const char *override, const char *profile)
{
	const char *r = override && *override ? override : env_nonempty("AWS_REGION");

	*out = NULL;
	if (!r)
		r = env_nonempty("AWS_DEFAULT_REGION");
	if (r) {
		*out = strdup(r);
		return *out ? 0 : err_set(E_NOMEM, "out of memory");
	}
	return aws_profile_region_dup(out, profile);
}

static int from_env(struct aws_creds *out, struct rt *rt, const char *id, const char *secret)
{
	const char *token = env_nonempty("AWS_SESSION_TOKEN");
	int rc = aws_creds_set(&out->access_key_id, id, strlen(id));

	if (!rc)
		rc = aws_creds_set(&out->secret_access_key, secret, strlen(secret));
	if (!rc && token)
		rc = aws_creds_set(&out->session_token, token, strlen(token));
	if (!rc)
		rc = aws_creds_set(&out->source, "environment", 11);
	if (!rc && rt) {
		rc = rt_mask(rt, out->secret_access_key);
		if (!rc)
			rc = rt_mask(rt, out->session_token);
	}
	return rc;
}

static int from_web_identity_env(struct aws_creds *out, struct rt *rt, struct http_client *http,
				 const char *region, const char *arn, const char *file)
{
	struct aws_sts_role role = { arn, env_nonempty("AWS_ROLE_SESSION_NAME"), NULL, 0 };
	struct buf src = BUF_INIT;
	int rc;

	rc = aws_webid_creds(out, rt, http, region, &role, file, "AWS_WEB_IDENTITY_TOKEN_FILE");
	if (!rc)
		rc = buf_printf(&src, "web identity (role %s)", arn);
	if (!rc)
		rc = aws_creds_set(&out->source, buf_cstr(&src), src.len);
	buf_free(&src);
	return rc;
}

static int chain(struct aws_creds *out, struct rt *rt, struct http_client *http,
		 const char *region, const char *profile)
{
	const char *id = env_nonempty("AWS_ACCESS_KEY_ID");
	const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
	const char *arn = env_nonempty("AWS_ROLE_ARN");
	const char *file = env_nonempty("AWS_WEB_IDENTITY_TOKEN_FILE");
	struct buf why = BUF_INIT;
	int rc;

	if (rt && rt->aws_role_arn) {
		struct aws_sts_role role = { rt->aws_role_arn, rt->aws_role_session_name, NULL,
					     rt->aws_role_duration_s };

		return aws_oidc_github_creds(out, rt, http, region, &role);
	}
	if (id && secret)
		return from_env(out, rt, id, secret);
	if (id || secret)
		return err_set(E_AUTH, "%s is set but %s is not: set both (or neither, to use the "
				       "rest of the credential chain)",
			       id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
			       id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	if (arn && file)
		return from_web_identity_env(out, rt, http, region, arn, file);
	if (arn || file)
		return err_set(E_AUTH, "%s is set but %s is not: web identity needs both",
			       arn ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE",
			       arn ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN");
	rc = aws_profile_creds(out, rt, http, region, profile, env_nonempty("AWS_PROFILE") != NULL);
	if (rc != E_NOTFOUND)
		return rc;
	rc = aws_container_creds(out, rt);
	if (rc != E_NOTFOUND)
		return rc;
	rc = aws_imds_creds(out, rt, &why);
	if (rc == E_NOTFOUND)
		rc = err_set(E_AUTH, "no AWS credentials: looked at AWS_ACCESS_KEY_ID and "
				     "AWS_SECRET_ACCESS_KEY, AWS_ROLE_ARN and "
				     "AWS_WEB_IDENTITY_TOKEN_FILE, profile %s in ~/.aws/config and "
				     "~/.aws/credentials, AWS_CONTAINER_CREDENTIALS_*_URI and %s. "
				     "In GitHub Actions pass role-to-assume (the job needs "
				     "`permissions: id-token: write`) or run "
				     "aws-actions/configure-aws-credentials first",
			     profile, buf_cstr(&why));
	buf_free(&why);
	return rc;
}

static void cache_free(void *p)
{
	aws_creds_free(p);
	free(p);
}

/* The run's credentials when they are not due for refresh (they hold for every region). */
static int cache_get(struct rt *rt, struct aws_creds *out)
{
	const struct aws_creds *c = rt ? rt->aws_cache : NULL;
	int rc;

	if (!c || (c->expiration && (long long)time(NULL) + AWS_CREDS_REFRESH_S >= c->expiration))
		return E_NOTFOUND;
	rc = aws_creds_copy(out, c);
	out->reused = 1;
	return rc;
}

static int cache_put(struct rt *rt, const struct aws_creds *c)
{
	struct aws_creds *copy;
	int rc;

	if (!rt)
		return 0;
	copy = calloc(1, sizeof(*copy));
	if (!copy)
		return err_set(E_NOMEM, "out of memory");
	rc = aws_creds_copy(copy, c);
	if (rc) {
		free(copy);
		return rc;
	}
	if (rt->aws_cache_free)
		rt->aws_cache_free(rt->aws_cache);
	rt->aws_cache = copy;
	rt->aws_cache_free = cache_free;
	return 0;
}

int aws_creds_resolve(struct aws_creds *out, struct rt *rt, struct http_client *http,
		      const char *region_override)
{
	const char *profile = env_nonempty("AWS_PROFILE");
	char *region = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!profile)
		profile = "default";
	rc = region_find(&region, region_override, profile);
	if (rc)
		goto fail;
	if (!region) {
		rc = err_set(E_USAGE, "no AWS region: pass --region or set AWS_REGION "
				      "(or AWS_DEFAULT_REGION, or region in ~/.aws/config)");
		goto fail;
	}
	rc = cache_get(rt, out);
	if (rc == E_NOTFOUND) {
		rc = chain(out, rt, http, region, profile);
		if (!rc && (!out->access_key_id || !out->secret_access_key))
			rc = err_set(E_AUTH, "%s gave no access key ID and secret", out->source);
		if (!rc)
			rc = cache_put(rt, out);
	}
	if (rc)
		goto fail;
	free(out->region);
	out->region = region;
	return 0;
fail:
	free(region);
	aws_creds_free(out);
	return rc;
}
