/* github/repo: the repository data for labels, through github/client. See repo.h. */
#include "github/repo.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "github/client.h"
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

int github_repo_get(struct github_client *c, const char *repository, struct github_repo *out)
{
	struct github_response resp = { 0 };
	struct buf path = BUF_INIT;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = github_repo_path(&path, repository)) ||
	    (rc = github_request(c, "GET", buf_cstr(&path), NULL, 0, &resp)))
		goto out;
	root = resp.json;
	if (!json_is_object(root)) {
		rc = err_set(E_HTTP, "GET %s: the response is not a JSON object", buf_cstr(&path));
		goto out;
	}
	out->name = dup_str(root, "name");
	out->description = dup_str(root, "description");
	out->html_url = dup_str(root, "html_url");
	out->default_branch = dup_str(root, "default_branch");
	out->license = dup_str(json_object_get(root, "license"), "spdx_id");
out:
	github_response_free(&resp);
	buf_free(&path);
	if (rc)
		github_repo_free(out);
	return rc;
}
