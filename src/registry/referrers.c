/* registry/referrers: the referrers API and the referrers tag schema. See referrers.h. */
#include "registry/referrers.h"

#include <string.h>

#include "util/err.h"
#include "util/strlist.h"

static json_t *empty_index(void)
{
	return json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
			 REGISTRY_MT_OCI_INDEX, "manifests");
}

int registry_referrers_tag_name(struct buf *tag, const char *digest)
{
	buf_reset(tag);
	if (strncmp(digest, "sha256:", 7))
		return err_set(E_USAGE, "%s: not a sha256 digest", digest);
	return buf_printf(tag, "sha256-%s", digest + 7);
}

int registry_referrers_api(struct registry *r, const char *repo, const char *digest,
			   json_t **index)
{
	struct strlist h = STRLIST_INIT;
	struct http_request req = { 0 };
	struct http_response resp = { 0 };
	struct buf path = BUF_INIT;
	json_t *j;
	int rc;

	*index = NULL;
	if ((rc = strlist_add(&h, "Accept: " REGISTRY_MT_OCI_INDEX)) ||
	    (rc = buf_printf(&path, "/v2/%s/referrers/%s", repo, digest)))
		goto out;
	req.method = "GET";
	req.headers = &h;
	req.max_body = REGISTRY_MAX_MANIFEST;
	if ((rc = registry_request(r, repo, "pull", &req, buf_cstr(&path), &resp)))
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
	*index = j;
out:
	http_response_free(&resp);
	strlist_clear(&h);
	buf_free(&path);
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

int registry_referrers_get(struct registry *r, const char *repo, const char *digest,
			   json_t **index, int *api)
{
	int rc = registry_referrers_api(r, repo, digest, index);

	*api = !rc;
	if (rc != E_NOTFOUND)
		return rc;
	err_clear();
	return registry_referrers_tag_get(r, repo, digest, index);
}
