/* aws/imds: the instance profile's credentials from IMDSv2; see imds.h. */
#include "aws/imds.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/container.h"
#include "http/http.h"
#include "util/err.h"
#include "util/strlist.h"

#define IMDS_MAX_REPLY (64 * 1024)
#define IMDS_CREDS_PATH "/latest/meta-data/iam/security-credentials/"

static int imds_do(struct http_client *http, const char *method, const char *base,
		   const char *path, const struct strlist *headers, struct http_response *r)
{
	struct buf url = BUF_INIT;
	struct http_request hr;
	int rc;

	http_response_free(r);
	memset(r, 0, sizeof(*r));
	/* the endpoint may end in '/' (the SDKs accept both) */
	rc = buf_printf(&url, "%.*s%s", (int)(strlen(base) - (base[strlen(base) - 1] == '/')),
			base, path);
	if (!rc) {
		memset(&hr, 0, sizeof(hr));
		hr.method = method;
		hr.url = buf_cstr(&url);
		hr.headers = headers;
		hr.max_body = IMDS_MAX_REPLY;
		if (!strcmp(method, "PUT"))
			hr.body = "";
		rc = http_do(http, &hr, r);
	}
	buf_free(&url);
	return rc;
}

int aws_imds_creds(struct aws_creds *out, struct rt *rt, struct buf *why)
{
	const char *off = getenv("AWS_EC2_METADATA_DISABLED");
	const char *base = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	struct strlist h = STRLIST_INIT;
	struct buf line = BUF_INIT, path = BUF_INIT, what = BUF_INIT;
	struct http_client *http = NULL;
	struct http_response r;
	struct http_opts o;
	char *role = NULL;
	int rc;

	if (off && !strcasecmp(off, "true")) {
		rc = buf_puts(why, "EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)");
		return rc ? rc : E_NOTFOUND;
	}
	if (!base || !*base)
		base = "http://169.254.169.254";
	memset(&r, 0, sizeof(r));
	http_opts_defaults(&o);
	o.connect_timeout_ms = 1000;
	o.timeout_ms = 2000;
	o.max_retries = 0;
	o.verbose = rt ? rt->verbose : 0;
	rc = http_client_new(&http, &o);
	if (!rc)
		rc = strlist_add(&h, "X-aws-ec2-metadata-token-ttl-seconds: 21600");
	if (rc)
		goto out;
	if (imds_do(http, "PUT", base, "/latest/api/token", &h, &r) || r.status != 200 ||
	    !r.body.len) {
		/* nothing (or no IMDSv2) there: not an EC2 instance, the chain ends */
		err_clear();
		rc = buf_printf(why, "EC2 instance metadata (%s: %s)", base,
				r.status ? "no IMDSv2 token" : "no answer within 1 s");
		if (!rc)
			rc = E_NOTFOUND;
		goto out;
	}
	if (rt)
		rc = rt_mask(rt, buf_cstr(&r.body));
	strlist_clear(&h);
	if (!rc)
		rc = buf_printf(&line, "X-aws-ec2-metadata-token: %s", buf_cstr(&r.body));
	if (!rc)
		rc = strlist_add(&h, buf_cstr(&line));
	if (!rc)
		rc = imds_do(http, "GET", base, IMDS_CREDS_PATH, &h, &r);
	if (rc) {
		rc = err_wrap(E_AUTH, "EC2 instance metadata %s", base);
		goto out;
	}
	if (r.status == 404 || (r.status == 200 && !r.body.len)) {
		rc = err_set(E_AUTH, "EC2 instance metadata %s: the instance has no IAM role "
				     "(attach an instance profile)", base);
		goto out;
	}
	if (r.status != 200) {
		rc = err_set(E_AUTH, "EC2 instance metadata %s%s answered HTTP %ld", base,
			     IMDS_CREDS_PATH, r.status);
		goto out;
	}
	role = strndup(r.body.data, strcspn(r.body.data, "\r\n"));
	if (!role) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	rc = buf_printf(&path, IMDS_CREDS_PATH "%s", role);
	if (!rc)
		rc = imds_do(http, "GET", base, buf_cstr(&path), &h, &r);
	if (rc) {
		rc = err_wrap(E_AUTH, "EC2 instance metadata %s", base);
		goto out;
	}
	if (r.status != 200) {
		rc = err_set(E_AUTH, "EC2 instance metadata %s%s answered HTTP %ld", base,
			     buf_cstr(&path), r.status);
		goto out;
	}
	rc = buf_printf(&what, "EC2 instance metadata (role %s)", role);
	if (!rc)
		rc = aws_creds_take_reply(out, rt, buf_cstr(&r.body), r.body.len, buf_cstr(&what));
out:
	http_response_free_secret(&r);
	http_client_free(http);
	buf_free_secret(&line);
	buf_free(&path);
	buf_free(&what);
	strlist_clear(&h);
	free(role);
	return rc;
}
