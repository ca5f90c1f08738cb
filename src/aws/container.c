/* aws/container: credentials from the container endpoint; see container.h. */
#include "aws/container.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/strlist.h"

#define CONTAINER_MAX_REPLY (64 * 1024)
#define CONTAINER_MAX_TOKEN (64 * 1024) /* buf_read_file reads in 64 KiB steps */

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

/* The Authorization value: the token file wins over the variable, as in the SDKs. */
static int auth_token(struct buf *tok)
{
	const char *file = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *v = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN");

	if (file) {
		if (buf_read_file(tok, file, CONTAINER_MAX_TOKEN))
			return err_set(E_USAGE, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: cannot "
						"be read",
				       file);
		while (tok->len && isspace((unsigned char)tok->data[tok->len - 1]))
			buf_truncate(tok, tok->len - 1);
		return 0;
	}
	return v ? buf_puts(tok, v) : 0;
}

int aws_creds_take_reply(struct aws_creds *out, struct rt *rt, const char *body, size_t len,
			 const char *what)
{
	int rc = aws_creds_parse_endpoint_json(out, body, len, what);

	if (!rc && rt) {
		rc = rt_mask(rt, out->secret_access_key);
		if (!rc)
			rc = rt_mask(rt, out->session_token);
	}
	if (!rc)
		rc = aws_creds_set(&out->source, what, strlen(what));
	return rc;
}

int aws_container_creds(struct aws_creds *out, struct rt *rt)
{
	const char *full = env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *rel = env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	/* plain HTTP is how the ECS and EKS agents serve it, on these link-local addresses */
	struct strlist link_local = STRLIST_INIT;
	struct buf url = BUF_INIT, tok = BUF_INIT, what = BUF_INIT;
	struct http_client *http = NULL;
	struct http_response r;
	struct http_request hr;
	struct http_opts o;
	int rc;

	if (!full && !rel)
		return E_NOTFOUND;
	memset(&r, 0, sizeof(r));
	rc = full ? buf_puts(&url, full) : buf_printf(&url, "http://169.254.170.2%s", rel);
	if (!rc)
		rc = buf_printf(&what, "container credentials %s", buf_cstr(&url));
	if (!rc && strncmp(buf_cstr(&url), "http://", 7) && strncmp(buf_cstr(&url), "https://", 8))
		rc = err_set(E_USAGE, "AWS_CONTAINER_CREDENTIALS_FULL_URI '%s': expected an http:// "
				      "or https:// URL",
			     buf_cstr(&url));
	if (!rc)
		rc = auth_token(&tok);
	if (!rc && rt && tok.len)
		rc = rt_mask(rt, buf_cstr(&tok));
	if (!rc)
		rc = strlist_add(&link_local, "169.254.170.2");
	if (!rc)
		rc = strlist_add(&link_local, "169.254.170.23");
	if (rc)
		goto out;
	http_opts_defaults(&o);
	o.connect_timeout_ms = 2000;
	o.timeout_ms = 5000;
	o.max_retries = 2;
	o.insecure_hosts = &link_local;
	o.verbose = rt ? rt->verbose : 0;
	rc = http_client_new(&http, &o);
	if (rc)
		goto out;
	memset(&hr, 0, sizeof(hr));
	hr.method = "GET";
	hr.url = buf_cstr(&url);
	hr.auth = tok.len ? buf_cstr(&tok) : NULL;
	hr.max_body = CONTAINER_MAX_REPLY;
	rc = http_do(http, &hr, &r);
	if (rc) {
		rc = err_wrap(E_AUTH, "%s", buf_cstr(&what));
		goto out;
	}
	if (r.status != 200) {
		rc = err_set(E_AUTH, "%s answered HTTP %ld%s", buf_cstr(&what), r.status,
			     r.status == 401 || r.status == 403
				     ? " (the AWS_CONTAINER_AUTHORIZATION_TOKEN is refused)"
				     : "");
		goto out;
	}
	rc = aws_creds_take_reply(out, rt, r.body.data ? r.body.data : "", r.body.len,
				  buf_cstr(&what));
out:
	http_response_free_secret(&r);
	http_client_free(http);
	buf_free_secret(&tok);
	buf_free(&url);
	buf_free(&what);
	strlist_clear(&link_local);
	return rc;
}
