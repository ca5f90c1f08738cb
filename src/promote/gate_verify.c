/*
 * promote/gate_verify: the verify gate of a stage (pipeline `verify:`), checked after the
 * previous-stage gate and before anything moves: the digest, in the source repository, must
 * carry a cosign signature by one of the stage's keys (sign/verify; the identity must be a
 * repository of the pipeline or the source), and with `record: true` the promotion record of
 * the digest into the previous stage must be a statement signed by one of them
 * (promote/evidence). mode require refuses (E_CONFLICT, whatever --allow-skip says); warn
 * lets it through and says why in res->verify_detail; off checks nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "promote/evidence.h"
#include "promote/run.h"
#include "sign/verify.h"
#include "util/err.h"

static int load_keys(const struct pipeline_stage *s, struct sign_key ***out)
{
	struct sign_key **keys = calloc(s->verify.keys.len, sizeof(*keys));
	struct buf what = BUF_INIT;
	int rc = 0;

	*out = keys;
	if (!keys)
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < s->verify.keys.len && !rc; i++) {
		buf_reset(&what);
		if (!(rc = buf_printf(&what, "stage '%s' verify key", s->name)))
			rc = sign_key_load(&keys[i], s->verify.keys.items[i], 0, buf_cstr(&what));
	}
	buf_free(&what);
	return rc;
}

/* Every repository of the pipeline, and the source: identities a signature may name. */
static int identities(const struct run *r, struct strlist *ids)
{
	const struct pipeline *p = r->o->pipeline;
	int rc = 0;

	for (size_t i = 0; i < p->nstages && !rc; i++)
		for (size_t k = 0; k < p->stages[i].nrepos && !rc; k++)
			if (!strlist_contains(ids, p->stages[i].repos[k].repository))
				rc = strlist_add(ids, p->stages[i].repos[k].repository);
	if (!rc && r->res->source && !strlist_contains(ids, r->res->source))
		rc = strlist_add(ids, r->res->source);
	return rc;
}

/* The previous stage's record of the digest, signed by a key: a problem sentence or none. */
static int check_record(struct run *r, struct sign_key **keys, size_t nkeys, struct buf *ok,
			struct buf *problem)
{
	const struct pipeline_stage *prev = &r->o->pipeline->stages[r->ti - 1];
	struct ledger_records l = { 0 };
	const struct ledger_record *rec;
	struct registry *reg;
	const char *kid;
	char *path = NULL;
	int rc;

	if (r->ti - 1 == 0) /* images enter the first stage by push: no promotion record */
		return buf_printf(ok, "; '%s' is the first stage (no promotion record to check)",
				  prev->name);
	if ((rc = promote_repo_open(r->rs, prev->repos[0].repository, &reg, &path)) ||
	    (rc = promote_ledger_read(reg, path, r->res->digest, &l)))
		goto out;
	if (!(rec = ledger_records_latest(&l, prev->name, NULL))) {
		rc = buf_printf(problem, "%sno promotion record of it into '%s'",
				problem->len ? "; " : "", prev->name);
		goto out;
	}
	rc = promote_evidence_verify(reg, path, rec, keys, nkeys, &kid);
	if (!rc) {
		rc = buf_printf(ok, "; its promotion record into '%s' is signed by key %s",
				prev->name, kid);
	} else if (rc == E_NOTFOUND || rc == E_INTEGRITY) {
		rc = buf_printf(problem, "%sits promotion record into '%s': %s",
				problem->len ? "; " : "", prev->name, err_msg());
		err_clear();
	}
out:
	ledger_records_free(&l);
	free(path);
	return rc;
}

int promote_gate_verify(struct run *r)
{
	const struct pipeline_stage *s = r->to;
	struct promote_result *res = r->res;
	struct sign_verdict v = { 0 };
	struct strlist ids = STRLIST_INIT;
	struct sign_key **keys = NULL;
	struct buf ok = BUF_INIT, problem = BUF_INIT, detail = BUF_INIT;
	int rc;

	res->verify_mode = s->verify.set ? (int)s->verify.mode : PIPELINE_VERIFY_OFF;
	if (res->verify_mode == PIPELINE_VERIFY_OFF)
		return 0;
	if ((rc = load_keys(s, &keys)) || (rc = identities(r, &ids)))
		goto out;
	if (!s->verify.keys.len)
		rc = buf_puts(&ok, "no signature required");
	else if ((rc = sign_verify_image(r->src, r->src_path, res->digest, keys,
					 s->verify.keys.len, &ids, &v)))
		goto out;
	else if (v.valid)
		rc = buf_printf(&ok, "signed by key %s (identity %s)", v.valid_key,
				v.valid_identity);
	else
		rc = sign_verdict_describe(&v, &problem);
	if (!rc && s->verify.attestations.len)
		rc = promote_gate_attestations(r, keys, s->verify.keys.len, &ok, &problem);
	if (!rc && s->verify.record && r->ti > 0 && !r->o->rollback)
		rc = check_record(r, keys, s->verify.keys.len, &ok, &problem);
	if (rc)
		goto out;
	res->verify_passed = !problem.len;
	if (res->verify_passed)
		rc = buf_printf(&detail, "verified: %s", buf_cstr(&ok));
	else
		rc = buf_printf(&detail, "%s in %s: %s", res->digest, res->source, buf_cstr(&problem));
	if (rc || !(res->verify_detail = buf_detach(&detail))) {
		rc = rc ? rc : err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (!res->verify_passed && res->verify_mode == PIPELINE_VERIFY_REQUIRE) {
		res->verify_refused = 1;
		rc = err_set(E_CONFLICT, "gate: verification for stage '%s' refused %s (mode "
					 "require; --allow-skip does not bypass it; nothing was "
					 "changed)", s->name, res->verify_detail);
	}
out:
	for (size_t i = 0; keys && i < s->verify.keys.len; i++)
		sign_key_free(keys[i]);
	free(keys);
	sign_verdict_free(&v);
	strlist_clear(&ids);
	buf_free(&ok);
	buf_free(&problem);
	buf_free(&detail);
	return rc;
}
