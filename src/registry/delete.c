/* registry/delete: manifest deletion and the probe that asks whether it is allowed. See
 * delete.h. */
#include "registry/delete.h"

#include <string.h>

#include "util/err.h"

/* The token scope of a DELETE: distribution's token auth names the action "delete". */
#define DELETE_ACTIONS "delete"

static int delete_request(struct registry *r, const char *repo, const char *digest,
			  struct http_response *resp)
{
	struct http_request req = { 0 };
	struct buf path = BUF_INIT;
	int rc;

	if ((rc = buf_printf(&path, "/v2/%s/manifests/%s", repo, digest)))
		return rc;
	req.method = "DELETE";
	req.max_body = 64 * 1024;
	rc = registry_request(r, repo, DELETE_ACTIONS, &req, buf_cstr(&path), resp);
	buf_free(&path);
	return rc;
}

/* 405, or an UNSUPPORTED error code: the registry does not delete (by configuration). */
static int refuses_deletion(const struct http_response *resp)
{
	return resp->status == 405 ||
	       (resp->body.len && strstr(resp->body.data, "\"UNSUPPORTED\""));
}

static int refused(struct registry *r, const char *repo, const struct http_response *resp)
{
	return err_set(E_HTTP, "registry %s refuses to delete manifests in %s (HTTP %ld "
			       "UNSUPPORTED): deletion is disabled there (docker-registry: "
			       "storage.delete.enabled: true; GHCR deletes package versions "
			       "through the GitHub API only)",
		       registry_host(r), repo, resp->status);
}

int registry_manifest_delete(struct registry *r, const char *repo, const char *digest)
{
	struct http_response resp = { 0 };
	int rc = delete_request(r, repo, digest, &resp);

	if (rc)
		goto out;
	if (resp.status == 202 || resp.status == 200 || resp.status == 204)
		goto out;
	if (refuses_deletion(&resp))
		rc = refused(r, repo, &resp);
	else if (resp.status == 404)
		rc = err_set(E_NOTFOUND, "manifest %s not found in %s/%s", digest,
			     registry_host(r), repo);
	else
		rc = err_wrap(registry_error_from_response(&resp, "DELETE manifest"), "%s/%s@%s",
			      registry_host(r), repo, digest);
out:
	http_response_free(&resp);
	return rc;
}

int registry_delete_probe(struct registry *r, const char *repo)
{
	struct http_response resp = { 0 };
	char digest[REGISTRY_DIGEST_LEN + 1];
	static const char probe[] = "convoy prune: does this registry delete manifests?";
	int rc;

	if ((rc = registry_digest_buf(probe, sizeof(probe) - 1, digest)) ||
	    (rc = delete_request(r, repo, digest, &resp)))
		goto out;
	if (refuses_deletion(&resp))
		rc = refused(r, repo, &resp);
	else if (resp.status == 404 || resp.status == 202 || resp.status == 200)
		rc = 0; /* MANIFEST_UNKNOWN: deletion is on, there was nothing to delete */
	else
		rc = err_wrap(registry_error_from_response(&resp, "DELETE manifest (probe)"),
			      "asking %s whether it deletes manifests in %s", registry_host(r),
			      repo);
out:
	http_response_free(&resp);
	return rc;
}
