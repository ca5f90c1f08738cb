/* promote/record: writing a promotion record into the registry. See store.h. */
#include "promote/store.h"

#include <stdlib.h>
#include <string.h>

#include "promote/promote.h"
#include "registry/digest.h"
#include "registry/referrers.h"
#include "sign/dsse.h"
#include "util/err.h"

void promote_record_free(struct promote_record *w)
{
	if (!w)
		return;
	buf_free(&w->manifest);
	buf_free(&w->envelope);
	json_decref(w->index);
	w->index = NULL;
}

int promote_record_build(struct promote_record *w, const struct ledger_record *rec,
			 const char *subject_media_type, const char *subject_digest,
			 size_t subject_size)
{
	int rc;

	buf_reset(&w->manifest);
	if (w->envelope.len) { /* signed (promote/evidence.h) */
		if ((rc = registry_digest_buf(w->envelope.data, w->envelope.len,
					      w->envelope_digest)) ||
		    (rc = ledger_manifest_build_layer(&w->manifest, rec, subject_media_type,
						      subject_digest, subject_size, DSSE_MEDIA_TYPE,
						      w->envelope_digest, w->envelope.len)))
			return rc;
	} else if ((rc = ledger_manifest_build(&w->manifest, rec, subject_media_type,
					       subject_digest, subject_size))) {
		return rc;
	}
	return registry_digest_buf(w->manifest.data, w->manifest.len, w->digest);
}

static int put_manifest(struct promote_record *w, int *ack)
{
	int rc = registry_manifest_put(w->reg, w->path, w->digest, OCI_MANIFEST_MEDIA_TYPE,
				       w->manifest.data, w->manifest.len, ack);

	if (rc && rc != E_SUBJECT && !w->have_empty && w->optimistic) {
		/* Refused, most likely for want of the empty blob (the first record here). */
		err_clear();
		if (!(rc = registry_blob_upload_buf(w->reg, w->path, OCI_EMPTY_DIGEST, "{}", 2)))
			rc = registry_manifest_put(w->reg, w->path, w->digest,
						   OCI_MANIFEST_MEDIA_TYPE, w->manifest.data,
						   w->manifest.len, ack);
	}
	return rc;
}

/*
 * A registry that refuses a manifest whose subject is an image index (ECR,
 * aws/containers-roadmap#2783) gets the record without its subject (the record names the
 * digest in its annotations; the ledger reads those), listed in the tag schema index.
 */
static int put_without_subject(struct promote_record *w, int *ack)
{
	struct buf b = BUF_INIT;
	int rc;

	err_clear();
	if (!(rc = registry_manifest_drop_subject(&b, w->manifest.data, w->manifest.len)) &&
	    !(rc = registry_digest_buf(b.data, b.len, w->digest))) {
		buf_free(&w->manifest);
		w->manifest = b;
		memset(&b, 0, sizeof(b));
		if (w->api) /* (round C runs without the API: no write there) */
			w->api = 0;
		w->subject_refused = 1;
		rc = put_manifest(w, ack);
	}
	buf_free(&b);
	return rc;
}

int promote_record_stage(struct promote_record *w)
{
	int ack = 0, rc;

	if (!w->have_empty && !w->optimistic &&
	    (rc = registry_blob_upload_buf(w->reg, w->path, OCI_EMPTY_DIGEST, "{}", 2)))
		goto out;
	if (w->envelope.len &&
	    (rc = registry_blob_upload_buf(w->reg, w->path, w->envelope_digest, w->envelope.data,
					   w->envelope.len)))
		goto out;
	if ((rc = put_manifest(w, &ack)) == E_SUBJECT)
		rc = put_without_subject(w, &ack);
	if (!rc)
		w->have_empty = w->staged = 1;
	/* A claim, not proof (Docker Hub and ECR have answered it without serving the API):
	 * only the probe's answer (w->api) skips the tag schema. */
	w->subject_ack = ack;
out:
	return rc ? err_wrap(rc, "recording the promotion in %s/%s", registry_host(w->reg),
			     w->path)
		  : 0;
}

int promote_record_read_index(struct promote_record *w, const char *subject_digest)
{
	int rc;

	if (w->api)
		return 0;
	json_decref(w->index);
	w->index = NULL;
	rc = registry_referrers_tag_get(w->reg, w->path, subject_digest, &w->index);
	return rc ? err_wrap(rc, "reading the ledger of %s/%s", registry_host(w->reg), w->path)
		  : 0;
}

/* Whether the index lists the record (by its digest). */
static int index_lists(const json_t *index, const char *digest)
{
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(index, "manifests"), i, m)
	{
		const char *d = json_string_value(json_object_get(m, "digest"));

		if (d && !strcmp(d, digest))
			return 1;
	}
	return 0;
}

#define PUBLISH_TRIES 5

/*
 * The tag schema index is read, appended to and put back: two promotions of one digest into
 * one repository at the same time could each put their own version, and the later PUT would
 * drop the other's record. So after the PUT the tag is read back (HEAD): at the digest of
 * what was put, the record is in; at another, the index is read again and, unless the other
 * writer kept the record, the record is appended to it and put again. This narrows the race,
 * it cannot close it: the distribution API has no conditional PUT, so a writer whose whole
 * read-modify-write spans this PUT and its read-back still drops the record.
 */
int promote_record_publish(struct promote_record *w, const char *subject_digest)
{
	struct buf tag = BUF_INIT;
	json_t *m = NULL, *desc = NULL;
	char *s = NULL, *now = NULL;
	char put_digest[REGISTRY_DIGEST_LEN + 1];
	int rc = 0;

	if (w->api)
		return 0; /* the staged manifest is listed by the referrers API already */
	if (!w->index && (rc = promote_record_read_index(w, subject_digest)))
		return rc;
	if (!(m = json_loadb(w->manifest.data, w->manifest.len, 0, NULL)))
		return err_set(E_INTERNAL, "the record manifest is not JSON");
	desc = json_pack("{s:s, s:s, s:I, s:s, s:O}", "mediaType", OCI_MANIFEST_MEDIA_TYPE,
			 "digest", w->digest, "size", (json_int_t)w->manifest.len, "artifactType",
			 LEDGER_ARTIFACT_TYPE, "annotations", json_object_get(m, "annotations"));
	if (!desc) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = registry_referrers_tag_name(&tag, subject_digest)))
		goto out;
	for (int attempt = 1;; attempt++) {
		if (index_lists(w->index, w->digest))
			break; /* another writer's index kept the record */
		free(s);
		if (json_array_append(json_object_get(w->index, "manifests"), desc) ||
		    !(s = json_dumps(w->index, JSON_COMPACT))) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = registry_digest_buf(s, strlen(s), put_digest)) ||
		    (rc = registry_manifest_put(w->reg, w->path, buf_cstr(&tag),
						OCI_INDEX_MEDIA_TYPE, s, strlen(s), NULL)))
			goto out;
		free(now);
		now = NULL;
		/* Read and hashed: a wrong header must not pass for a concurrent writer. */
		rc = registry_manifest_digest(w->reg, w->path, buf_cstr(&tag), &now);
		if (rc == E_NOTFOUND)
			err_clear();
		else if (rc)
			goto out;
		rc = 0;
		if (now && !strcmp(now, put_digest))
			break;
		if (attempt == PUBLISH_TRIES) {
			w->contended = 1;
			rc = err_set(E_CONFLICT, "the ledger index %s kept changing under concurrent "
						 "promotions (%d tries); this promotion's record %s "
						 "may be missing from it (the tags moved: run the "
						 "promotion again to record it)", buf_cstr(&tag),
				     PUBLISH_TRIES, w->digest);
			goto out;
		}
		if ((rc = promote_record_read_index(w, subject_digest)))
			goto out;
	}
out:
	json_decref(m);
	json_decref(desc);
	free(s);
	free(now);
	buf_free(&tag);
	return rc ? err_wrap(rc, "recording the promotion in %s/%s", registry_host(w->reg),
			     w->path)
		  : 0;
}

int promote_record_deploy(struct registry_sessions *rs, const struct pipeline *p,
			  const char *stage, struct ledger_record *rec)
{
	const struct pipeline_stage *s = pipeline_stage_find(p, stage, NULL);
	struct registry_manifest m = { 0 };
	struct promote_record w = { 0 };
	char *path = NULL;
	int rc;

	if (!s)
		return pipeline_stage_unknown(p, "stage", stage);
	rec->to = s->name;
	rec->repository = s->repos[0].repository;
	if ((rc = promote_repo_open(rs, rec->repository, &w.reg, &path)))
		return rc;
	w.path = path;
	w.optimistic = 1; /* the stage's promotion records put the empty blob there already */
	/* The subject must be the stage's: the record sits next to the promotion of it. */
	rc = registry_manifest_get(w.reg, path, rec->digest, &m);
	if (rc == E_NOTFOUND)
		rc = err_set(E_NOTFOUND, "%s is not in %s, the repository of stage '%s'",
			     rec->digest, rec->repository, stage);
	if (!rc)
		rc = promote_record_build(&w, rec, m.media_type, m.digest, m.body.len);
	if (!rc)
		rc = promote_record_stage(&w);
	/* Not probed before: a registry that says OCI-Subject is asked whether it lists it. */
	if (!rc && w.subject_ack && !w.subject_refused)
		w.api = registry_referrers_supported(w.reg, path);
	if (!rc)
		rc = promote_record_publish(&w, m.digest);
	registry_manifest_free(&m);
	promote_record_free(&w);
	free(path);
	return rc;
}
