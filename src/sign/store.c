/* sign/store: cosign signature storage and discovery. See store.h. */
#include "sign/store.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "registry/digest.h"
#include "registry/referrers.h"
#include "sign/payload.h"
#include "util/base64.h"
#include "util/err.h"

#define OCI_EMPTY_DIGEST_ "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define OCI_EMPTY_MT "application/vnd.oci.empty.v1+json"
#define OCI_CONFIG_MT "application/vnd.oci.image.config.v1+json"

int sign_storage_parse(const char *s, const char *what, enum sign_storage *out)
{
	if (!s || !strcmp(s, "tag"))
		*out = SIGN_STORAGE_TAG;
	else if (!strcmp(s, "referrer"))
		*out = SIGN_STORAGE_REFERRER;
	else if (!strcmp(s, "both"))
		*out = SIGN_STORAGE_BOTH;
	else
		return err_set(E_USAGE, "%s: '%s' is not a signature storage (expected tag, "
					"referrer or both)", what, s);
	return 0;
}

static int sig_tag(struct buf *tag, const char *digest)
{
	buf_reset(tag);
	if (!sign_digest_valid(digest))
		return err_set(E_USAGE, "%s: not a sha256 digest", digest);
	return buf_printf(tag, "sha256-%s.sig", digest + 7);
}

static int dump_put(struct registry *reg, const char *repo, const char *ref, json_t *m,
		    int *ack, char digest_out[REGISTRY_DIGEST_LEN + 1], size_t *size)
{
	char *s = json_dumps(m, JSON_COMPACT);
	int rc;

	if (!s)
		return err_set(E_NOMEM, "out of memory");
	if (digest_out && (rc = registry_digest_buf(s, strlen(s), digest_out)))
		goto out;
	if (size)
		*size = strlen(s);
	rc = registry_manifest_put(reg, repo, ref ? ref : digest_out,
				   REGISTRY_MT_OCI_MANIFEST, s, strlen(s), ack);
out:
	free(s);
	return rc;
}

static json_t *layer_desc(const char *pdigest, size_t plen, const char *sig_b64)
{
	return json_pack("{s:s, s:I, s:s, s:{s:s}}", "mediaType", SIGN_PAYLOAD_MEDIA_TYPE, "size",
			 (json_int_t)plen, "digest", pdigest, "annotations",
			 SIGN_ANNOTATION_SIGNATURE, sig_b64);
}

/* Whether layers has the same payload with the same signature already. */
static int has_layer(const json_t *layers, const char *pdigest, const char *sig_b64)
{
	const json_t *l;
	size_t i;

	json_array_foreach(layers, i, l)
	{
		const char *d = json_string_value(json_object_get(l, "digest"));
		const char *s = json_string_value(json_object_get(
			json_object_get(l, "annotations"), SIGN_ANNOTATION_SIGNATURE));

		if (d && s && !strcmp(d, pdigest) && !strcmp(s, sig_b64))
			return 1;
	}
	return 0;
}

/* The ".sig" tag: the existing manifest's layers plus this one, with cosign's config (its
 * rootfs lists the layers). */
static int put_tag(struct registry *reg, const char *repo, const char *subject,
		   const char *pdigest, size_t plen, const char *sig_b64, int *written)
{
	struct registry_manifest old = { 0 };
	struct buf tag = BUF_INIT;
	json_t *layers = NULL, *diffs = NULL, *cfg = NULL, *m = NULL, *l;
	char cdigest[REGISTRY_DIGEST_LEN + 1], *cs = NULL;
	size_t i;
	int rc;

	if ((rc = sig_tag(&tag, subject)))
		goto out;
	rc = registry_manifest_get(reg, repo, buf_cstr(&tag), &old);
	if (rc == E_NOTFOUND) {
		err_clear();
		layers = json_array();
	} else if (rc) {
		goto out;
	} else {
		json_t *j = json_loadb(old.body.data, old.body.len, 0, NULL);

		layers = json_incref(json_object_get(j, "layers"));
		json_decref(j);
		if (!json_is_array(layers)) {
			rc = err_set(E_INTEGRITY, "%s/%s:%s is not a signature manifest",
				     registry_host(reg), repo, buf_cstr(&tag));
			goto out;
		}
		if (has_layer(layers, pdigest, sig_b64)) {
			*written = 0;
			goto out;
		}
	}
	if (!layers || json_array_append_new(layers, layer_desc(pdigest, plen, sig_b64)) ||
	    !(diffs = json_array())) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(layers, i, l)
		json_array_append(diffs, json_object_get(l, "digest"));
	cfg = json_pack("{s:s, s:{}, s:s, s:[{s:s}], s:s, s:{s:s, s:O}}", "architecture", "",
			"config", "created", "0001-01-01T00:00:00Z", "history", "created",
			"0001-01-01T00:00:00Z", "os", "", "rootfs", "type", "layers", "diff_ids",
			diffs);
	if (!cfg || !(cs = json_dumps(cfg, JSON_COMPACT))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = registry_digest_buf(cs, strlen(cs), cdigest)) ||
	    (rc = registry_blob_upload_buf(reg, repo, cdigest, cs, strlen(cs))))
		goto out;
	m = json_pack("{s:i, s:s, s:{s:s, s:I, s:s}, s:O}", "schemaVersion", 2, "mediaType",
		      REGISTRY_MT_OCI_MANIFEST, "config", "mediaType", OCI_CONFIG_MT, "size",
		      (json_int_t)strlen(cs), "digest", cdigest, "layers", layers);
	if (!m) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	rc = dump_put(reg, repo, buf_cstr(&tag), m, NULL, NULL, NULL);
out:
	json_decref(layers);
	json_decref(diffs);
	json_decref(cfg);
	json_decref(m);
	free(cs);
	registry_manifest_free(&old);
	buf_free(&tag);
	return rc;
}

/*
 * An OCI 1.1 referrer; without the referrers API it is appended to the tag schema index. An
 * OCI-Subject answer is a claim, not proof (Docker Hub and ECR have sent it without serving
 * the API): the API is asked before the index is skipped. A registry that refuses the
 * subject, an image index (ECR), gets the referrer without it, listed in the index.
 */
static int put_referrer(struct registry *reg, const char *repo, const struct sign_subject *subj,
			const char *pdigest, size_t plen, const char *sig_b64,
			struct sign_stored *st)
{
	char mdigest[REGISTRY_DIGEST_LEN + 1];
	struct buf tag = BUF_INIT;
	json_t *m, *index = NULL, *list;
	size_t msize = 0;
	int ack = 0, rc;

	if ((rc = registry_blob_upload_buf(reg, repo, OCI_EMPTY_DIGEST_, "{}", 2)))
		return rc;
	m = json_pack("{s:i, s:s, s:s, s:{s:s, s:i, s:s}, s:[o], s:{s:s, s:s, s:I}}",
		      "schemaVersion", 2, "mediaType", REGISTRY_MT_OCI_MANIFEST, "artifactType",
		      SIGN_ARTIFACT_TYPE, "config", "mediaType", OCI_EMPTY_MT, "size", 2, "digest",
		      OCI_EMPTY_DIGEST_, "layers", layer_desc(pdigest, plen, sig_b64), "subject",
		      "mediaType", subj->media_type, "digest", subj->digest, "size",
		      (json_int_t)subj->size);
	if (!m)
		return err_set(E_NOMEM, "out of memory");
	rc = dump_put(reg, repo, NULL, m, &ack, mdigest, &msize);
	if (rc == E_SUBJECT) {
		err_clear();
		json_object_del(m, "subject");
		ack = 0;
		st->subject_dropped = 1;
		rc = dump_put(reg, repo, NULL, m, NULL, mdigest, &msize);
	}
	json_decref(m);
	if (rc || (ack && registry_referrers_supported(reg, repo)))
		return rc;
	/* Not listed by the API: list it in the "sha256-<hex>" index unless it is there. */
	st->tag_schema = 1;
	if ((rc = registry_referrers_tag_get(reg, repo, subj->digest, &index)))
		return rc;
	list = json_object_get(index, "manifests");
	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *d = json_string_value(json_object_get(json_array_get(list, i), "digest"));

		if (d && !strcmp(d, mdigest))
			goto out;
	}
	if (json_array_append_new(list, json_pack("{s:s, s:s, s:I, s:s}", "mediaType",
						  REGISTRY_MT_OCI_MANIFEST, "digest", mdigest,
						  "size", (json_int_t)msize, "artifactType",
						  SIGN_ARTIFACT_TYPE))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	{
		char *s = json_dumps(index, JSON_COMPACT);

		if (!s) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		if (!(rc = registry_referrers_tag_name(&tag, subj->digest)))
			rc = registry_manifest_put(reg, repo, buf_cstr(&tag), REGISTRY_MT_OCI_INDEX, s,
						   strlen(s), NULL);
		free(s);
	}
out:
	json_decref(index);
	buf_free(&tag);
	return rc;
}

int sign_store_put(struct registry *reg, const char *repo, const struct sign_subject *subj,
		   const struct buf *payload, const struct buf *sig, enum sign_storage storage,
		   struct sign_stored *out)
{
	char pdigest[REGISTRY_DIGEST_LEN + 1];
	struct buf b64 = BUF_INIT;
	struct sign_stored st = { 1, 0, 0 };
	int rc;

	if ((rc = base64_encode(&b64, sig->data, sig->len)) ||
	    (rc = registry_digest_buf(payload->data, payload->len, pdigest)) ||
	    (rc = registry_blob_upload_buf(reg, repo, pdigest, payload->data, payload->len)))
		goto out;
	if ((storage & SIGN_STORAGE_TAG) &&
	    (rc = put_tag(reg, repo, subj->digest, pdigest, payload->len, buf_cstr(&b64),
			  &st.written)))
		goto out;
	if ((storage & SIGN_STORAGE_REFERRER) &&
	    (rc = put_referrer(reg, repo, subj, pdigest, payload->len, buf_cstr(&b64), &st)))
		goto out;
	if (out)
		*out = st;
out:
	buf_free(&b64);
	return rc ? err_wrap(rc, "storing the signature of %s/%s@%s", registry_host(reg), repo,
			     subj->digest)
		  : 0;
}

/* ---- finding ---- */

void sign_found_list_free(struct sign_found_list *l)
{
	for (size_t i = 0; l && i < l->len; i++) {
		buf_free(&l->items[i].payload);
		buf_free(&l->items[i].sig);
		free(l->items[i].problem);
	}
	if (l) {
		free(l->items);
		l->items = NULL;
		l->len = 0;
	}
}

static int blob_sink(const char *data, size_t n, void *ctx)
{
	return buf_add(ctx, data, n);
}

static int found_problem(struct sign_found *f, const char *what)
{
	struct buf b = BUF_INIT;
	int rc = buf_printf(&b, "%s: %s", what, err_msg());

	err_clear();
	if (!rc)
		f->problem = buf_detach(&b);
	buf_free(&b);
	return rc;
}

/* The signature layers of one manifest body into out. */
static int add_layers(struct registry *reg, const char *repo, const struct buf *body,
		      const char *where, struct sign_found_list *out)
{
	json_t *j = json_loadb(body->data, body->len, 0, NULL), *l;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(j, "layers"), i, l)
	{
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		const char *d = json_string_value(json_object_get(l, "digest"));
		const char *s = json_string_value(
			json_object_get(json_object_get(l, "annotations"), SIGN_ANNOTATION_SIGNATURE));
		struct sign_found *f, *items;

		if (!mt || strcmp(mt, SIGN_PAYLOAD_MEDIA_TYPE))
			continue;
		if (out->len >= SIGN_MAX_FOUND)
			break;
		if (!(items = realloc(out->items, (out->len + 1) * sizeof(*items)))) {
			rc = err_set(E_NOMEM, "out of memory");
			break;
		}
		out->items = items;
		f = &items[out->len++];
		memset(f, 0, sizeof(*f));
		buf_init(&f->payload, SIGN_PAYLOAD_MAX);
		snprintf(f->where, sizeof(f->where), "%s layer %zu", where, i + 1);
		if (!s) {
			err_set(E_USAGE, "no " SIGN_ANNOTATION_SIGNATURE " annotation");
			rc = found_problem(f, f->where);
		} else if (!sign_digest_valid(d)) {
			err_set(E_USAGE, "layer digest is not sha256");
			rc = found_problem(f, f->where);
		} else if (base64_decode(&f->sig, s, strlen(s))) {
			rc = found_problem(f, f->where);
		} else if (registry_blob_get(reg, repo, d, 0, blob_sink, &f->payload)) {
			rc = found_problem(f, f->where);
		}
		if (rc)
			break;
	}
	json_decref(j);
	return rc;
}

int sign_store_find(struct registry *reg, const char *repo, const char *digest,
		    struct sign_found_list *out)
{
	struct registry_manifest m = { 0 };
	struct buf tag = BUF_INIT;
	json_t *index = NULL, *d;
	size_t i;
	int api, rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sig_tag(&tag, digest)))
		goto out;
	rc = registry_manifest_get(reg, repo, buf_cstr(&tag), &m);
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	} else if (rc) {
		goto out;
	} else if ((rc = add_layers(reg, repo, &m.body, buf_cstr(&tag), out))) {
		goto out;
	}
	registry_manifest_free(&m);
	if ((rc = registry_referrers_get(reg, repo, digest, &index, &api)))
		goto out;
	json_array_foreach(json_object_get(index, "manifests"), i, d)
	{
		const char *at = json_string_value(json_object_get(d, "artifactType"));
		const char *md = json_string_value(json_object_get(d, "digest"));
		char where[96];

		if (!at || strcmp(at, SIGN_ARTIFACT_TYPE) || !sign_digest_valid(md))
			continue;
		snprintf(where, sizeof(where), "referrer %.19s", md);
		registry_manifest_free(&m);
		if (registry_manifest_get(reg, repo, md, &m)) {
			err_clear();
			continue; /* listed, gone: nothing to check */
		}
		if ((rc = add_layers(reg, repo, &m.body, where, out)))
			goto out;
	}
out:
	registry_manifest_free(&m);
	json_decref(index);
	buf_free(&tag);
	if (rc)
		sign_found_list_free(out);
	return rc ? err_wrap(rc, "finding the signatures of %s/%s@%s", registry_host(reg), repo,
			     digest)
		  : 0;
}
