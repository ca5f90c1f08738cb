/* promote/evidence: signed ledger records (DSSE in-toto statements). See evidence.h. */
#include "promote/evidence.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "promote/promote.h"
#include "promote/store.h"
#include "sign/dsse.h"
#include "sign/statement.h"
#include "util/err.h"

static json_t *predicate(const struct ledger_record *rec, const struct evidence_tag *tags,
			 size_t ntags)
{
	json_t *p, *t = json_array(), *r = ledger_record_json(rec);

	if (!t || !r) {
		json_decref(t);
		json_decref(r);
		return NULL;
	}
	for (size_t i = 0; i < ntags; i++)
		if (json_array_append_new(t, json_pack("{s:s, s:s, s:s, s:s}", "repository",
						       tags[i].repository, "tag", tags[i].tag,
						       "before", tags[i].before, "after",
						       tags[i].after))) {
			json_decref(t);
			json_decref(r);
			return NULL;
		}
	p = json_pack("{s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:o, s:o}", "stage", rec->to, "from",
		      rec->from, "to", rec->to, "run-url", rec->run_url, "actor", rec->actor,
		      "time", rec->time, "tags", t, "record", r);
	return p;
}

int promote_evidence_build(struct buf *out, const struct ledger_record *rec,
			   const struct evidence_tag *tags, size_t ntags,
			   const struct sign_key *key)
{
	struct buf st = BUF_INIT;
	json_t *p = predicate(rec, tags, ntags);
	int rc;

	if (!p)
		return err_set(E_NOMEM, "out of memory");
	if (!(rc = intoto_statement_build(&st, rec->repository ? rec->repository : "", rec->digest,
					  EVIDENCE_PREDICATE_TYPE, p)))
		rc = dsse_envelope_sign(out, INTOTO_PAYLOAD_TYPE, st.data, st.len, key);
	buf_free(&st);
	return rc;
}

static int blob_sink(const char *data, size_t n, void *ctx)
{
	return buf_add(ctx, data, n);
}

/* The envelope layer of the record manifest into env (E_NOTFOUND when there is none). */
static int read_envelope(struct registry *reg, const char *path, const char *manifest,
			 struct buf *env)
{
	struct registry_manifest m = { 0 };
	json_t *j = NULL, *l;
	size_t i;
	int rc;

	if ((rc = registry_manifest_get(reg, path, manifest, &m)))
		return rc;
	j = json_loadb(m.body.data, m.body.len, 0, NULL);
	rc = E_NOTFOUND;
	json_array_foreach(json_object_get(j, "layers"), i, l)
	{
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		const char *d = json_string_value(json_object_get(l, "digest"));

		if (!mt || strcmp(mt, DSSE_MEDIA_TYPE) || !d)
			continue;
		buf_init(env, DSSE_MAX);
		rc = registry_blob_get(reg, path, d, 0, blob_sink, env);
		break;
	}
	json_decref(j);
	registry_manifest_free(&m);
	return rc;
}

int promote_evidence_verify(struct registry *reg, const char *path,
			    const struct ledger_record *rec, struct sign_key *const *keys,
			    size_t nkeys, const char **key_id)
{
	struct dsse_envelope env = { 0 };
	struct buf raw = BUF_INIT;
	json_t *pred = NULL, *listed = NULL;
	char *subject = NULL, *ptype = NULL;
	size_t which = 0;
	int rc;

	*key_id = NULL;
	if (!rec->manifest_digest)
		return err_set(E_NOTFOUND, "the record's manifest is not known");
	rc = read_envelope(reg, path, rec->manifest_digest, &raw);
	if (rc == E_NOTFOUND) {
		err_set(E_NOTFOUND, "record %.19s is not signed", rec->manifest_digest);
		goto out;
	}
	if (rc)
		goto out;
	if ((rc = dsse_envelope_parse(&env, raw.data ? raw.data : "", raw.len))) {
		rc = err_wrap(E_INTEGRITY, "record %.19s", rec->manifest_digest);
		goto out;
	}
	if ((rc = dsse_envelope_verify(&env, keys, nkeys, &which))) {
		rc = err_set(E_INTEGRITY, "record %.19s: the envelope is not signed by a listed key",
			     rec->manifest_digest);
		goto out;
	}
	if (strcmp(env.payload_type, INTOTO_PAYLOAD_TYPE) ||
	    intoto_statement_parse(env.payload.data ? env.payload.data : "", env.payload.len,
				   &subject, &ptype, &pred)) {
		rc = err_set(E_INTEGRITY, "record %.19s: the signed payload is not an in-toto "
					  "statement", rec->manifest_digest);
		goto out;
	}
	if (strcmp(ptype, EVIDENCE_PREDICATE_TYPE) || strcmp(subject, rec->digest)) {
		rc = err_set(E_INTEGRITY, "record %.19s: the signed statement is about %s (%s), not "
					  "this promotion of %s", rec->manifest_digest, subject,
			     ptype, rec->digest);
		goto out;
	}
	{
		struct ledger_record plain = *rec;

		plain.manifest_digest = NULL;
		if (!(listed = ledger_record_json(&plain))) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (!json_equal(json_object_get(pred, "record"), listed)) {
		rc = err_set(E_INTEGRITY, "record %.19s: tampered: the record as listed differs "
					  "from the signed statement", rec->manifest_digest);
		goto out;
	}
	*key_id = sign_key_id(keys[which]);
	err_clear();
	rc = 0;
out:
	json_decref(pred);
	json_decref(listed);
	free(subject);
	free(ptype);
	dsse_envelope_free(&env);
	buf_free(&raw);
	return rc;
}

int promote_record_verify(struct registry_sessions *rs, const struct pipeline *p,
			  const char *stage, const struct ledger_record *rec,
			  struct sign_key *const *keys, size_t nkeys, const char **key_id)
{
	const struct pipeline_stage *s = pipeline_stage_find(p, stage, NULL);
	struct registry *reg;
	char *path = NULL;
	int rc;

	*key_id = NULL;
	if (!s)
		return err_set(E_USAGE, "no stage '%s' in the pipeline", stage);
	if (!(rc = promote_repo_open(rs, s->repos[0].repository, &reg, &path)))
		rc = promote_evidence_verify(reg, path, rec, keys, nkeys, key_id);
	free(path);
	return rc;
}
