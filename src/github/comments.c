/* github/comments: GET/POST /repos/{o}/{r}/issues/{n}/comments, PATCH/DELETE .../comments/{id}. */
#include "github/comments.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define COMMENTS_PER_PAGE 100

void github_comment_free(struct github_comment *cm)
{
	if (!cm)
		return;
	free(cm->html_url);
	free(cm->body);
	memset(cm, 0, sizeof(*cm));
}

static int comment_from_json(json_t *j, struct github_comment *out)
{
	json_t *id = json_object_get(j, "id");
	const char *url = json_string_value(json_object_get(j, "html_url"));
	const char *body = json_string_value(json_object_get(j, "body"));

	if (!json_is_integer(id))
		return err_set(E_HTTP, "GitHub returned a comment without an id");
	out->id = (long long)json_integer_value(id);
	out->html_url = strdup(url ? url : "");
	out->body = strdup(body ? body : "");
	if (!out->html_url || !out->body)
		return err_set(E_NOMEM, "out of memory");
	return 0;
}

struct find_ctx {
	const char *marker;
	struct github_comment *out;
	int found;
	int rc;
};

static int find_one(json_t *item, void *ctx)
{
	struct find_ctx *f = ctx;
	const char *body = json_string_value(json_object_get(item, "body"));

	if (!body || strncmp(body, f->marker, strlen(f->marker)))
		return 0;
	f->found = 1;
	if ((f->rc = comment_from_json(item, f->out)))
		return f->rc;
	return 1;
}

int github_comment_find(struct github_client *c, const char *repo, long issue,
			const char *marker, struct github_comment *out, int *found)
{
	struct buf path = BUF_INIT;
	struct find_ctx f = { marker, out, 0, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((rc = github_repo_path(&path, repo)) ||
	    (rc = buf_printf(&path, "/issues/%ld/comments?per_page=%d", issue, COMMENTS_PER_PAGE)))
		goto out;
	if ((rc = github_list(c, buf_cstr(&path), 0, find_one, &f)) || (rc = f.rc))
		goto out;
	*found = f.found;
out:
	if (rc)
		github_comment_free(out);
	buf_free(&path);
	return rc;
}

static int send_body(struct github_client *c, const char *method, const char *path,
		     const char *body, struct github_comment *out)
{
	json_t *j = json_pack("{s:s}", "body", body);
	struct github_response r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!j)
		return err_set(E_USAGE, "comment body is not valid UTF-8");
	rc = github_request(c, method, path, j, 0, &r);
	json_decref(j);
	if (!rc)
		rc = comment_from_json(r.json, out);
	github_response_free(&r);
	return rc;
}

int github_comment_create(struct github_client *c, const char *repo, long issue,
			  const char *body, struct github_comment *out)
{
	struct buf path = BUF_INIT;
	int rc;

	if (!(rc = github_repo_path(&path, repo)) &&
	    !(rc = buf_printf(&path, "/issues/%ld/comments", issue)))
		rc = send_body(c, "POST", buf_cstr(&path), body, out);
	buf_free(&path);
	return rc;
}

int github_comment_update(struct github_client *c, const char *repo, long long id,
			  const char *body, struct github_comment *out)
{
	struct buf path = BUF_INIT;
	int rc;

	if (!(rc = github_repo_path(&path, repo)) &&
	    !(rc = buf_printf(&path, "/issues/comments/%lld", id)))
		rc = send_body(c, "PATCH", buf_cstr(&path), body, out);
	buf_free(&path);
	return rc;
}

int github_comment_delete(struct github_client *c, const char *repo, long long id)
{
	struct buf path = BUF_INIT;
	struct github_response r;
	int rc;

	if (!(rc = github_repo_path(&path, repo)) &&
	    !(rc = buf_printf(&path, "/issues/comments/%lld", id))) {
		rc = github_request(c, "DELETE", buf_cstr(&path), NULL, GITHUB_ALLOW_404, &r);
		github_response_free(&r);
	}
	buf_free(&path);
	return rc;
}
