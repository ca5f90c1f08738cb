/* github/repo: the repository data for labels. See repo.h. */
#include "github/repo.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http/http.h"
#include "util/buf.h"
#include "util/err.h"

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? strdup(s) : NULL;
}

void github_repo_free(struct github_repo *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->description);
	free(r->html_url);
	free(r->license);
	free(r->default_branch);
	memset(r, 0, sizeof(*r));
}

int github_repo_get(struct http_client *hc, const char *api_url, const char *repository,
		    const char *token, struct github_repo *out)
{
	struct buf url = BUF_INIT, auth = BUF_INIT;
	struct strlist headers = STRLIST_INIT;
	struct http_request req;
	struct http_response resp;
	json_error_t jerr;
	json_t *root = NULL;
	size_t n = strlen(api_url);
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	while (n && api_url[n - 1] == '/')
		n--;
	if ((rc = buf_printf(&url, "%.*s/repos/%s", (int)n, api_url, repository)) ||
	    (rc = strlist_add(&headers, "Accept: application/vnd.github+json")) ||
	    (rc = strlist_add(&headers, "X-GitHub-Api-Version: 2022-11-28")))
		goto out;
	if (token && *token && (rc = buf_printf(&auth, "Bearer %s", token)))
		goto out;
	req.method = "GET";
	req.url = buf_cstr(&url);
	req.headers = &headers;
	req.auth = auth.len ? buf_cstr(&auth) : NULL;
	req.max_body = 4u * 1024 * 1024;
	req.flags = HTTP_FOLLOW;
	if ((rc = http_do(hc, &req, &resp)))
		goto out;
	if (resp.status == 401 || resp.status == 403) {
		rc = err_set(E_AUTH, "GET %s: HTTP %ld (token refused)", req.url, resp.status);
		goto out;
	}
	if (resp.status != 200) {
		rc = err_set(resp.status == 404 ? E_NOTFOUND : E_HTTP, "GET %s: HTTP %ld", req.url,
			     resp.status);
		goto out;
	}
	root = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &jerr);
	if (!json_is_object(root)) {
		rc = err_set(E_HTTP, "GET %s: the response is not a JSON object", req.url);
		goto out;
	}
	out->name = dup_str(root, "name");
	out->description = dup_str(root, "description");
	out->html_url = dup_str(root, "html_url");
	out->default_branch = dup_str(root, "default_branch");
	out->license = dup_str(json_object_get(root, "license"), "spdx_id");
out:
	json_decref(root);
	http_response_free(&resp);
	buf_free(&url);
	buf_free(&auth);
	strlist_clear(&headers);
	if (rc)
		github_repo_free(out);
	return rc;
}
