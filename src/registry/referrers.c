/* registry/referrers: the referrers API and the referrers tag schema. See referrers.h. */
#include "registry/referrers.h"

#include <stdlib.h>
#include <string.h>

#include "registry/image_copy.h"
#include "registry/internal.h"

#include "util/err.h"
#include "util/strlist.h"

static json_t *empty_index(void)
{
	return json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
			 REGISTRY_MT_OCI_INDEX, "manifests");
}

int registry_manifest_subject_is_index(const void *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	const char *mt = json_string_value(json_object_get(json_object_get(j, "subject"),
							   "mediaType"));
	int is = mt && registry_media_type_is_index(mt);

	json_decref(j);
	return is;
}

int registry_manifest_drop_subject(struct buf *out, const void *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL);
	char *s;
	int rc;

	buf_reset(out);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(E_INTERNAL, "the manifest to put is not a JSON object");
	}
	json_object_del(j, "subject");
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return err_set(E_NOMEM, "out of memory");
	rc = buf_puts(out, s);
	free(s);
	return rc;
}

int registry_referrers_tag_name(struct buf *tag, const char *digest)
{
	buf_reset(tag);
	if (strncmp(digest, "sha256:", 7))
		return err_set(E_USAGE, "%s: not a sha256 digest", digest);
	return buf_printf(tag, "sha256-%s", digest + 7);
}

#define REFERRERS_MAX_PAGES 100

/*
 * One page of the listing: 0 with *page (caller's), E_NOTFOUND when the registry has no API,
 * and *next the URL of the next page (Link rel="next", resolved; NULL on the last page).
 */
static int api_page(struct registry *r, const char *repo, const char *url, json_t **page,
		    char **next)
{
	struct strlist h = STRLIST_INIT;
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct buf scope = BUF_INIT;
	char *rel;
	json_t *j;
	int rc;

	*page = NULL;
	*next = NULL;
	if ((rc = strlist_add(&h, "Accept: " REGISTRY_MT_OCI_INDEX)) ||
	    (rc = registry_scope(&scope, repo, "pull", NULL)))
		goto out;
	req.method = "GET";
	req.url = url;
	req.headers = &h;
	req.max_body = REGISTRY_MAX_MANIFEST;
	if ((rc = registry_do_scoped(r, buf_cstr(&scope), &req, &resp)))
		goto out;
	if (resp.status == 404 || resp.status == 400 || resp.status == 405) {
		rc = E_NOTFOUND; /* no referrers API (an unknown route), quietly */
		goto out;
	}
	if (resp.status != 200) {
		rc = registry_error_from_response(&resp, "GET referrers");
		goto out;
	}
	j = json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, NULL);
	if (!json_is_array(json_object_get(j, "manifests"))) {
		/* A 200 that is not an index: a front end answering every path; no API. */
		json_decref(j);
		rc = E_NOTFOUND;
		goto out;
	}
	*page = j;
	if ((rel = http_link_find_dup(http_header(&resp, "link"), "next"))) {
		*next = http_resolve_url_dup(url, rel);
		free(rel);
		if (!*next)
			rc = err_set(E_NOMEM, "out of memory");
	}
out:
	http_response_free(&resp);
	strlist_clear(&h);
	buf_free(&scope);
	return rc;
}

/*
 * The listing may come in pages (spec: "Listing Referrers", Link rel="next"): the pages are
 * followed on the registry's own origin only, each once, and their descriptors joined into
 * the first page's index.
 */
int registry_referrers_api(struct registry *r, const char *repo, const char *digest,
			   json_t **index)
{
	struct strlist seen = STRLIST_INIT;
	struct buf url = BUF_INIT;
	char *next = NULL;
	json_t *all = NULL, *page = NULL;
	int rc, foreign;

	*index = NULL;
	if ((rc = registry_url(r, &url, "/v2/%s/referrers/%s", repo, digest)) ||
	    (rc = api_page(r, repo, buf_cstr(&url), &all, &next)) ||
	    (rc = strlist_add(&seen, buf_cstr(&url))))
		goto out;
	while (next) {
		char *cur = next;

		next = NULL;
		if (!(rc = registry_url_is_foreign(r, cur, &foreign))) {
			if (foreign)
				rc = err_set(E_HTTP, "GET referrers of %s: the next page is on "
						     "another host (only pages on %s are followed)",
					     digest, registry_host(r));
			else if (strlist_contains(&seen, cur))
				rc = err_set(E_HTTP, "GET referrers of %s: the next page was read "
						     "already (a loop of Link: rel=\"next\"); the "
						     "listing is not complete", digest);
			else if (seen.len >= REFERRERS_MAX_PAGES)
				rc = err_set(E_LIMIT, "GET referrers of %s: more than %d pages",
					     digest, REFERRERS_MAX_PAGES);
		}
		if (rc) {
			free(cur);
			goto out;
		}
		if ((rc = strlist_take(&seen, cur)))
			goto out;
		if ((rc = api_page(r, repo, seen.items[seen.len - 1], &page, &next))) {
			if (rc == E_NOTFOUND)
				rc = err_set(E_HTTP, "GET referrers of %s: a next page is missing",
					     digest);
			goto out;
		}
		if (json_array_extend(json_object_get(all, "manifests"),
				      json_object_get(page, "manifests"))) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		json_decref(page);
		page = NULL;
	}
	*index = all;
	all = NULL;
out:
	if (rc && rc != E_NOTFOUND)
		err_wrap(rc, "%s/%s", registry_host(r), repo);
	json_decref(all);
	json_decref(page);
	free(next);
	strlist_clear(&seen);
	buf_free(&url);
	return rc;
}

int registry_referrers_tag_get(struct registry *r, const char *repo, const char *digest,
			       json_t **index)
{
	struct registry_manifest m = { 0 };
	struct buf tag = BUF_INIT;
	json_t *j;
	int rc;

	*index = NULL;
	if ((rc = registry_referrers_tag_name(&tag, digest)))
		goto out;
	rc = registry_manifest_get(r, repo, buf_cstr(&tag), &m);
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = (*index = empty_index()) ? 0 : err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (rc)
		goto out;
	j = json_loadb(m.body.data, m.body.len, 0, NULL);
	if (!json_is_array(json_object_get(j, "manifests"))) {
		json_decref(j);
		rc = err_set(E_INTEGRITY, "%s/%s:%s is not a referrers index", registry_host(r),
			     repo, buf_cstr(&tag));
		goto out;
	}
	*index = j;
out:
	registry_manifest_free(&m);
	buf_free(&tag);
	return rc;
}

int registry_referrers_supported(struct registry *r, const char *repo)
{
	/* The OCI empty descriptor's digest: a valid subject no manifest refers to. */
	static const char probe[] =
		"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
	json_t *index = NULL;
	int rc = registry_referrers_api(r, repo, probe, &index);

	json_decref(index);
	err_clear();
	return !rc;
}

int registry_referrers_list(struct registry *r, const char *repo, const char *digest,
			    json_t **index)
{
	json_t *tagged = NULL;
	char *mt = NULL;
	int rc = registry_referrers_api(r, repo, digest, index);

	if (rc || json_array_size(json_object_get(*index, "manifests")))
		return rc;
	rc = registry_manifest_head(r, repo, digest, NULL, &mt);
	if (rc == E_NOTFOUND) {
		err_clear(); /* no subject, no refused referrers */
		rc = 0;
	}
	if (!rc && mt && registry_media_type_is_index(mt) &&
	    !(rc = registry_referrers_tag_get(r, repo, digest, &tagged)) &&
	    json_array_extend(json_object_get(*index, "manifests"),
			      json_object_get(tagged, "manifests")))
		rc = err_set(E_NOMEM, "out of memory");
	free(mt);
	json_decref(tagged);
	if (rc) {
		json_decref(*index);
		*index = NULL;
	}
	return rc;
}

int registry_referrers_get(struct registry *r, const char *repo, const char *digest,
			   json_t **index, int *api)
{
	int rc = registry_referrers_list(r, repo, digest, index);

	*api = !rc;
	if (rc != E_NOTFOUND)
		return rc;
	err_clear();
	return registry_referrers_tag_get(r, repo, digest, index);
}

int registry_referrers_tag_add(struct registry *r, const char *repo, const char *subject,
			       json_t *desc)
{
	const char *want = json_string_value(json_object_get(desc, "digest"));
	struct buf tag = BUF_INIT;
	json_t *index = NULL, *list;
	char *body = NULL;
	int rc;

	if ((rc = registry_referrers_tag_get(r, repo, subject, &index)))
		goto out;
	list = json_object_get(index, "manifests");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *d = json_string_value(json_object_get(json_array_get(list, i), "digest"));

		if (d && want && !strcmp(d, want))
			goto out;
	}
	if (json_array_append(list, desc) || !(body = json_dumps(index, JSON_COMPACT))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (!(rc = registry_referrers_tag_name(&tag, subject)))
		rc = registry_manifest_put(r, repo, buf_cstr(&tag), REGISTRY_MT_OCI_INDEX, body,
					   strlen(body), NULL);
out:
	free(body);
	json_decref(index);
	buf_free(&tag);
	return rc;
}
