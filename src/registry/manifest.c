/* registry/manifest: manifests by tag or digest (GET, HEAD, PUT) and tag lists. See client.h. */
#include "registry/client.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "registry/digest.h"
#include "registry/internal.h"
#include "registry/reference.h"
#include "registry/referrers.h"
#include "util/err.h"

void registry_manifest_free(struct registry_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	free(m->digest);
	buf_free(&m->body);
	memset(m, 0, sizeof(*m));
}

static char *content_type_dup(const struct http_response *resp)
{
	const char *ct = http_header(resp, "content-type");

	return ct ? strndup(ct, strcspn(ct, "; ")) : NULL;
}

/*
 * GET or HEAD of repo's manifest ref with every manifest type accepted: 0 with a 200 in resp,
 * else the error (E_NOTFOUND for a 404) wrapped with the repository.
 */
static int manifest_fetch(struct registry *r, const char *repo, const char *ref,
			  const char *method, struct http_response *resp)
{
	struct http_request req = { 0 };
	struct strlist hdrs = STRLIST_INIT;
	struct buf url = BUF_INIT, scope = BUF_INIT, what = BUF_INIT;
	int rc;

	if ((rc = strlist_add(&hdrs, "Accept: " REGISTRY_ACCEPT_MANIFESTS)) ||
	    (rc = registry_url(r, &url, "/v2/%s/manifests/%s", repo, ref)) ||
	    (rc = registry_scope(&scope, repo, "pull", NULL)) ||
	    (rc = buf_printf(&what, "%s manifest", method)))
		goto out;
	req.method = method;
	req.url = buf_cstr(&url);
	req.headers = &hdrs;
	req.max_body = REGISTRY_MAX_MANIFEST;
	if ((rc = registry_do_scoped(r, buf_cstr(&scope), &req, resp)))
		goto wrap;
	if (resp->status == 404)
		rc = err_set(E_NOTFOUND, "manifest %s not found", ref);
	else if (resp->status != 200)
		rc = registry_error_from_response(resp, buf_cstr(&what));
wrap:
	if (rc)
		err_wrap(rc, "%s/%s", r->host, repo);
out:
	strlist_clear(&hdrs);
	buf_free(&url);
	buf_free(&scope);
	buf_free(&what);
	return rc;
}

int registry_manifest_get(struct registry *r, const char *repo, const char *ref,
			  struct registry_manifest *out)
{
	struct http_response resp = { 0 };
	char digest[REGISTRY_DIGEST_LEN + 1];
	const char *dcd;
	json_t *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = manifest_fetch(r, repo, ref, "GET", &resp)))
		goto out;
	if ((rc = registry_digest_buf(resp.body.data, resp.body.len, digest)))
		goto out;
	if (!strncmp(ref, "sha256:", 7) && strcmp(ref, digest)) {
		rc = err_set(E_INTEGRITY, "manifest %s: the registry sent content with digest %s",
			     ref, digest);
		goto wrap;
	}
	dcd = http_header(&resp, "docker-content-digest");
	if (dcd && !strncmp(dcd, "sha256:", 7) && strcmp(dcd, digest)) {
		rc = err_set(E_INTEGRITY, "manifest %s: the registry answered an inconsistent "
			     "digest: Docker-Content-Digest %s, but the content it sent has digest %s",
			     ref, dcd, digest);
		goto wrap;
	}
	root = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
	if (json_is_string(json_object_get(root, "mediaType")))
		out->media_type = strdup(json_string_value(json_object_get(root, "mediaType")));
	else
		out->media_type = content_type_dup(&resp);
	out->digest = strdup(digest);
	out->body = resp.body;
	memset(&resp.body, 0, sizeof(resp.body));
	if (!out->digest) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	goto out;
wrap:
	err_wrap(rc, "%s/%s", r->host, repo);
out:
	if (rc)
		registry_manifest_free(out);
	json_decref(root);
	http_response_free(&resp);
	return rc;
}

int registry_manifest_head(struct registry *r, const char *repo, const char *ref,
			   char **digest, char **media_type)
{
	struct http_response resp = { 0 };
	const char *dcd;
	int rc;

	if (digest)
		*digest = NULL;
	if (media_type)
		*media_type = NULL;
	if ((rc = manifest_fetch(r, repo, ref, "HEAD", &resp)))
		goto out;
	dcd = http_header(&resp, "docker-content-digest");
	if (!dcd || !registry_digest_valid(dcd)) {
		/* Some registries omit it on HEAD: fall back to GET, which computes it. */
		struct registry_manifest m;

		rc = registry_manifest_get(r, repo, ref, &m);
		if (!rc) {
			if (digest)
				*digest = m.digest, m.digest = NULL;
			if (media_type)
				*media_type = m.media_type, m.media_type = NULL;
		}
		registry_manifest_free(&m);
		goto out;
	}
	if (!strncmp(ref, "sha256:", 7) && strcmp(ref, dcd)) {
		rc = err_set(E_INTEGRITY, "manifest %s: the registry answered digest %s", ref, dcd);
		goto wrap;
	}
	if (digest && !(*digest = strdup(dcd)))
		rc = err_set(E_NOMEM, "out of memory");
	if (media_type)
		*media_type = content_type_dup(&resp);
	goto out;
wrap:
	err_wrap(rc, "%s/%s", r->host, repo);
out:
	http_response_free(&resp);
	return rc;
}

#define DIGEST_READS 3

int registry_manifest_digest(struct registry *r, const char *repo, const char *ref,
			     char **digest)
{
	struct registry_manifest m;
	int rc;

	*digest = NULL;
	/* A read: an inconsistent answer is asked again (within the operation's budget) before
	 * anything is concluded from it. */
	http_op_begin(r->http);
	for (unsigned attempt = 1;; attempt++) {
		rc = registry_manifest_get(r, repo, ref, &m);
		if (!rc) {
			*digest = m.digest;
			m.digest = NULL;
		}
		registry_manifest_free(&m);
		if (rc != E_INTEGRITY || attempt >= DIGEST_READS ||
		    !http_op_retry(r->http, attempt, NULL))
			break;
		err_clear();
	}
	http_op_end();
	return rc;
}

/*
 * ECR answers 405 UNSUPPORTED to a manifest whose subject is an image index
 * (aws/containers-roadmap#2783): the manifest is not stored at all. Told apart from other
 * refusals so that a writer can take the referrers tag schema instead (see referrers.h).
 */
static int subject_refused(void)
{
	char *why = strdup(err_msg());
	int rc;

	if (!why)
		return err_set(E_NOMEM, "out of memory");
	rc = err_set(E_SUBJECT, "%s (the registry refuses a manifest whose subject is an image "
				"index, as ECR does)", why);
	free(why);
	return rc;
}

int registry_manifest_put(struct registry *r, const char *repo, const char *ref,
			  const char *media_type, const void *body, size_t len, int *subject_ack)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct strlist hdrs = STRLIST_INIT;
	struct buf url = BUF_INIT, scope = BUF_INIT, ct = BUF_INIT;
	char digest[REGISTRY_DIGEST_LEN + 1];
	const char *dcd;
	int rc;

	if (subject_ack)
		*subject_ack = 0;
	if ((rc = registry_digest_buf(body, len, digest)))
		return rc;
	if (!strncmp(ref, "sha256:", 7) && strcmp(ref, digest))
		return err_set(E_INTEGRITY, "manifest for %s has digest %s", ref, digest);
	if ((rc = buf_printf(&ct, "Content-Type: %s", media_type)) ||
	    (rc = strlist_add(&hdrs, buf_cstr(&ct))) ||
	    (rc = registry_url(r, &url, "/v2/%s/manifests/%s", repo, ref)) ||
	    (rc = registry_scope(&scope, repo, "pull,push", NULL)))
		goto out;
	req.method = "PUT";
	req.url = buf_cstr(&url);
	req.headers = &hdrs;
	req.body = body;
	req.body_len = len;
	if ((rc = registry_do_scoped(r, buf_cstr(&scope), &req, &resp)))
		goto wrap;
	if (resp.status != 201 && resp.status != 200) {
		rc = registry_error_from_response(&resp, "PUT manifest");
		if ((resp.status == 405 || resp.status == 400) &&
		    registry_manifest_subject_is_index(body, len))
			rc = subject_refused();
		goto wrap;
	}
	dcd = http_header(&resp, "docker-content-digest");
	if (dcd && strcmp(dcd, digest)) {
		rc = err_set(E_INTEGRITY, "PUT manifest %s: the registry answered "
			     "Docker-Content-Digest %s, expected %s", ref, dcd, digest);
		goto wrap;
	}
	if (subject_ack && http_header(&resp, "oci-subject"))
		*subject_ack = 1;
	goto out;
wrap:
	err_wrap(rc, "%s/%s:%s", r->host, repo, ref);
out:
	http_response_free(&resp);
	strlist_clear(&hdrs);
	buf_free(&url);
	buf_free(&scope);
	buf_free(&ct);
	return rc;
}

/* The URL in a Link header with rel="next", resolved against base; NULL if none. */
static char *link_next_dup(const char *base, const char *link)
{
	char *rel = http_link_find_dup(link, "next"), *res;

	if (!rel)
		return NULL;
	res = http_resolve_url_dup(base, rel);
	free(rel);
	return res;
}

#define TAG_LIST_MAX_PAGES 1000

/*
 * A next page is followed only on the registry's own origin (its credentials go nowhere
 * else, and a tag list elsewhere is not this repository's), and only once: a page that
 * points back to one already read is a loop, and stopping there silently would pass a
 * partial list off as the whole.
 */
static int next_page_check(struct registry *r, const struct strlist *seen, const char *next)
{
	char *shown;
	int foreign, rc = registry_url_is_foreign(r, next, &foreign);

	if (rc)
		return rc;
	if (!foreign && !strlist_contains(seen, next))
		return 0;
	shown = http_url_redact_dup(next);
	rc = foreign ? err_set(E_HTTP, "GET tags/list: the registry's next page is on another "
				       "host or scheme (%s); only pages on %s are followed",
			       shown ? shown : "?", buf_cstr(&r->base))
		     : err_set(E_HTTP, "GET tags/list: the registry's next page %s was read "
				       "already (a loop of Link: rel=\"next\"); the tag list is "
				       "not complete", shown ? shown : "?");
	free(shown);
	return rc;
}

int registry_tag_list(struct registry *r, const char *repo, struct strlist *out)
{
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct buf url = BUF_INIT, scope = BUF_INIT;
	struct strlist seen = STRLIST_INIT;
	char *next = NULL;
	json_t *root = NULL;
	int rc, pages = 0;

	if ((rc = registry_url(r, &url, "/v2/%s/tags/list?n=1000", repo)) ||
	    (rc = registry_scope(&scope, repo, "pull", NULL)))
		goto out;
	for (;;) {
		json_t *tags, *v;
		size_t i;

		req.method = "GET";
		req.url = next ? next : buf_cstr(&url);
		req.max_body = 16u * 1024 * 1024;
		if ((rc = registry_do_scoped(r, buf_cstr(&scope), &req, &resp)))
			goto wrap;
		if (resp.status == 404) {
			rc = err_set(E_NOTFOUND, "repository not found");
			goto wrap;
		}
		if (resp.status != 200) {
			rc = registry_error_from_response(&resp, "GET tags/list");
			goto wrap;
		}
		root = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
		tags = json_object_get(root, "tags");
		json_array_foreach(tags, i, v)
			if (json_is_string(v) && (rc = strlist_add(out, json_string_value(v))))
				goto out;
		json_decref(root);
		root = NULL;
		if ((rc = strlist_add(&seen, req.url)))
			goto out;
		{
			char *n = link_next_dup(req.url, http_header(&resp, "link"));

			free(next);
			next = n;
		}
		http_response_reset(&resp);
		if (!next)
			break;
		if ((rc = next_page_check(r, &seen, next)))
			goto wrap;
		if (++pages >= TAG_LIST_MAX_PAGES) {
			rc = err_set(E_LIMIT, "GET tags/list: more than %d pages", TAG_LIST_MAX_PAGES);
			goto wrap;
		}
	}
	goto out;
wrap:
	err_wrap(rc, "%s/%s", r->host, repo);
out:
	free(next);
	strlist_clear(&seen);
	json_decref(root);
	http_response_free(&resp);
	buf_free(&url);
	buf_free(&scope);
	return rc;
}
