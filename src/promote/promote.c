/*
 * promote: resolve, gate, copy, tag, read back, record. See promote.h; the jobs of the rounds
 * are in jobs.c (run.h). The work goes in rounds; within a round every request is independent
 * of the others and all are in flight at once (util/par):
 *   A  GET the source manifest | HEAD every target tag | HEAD the previous stage's tag (gate)
 *      | probe the referrers API in the ledger repository | HEAD its empty blob (only on
 *      another registry: in the source repository it is there after the first record, and in
 *      another repository of the source's registry round B mounts it)
 *   B  (other repositories only) every blob of every target: mount or stream (image_copy)
 *      | the referrers of the digest and of its platform manifests in the source (carry)
 *   B2 (only when there are referrers) each into every other repository: the subject by
 *      digest, the artifacts by digest with their blobs, the tag schema index, cosign's tags
 *   C  PUT every target tag (restored on failure) | stage the record | read the ledger index
 *   D  HEAD every tag back | publish the record (PUT the index, HEAD it back: a concurrent
 *      promotion of the same digest must not drop this record)
 * so a same-repository promotion costs four round trips whatever the number of tags. A failure
 * up to B2 moves no stage tag. When the
 * record cannot be written (C or D), the tags go back where they were: every promotion that
 * moved a tag is in the ledger.
 */
#include "promote/promote.h"

#include <stdlib.h>
#include <string.h>

#include "promote/evidence.h"
#include "promote/run.h"
#include "util/err.h"

const char *promote_stage_pointer_tag(const struct pipeline_repo *repo)
{
	for (size_t i = 0; i < repo->tags.len; i++)
		if (!strstr(repo->tags.items[i], "{{"))
			return repo->tags.items[i];
	return NULL;
}

void promote_result_free(struct promote_result *res)
{
	if (!res)
		return;
	free(res->digest);
	free(res->media_type);
	free(res->from);
	free(res->to);
	free(res->source);
	free(res->previous_digest);
	free(res->verify_detail);
	for (size_t i = 0; i < res->ntargets; i++) {
		free(res->targets[i].repository);
		strlist_clear(&res->targets[i].tags);
		strlist_clear(&res->targets[i].before);
		strlist_clear(&res->targets[i].after);
	}
	free(res->targets);
	strlist_clear(&res->moved);
	strlist_clear(&res->skipped_tags);
	strlist_clear(&res->gate_verdicts);
	free(res->override);
	free(res->revision);
	strlist_clear(&res->referrer_kinds);
	strlist_clear(&res->referrers_refused);
	memset(res, 0, sizeof(*res));
}

/* ---- planning ---- */

static int add_target(struct promote_result *res, const struct pipeline_repo *repo,
		      const struct pipeline_vars *vars)
{
	struct promote_target *t = realloc(res->targets, (res->ntargets + 1) * sizeof(*t));
	struct buf tag = BUF_INIT;
	int rc = 0;

	if (!t)
		return err_set(E_NOMEM, "out of memory");
	res->targets = t;
	t = &res->targets[res->ntargets++];
	memset(t, 0, sizeof(*t));
	if (!(t->repository = strdup(repo->repository)))
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < repo->tags.len && !rc; i++) {
		const char *tmpl = repo->tags.items[i];

		if (strstr(tmpl, "{{version}}") && !vars->version) {
			/* Templates need --version; the stage's plain tags still move. */
			if (!strlist_contains(&res->skipped_tags, tmpl))
				rc = strlist_add(&res->skipped_tags, tmpl);
			continue;
		}
		if (!(rc = pipeline_render_tag(&tag, tmpl, vars)) &&
		    !strlist_contains(&t->tags, buf_cstr(&tag)))
			rc = strlist_add(&t->tags, buf_cstr(&tag));
	}
	buf_free(&tag);
	if (!rc && !t->tags.len)
		rc = err_set(E_USAGE, "stage repository %s: no tag to write (give --version for "
				      "its templated tags)", repo->repository);
	return rc;
}

/* Whether a stage's tags can be rendered before the digest is known. */
static int needs_digest(const struct pipeline_stage *s)
{
	for (size_t i = 0; i < s->nrepos; i++)
		for (size_t k = 0; k < s->repos[i].tags.len; k++)
			if (strstr(s->repos[i].tags.items[k], "digest}}"))
				return 1;
	return 0;
}

/* Renders the targets and opens their sessions; the tag HEADs go into rd. */
static int plan_targets(struct run *r, const char *digest, struct round *rd)
{
	struct promote_result *res = r->res;
	struct pipeline_vars vars = { 0 };
	int rc;

	vars.version = r->o->version;
	vars.digest = digest;
	vars.stage = r->to->name;
	vars.sha = r->o->commit;
	r->nt = r->to->nrepos;
	if (!(r->t = calloc(r->nt, sizeof(*r->t))))
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < r->nt; i++) {
		if ((rc = add_target(res, &r->to->repos[i], &vars)) ||
		    (rc = promote_repo_open(r->rs, res->targets[i].repository, &r->t[i].reg,
					    &r->t[i].path)))
			return rc;
		r->t[i].is_source = r->t[i].reg == r->src && !strcmp(r->t[i].path, r->src_path);
		r->t[i].first_tag = r->ntags;
		r->ntags += res->targets[i].tags.len;
	}
	if (!(r->tags = calloc(r->ntags, sizeof(*r->tags))) ||
	    !(r->after = calloc(r->ntags, sizeof(*r->after))))
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0, n = 0; i < r->nt; i++)
		for (size_t k = 0; k < res->targets[i].tags.len; k++, n++) {
			r->tags[n].reg = r->t[i].reg;
			r->tags[n].repo = r->t[i].path;
			r->tags[n].tag = res->targets[i].tags.items[k];
			if ((rc = promote_round_add(rd, promote_job_tag_head, n)))
				return rc;
		}
	r->rec.reg = r->t[0].reg;
	r->rec.path = r->t[0].path;
	return 0;
}

/* Which source, and which reference in it (no I/O). */
static int plan_source(struct run *r)
{
	const struct promote_opts *o = r->o;
	struct registry_ref *src = &r->src_ref;
	char *repo = NULL;
	int rc;

	if (o->from_image) {
		if ((rc = registry_ref_parse(src, o->from_image)))
			return err_wrap(rc, "input 'from-image'");
	} else if ((rc = registry_ref_parse_repo(src, r->from->repos[0].repository))) {
		return rc;
	}
	if (o->digest && src->digest && strcmp(o->digest, src->digest))
		return err_set(E_USAGE, "inputs 'digest' and 'from-image' name different digests");
	if (o->digest)
		r->ref = o->digest;
	else if (src->digest)
		r->ref = src->digest;
	else if (o->version)
		r->ref = o->version;
	else if (src->tag)
		r->ref = src->tag;
	else if ((r->ref = promote_stage_pointer_tag(&r->from->repos[0])))
		r->via_stage_tag = 1;
	else
		return err_set(E_USAGE, "stage '%s' has no plain tag to promote from: give --version "
					"or --digest", r->from->name);
	if (!(repo = registry_ref_repo_dup(src)))
		return err_set(E_NOMEM, "out of memory");
	if ((rc = promote_repo_open(r->rs, repo, &r->src, &r->src_path)))
		free(repo);
	else
		r->res->source = repo;
	return rc;
}

/* Whether the gate must read the previous stage's tag (else it is known without a request). */
static int gate_needs_prev(const struct run *r)
{
	const struct promote_opts *o = r->o;

	if (o->rollback || r->ti == 0)
		return 0;
	/* Read from the previous stage's own tag, or from the entry stage, whose repository is
	 * where builds land: the digest is in the previous stage now. */
	return !(!o->from_image && r->fi == r->ti - 1 && (r->via_stage_tag || r->ti - 1 == 0));
}

/* Whether the ledger in the stage's first repository records digest in that stage. */
static int ledger_has(struct run *r, const struct pipeline_stage *s, const char *digest,
		      int *found)
{
	struct ledger_records l = { 0 };
	struct registry *reg;
	char *path = NULL;
	int rc;

	*found = 0;
	if ((rc = promote_repo_open(r->rs, s->repos[0].repository, &reg, &path)))
		return rc;
	if (!(rc = promote_ledger_read(reg, path, digest, &l)))
		*found = ledger_records_latest(&l, s->name, NULL) != NULL;
	ledger_records_free(&l);
	free(path);
	return rc;
}

static int gate_check(struct run *r)
{
	const struct promote_opts *o = r->o;
	const struct pipeline *p = o->pipeline;
	struct promote_result *res = r->res;
	struct gate_facts f = { 0 };
	int rc;

	f.from = r->fi;
	f.to = r->ti;
	f.explicit_source = o->from_image != NULL;
	f.allow_skip = o->allow_skip;
	f.rollback = o->rollback;
	if (!f.rollback && r->ti > 0) {
		f.in_previous_now = !gate_needs_prev(r) ||
				    (r->prev_digest && !strcmp(r->prev_digest, res->digest));
		if (!f.in_previous_now &&
		    (rc = ledger_has(r, &p->stages[r->ti - 1], res->digest, &f.in_previous_ledger)))
			return rc;
	}
	res->gate = gate_decide(&f);
	if (res->gate == GATE_REFUSED)
		return err_set(E_CONFLICT, "gate: %s is not in stage '%s' and the ledger never "
					   "recorded it there; promoting it to '%s' skips '%s' "
					   "(give --allow-skip to do so on purpose; nothing was "
					   "changed)", res->digest, p->stages[r->ti - 1].name,
			       p->stages[r->ti].name, p->stages[r->ti - 1].name);
	return 0;
}

/* For a rollback: the digest the stage held before its current one, per the ledger. */
static int rollback_source(struct registry_sessions *rs, const struct promote_opts *o,
			   char **digest, int *untracked_out)
{
	struct ledger_records l = { 0 };
	char *cur = NULL;
	int rc, untracked;

	*digest = NULL;
	if ((rc = promote_history(rs, o->pipeline, o->to, 1, 0, &l, &cur, &untracked)))
		return rc;
	if (!cur)
		rc = err_set(E_NOTFOUND, "rollback: stage '%s' has no current image", o->to);
	else if (!l.len)
		rc = err_set(E_NOTFOUND, "rollback: the ledger has no promotion of %s to '%s' "
					 "(nothing to roll back to)", cur, o->to);
	else if (untracked && strcmp(l.items[0].digest, cur)) {
		/* The tag was moved outside convoy: back to what convoy last put there. */
		if (!(*digest = strdup(l.items[0].digest)))
			rc = err_set(E_NOMEM, "out of memory");
		else
			*untracked_out = 1;
	} else if (!l.items[0].previous_digest)
		rc = err_set(E_NOTFOUND, "rollback: %s was the first image promoted to '%s' "
					 "(nothing to roll back to)", cur, o->to);
	else if (!(*digest = strdup(l.items[0].previous_digest)))
		rc = err_set(E_NOMEM, "out of memory");
	ledger_records_free(&l);
	free(cur);
	return rc;
}

static int pick_stages(struct run *r)
{
	const struct promote_opts *o = r->o;
	const struct pipeline *p = o->pipeline;

	if (!(r->to = pipeline_stage_find(p, o->to, &r->ti)))
		return pipeline_stage_unknown(p, "to", o->to);
	if (o->rollback) {
		r->from = r->to;
		r->fi = r->ti;
	} else if (o->from_image) {
		r->fi = r->ti ? r->ti - 1 : 0;
	} else if (o->from) {
		if (!(r->from = pipeline_stage_find(p, o->from, &r->fi)))
			return pipeline_stage_unknown(p, "from", o->from);
		if (r->fi >= r->ti)
			return err_set(E_USAGE, "input 'from': stage '%s' does not come before '%s'",
				       o->from, o->to);
	} else if (r->ti == 0) {
		return err_set(E_USAGE, "input 'to': '%s' is the first stage; give --from-image to "
					"promote an image into it", o->to);
	} else {
		r->from = &p->stages[r->ti - 1];
		r->fi = r->ti - 1;
	}
	if (!(r->res->to = strdup(r->to->name)) ||
	    !(r->res->from = strdup(r->from ? r->from->name : "")))
		return err_set(E_NOMEM, "out of memory");
	return 0;
}

/* The record's DSSE statement (promote/evidence.h): every target tag, before and after. */
static int sign_record(struct run *r, const struct ledger_record *rec)
{
	struct promote_result *res = r->res;
	struct evidence_tag *tags = calloc(r->ntags ? r->ntags : 1, sizeof(*tags));
	size_t n = 0;
	int rc;

	if (!tags)
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < res->ntargets; i++)
		for (size_t k = 0; k < res->targets[i].tags.len && n < r->ntags; k++, n++) {
			tags[n].repository = res->targets[i].repository;
			tags[n].tag = res->targets[i].tags.items[k];
			tags[n].before = k < res->targets[i].before.len
						 ? res->targets[i].before.items[k] : "";
			tags[n].after = res->digest;
		}
	buf_reset(&r->rec.envelope);
	rc = promote_evidence_build(&r->rec.envelope, rec, tags, n, r->o->sign_key);
	free(tags);
	return rc;
}

static int build_record(struct run *r)
{
	const struct promote_opts *o = r->o;
	struct promote_result *res = r->res;
	struct ledger_record rec = { 0 };
	struct buf now = BUF_INIT;
	char *tags = strlist_join_dup(&res->targets[0].tags, ",");
	int rc;

	if (!tags)
		return err_set(E_NOMEM, "out of memory");
	if (!(rc = ledger_time_now(&now))) {
		rec.from = res->from;
		rec.to = res->to;
		rec.digest = res->digest;
		rec.previous_digest = res->previous_digest;
		rec.time = now.data;
		rec.actor = (char *)o->actor;
		rec.repository = res->targets[0].repository;
		rec.source = res->source;
		rec.tags = tags;
		rec.run_url = (char *)o->run_url;
		rec.commit = (char *)o->commit;
		rec.kind = (char *)(o->rollback ? "rollback"
				    : gate_is_skip(res->gate) ? "skip" : "promote");
		rec.override = res->override;
		if (res->gate_verdicts.len &&
		    !(rec.gates = strlist_join_dup(&res->gate_verdicts, "; ")))
			rc = err_set(E_NOMEM, "out of memory");
		if (!rc && o->sign_key && !(rc = sign_record(r, &rec)))
			res->record_signed = 1;
	}
	if (!rc)
		rc = promote_record_build(&r->rec, &rec, r->m.media_type, r->m.digest, r->m.body.len);
	free(rec.gates);
	free(tags);
	buf_free(&now);
	return rc;
}

/*
 * The tags are at the digest already, but the ledger may not say so: an earlier run moved
 * them and could not record it (its error said to run it again), or they were moved by hand.
 * Then the promotion is recorded now, with no previous digest (it is not known any more).
 */
static int record_if_missing(struct run *r)
{
	struct promote_result *res = r->res;
	struct ledger_records l = { 0 };
	int rc = promote_ledger_read_known(r->rec.reg, r->rec.path, res->digest,
					   r->rec.api, &l); /* probed in round A */

	if (!rc && !ledger_records_latest(&l, res->to, NULL)) {
		free(res->previous_digest);
		res->previous_digest = NULL;
		r->rec.optimistic = !r->rec.have_empty;
		if (!(rc = build_record(r)) && !(rc = promote_record_stage(&r->rec)) &&
		    !(rc = promote_record_publish(&r->rec, res->digest)))
			res->recorded_late = 1;
		res->ledger_api = r->rec.api;
		res->ledger_subject_refused = r->rec.subject_refused;
	}
	ledger_records_free(&l);
	return rc;
}

static int collect(struct run *r, int before)
{
	struct promote_result *res = r->res;
	int rc = 0;

	for (size_t i = 0, n = 0; i < r->nt && !rc; i++)
		for (size_t k = 0; k < res->targets[i].tags.len && !rc; k++, n++) {
			const char *d = before ? r->tags[n].previous : r->after[n];

			rc = strlist_add(before ? &res->targets[i].before : &res->targets[i].after,
					 d ? d : "");
			if (!rc && !before && strcmp(d ? d : "", res->digest)) {
				struct buf b = BUF_INIT;

				if (!(rc = buf_printf(&b, "%s:%s now at %s", res->targets[i].repository,
						      res->targets[i].tags.items[k],
						      d ? d : "(deleted)")))
					rc = strlist_take(&res->moved, buf_detach(&b));
			}
		}
	return rc;
}

/* Whether referrers go along (only into other repositories); a dry run only finds them. */
static int carry_plan(struct run *r, struct round *rd)
{
	const struct promote_opts *o = r->o;

	if (!o->referrers || o->referrers->none)
		return 0;
	r->cf = *o->referrers;
	/* convoy's own records are the ledger of this repository, not evidence to carry:
	 * the target gets its own record of this promotion. */
	r->cf.exclude_type = LEDGER_ARTIFACT_TYPE;
	for (size_t i = 0; i < r->nt; i++)
		if (!r->t[i].is_source) {
			r->carrying = r->res->referrers_carried = 1;
			return promote_round_add(rd, promote_job_carry_find, 0);
		}
	return 0;
}

/* Whether every target refused the item (then its kind is not among those carried). */
static int refused_everywhere(const struct run *r, const struct registry_carry_item *it)
{
	struct buf what = BUF_INIT;
	int all = 1, any = 0;

	if (buf_printf(&what, "%s %s", it->kind, it->m.digest)) {
		err_clear();
		return 0;
	}
	for (size_t i = 0; i < r->nt; i++) {
		if (r->t[i].is_source)
			continue;
		any = 1;
		all = all && strlist_contains(&r->t[i].carry.refused, buf_cstr(&what));
	}
	buf_free(&what);
	return any && all;
}

static int carry_kinds(struct run *r)
{
	int rc = 0;

	for (size_t i = 0; i < r->carry.len && !rc; i++)
		if (!strlist_contains(&r->res->referrer_kinds, r->carry.items[i].kind) &&
		    !refused_everywhere(r, &r->carry.items[i]))
			rc = strlist_add(&r->res->referrer_kinds, r->carry.items[i].kind);
	return rc;
}

static int carry_run(struct run *r, struct round *rd)
{
	struct promote_result *res = r->res;
	int rc = 0;

	if (!r->carrying || !r->carry.len)
		return 0;
	for (size_t i = 0; i < r->nt && !rc; i++)
		if (!r->t[i].is_source)
			rc = promote_round_add(rd, promote_job_carry_put, i);
	if (rc || (rc = promote_round_run(rd)))
		return rc;
	for (size_t i = 0; i < r->nt && !rc; i++) {
		const struct tgt *t = &r->t[i];

		res->referrers_copied += t->carry.copied;
		res->referrers_present += t->carry.present;
		if (t->carry.refused.len) {
			char *what = strlist_join_dup(&t->carry.refused, ", ");
			struct buf line = BUF_INIT;

			if (!what || (rc = buf_printf(&line, "%s/%s: %s", registry_host(t->reg),
						      t->path, what)) ||
			    (rc = strlist_add(&res->referrers_refused, buf_cstr(&line))))
				rc = rc ? rc : err_set(E_NOMEM, "out of memory");
			res->referrers_refused_n += t->carry.refused.len;
			free(what);
			buf_free(&line);
		}
	}
	return rc ? rc : carry_kinds(r);
}

int promote_run(struct registry_sessions *rs, const struct promote_opts *o,
		struct promote_result *res)
{
	struct promote_opts ro;
	struct round rd;
	struct run r;
	char *rb_digest = NULL;
	int early, rc;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	memset(&rd, 0, sizeof(rd));
	rd.r = &r;
	res->dry_run = o->dry_run;
	r.rs = rs;
	r.o = o;
	r.res = res;
	if (o->rollback) {
		if ((rc = rollback_source(rs, o, &rb_digest, &res->rollback_untracked)))
			goto out;
		ro = *o;
		ro.digest = rb_digest;
		ro.version = NULL;
		ro.from_image = NULL;
		o = r.o = &ro;
	}
	if ((rc = pick_stages(&r)) || (rc = plan_source(&r)))
		goto out;

	/* Round A: the source, the target tags, the gate's facts, the ledger's repository. */
	if ((rc = promote_round_add(&rd, promote_job_source_get, 0)))
		goto out;
	if (gate_needs_prev(&r)) {
		const struct pipeline_stage *prev = &o->pipeline->stages[r.ti - 1];

		if ((r.prev_tag = promote_stage_pointer_tag(&prev->repos[0])) &&
		    ((rc = promote_repo_open(rs, prev->repos[0].repository, &r.prev_reg,
					     &r.prev_path)) ||
		     (rc = promote_round_add(&rd, promote_job_prev_head, 0))))
			goto out;
	}
	early = !needs_digest(r.to) || o->digest;
	if (early && (rc = plan_targets(&r, o->digest, &rd)))
		goto out;
	for (size_t i = 0; early && o->digest && i < r.nt; i++)
		if (!r.t[i].is_source && (rc = promote_round_add(&rd, promote_job_has_digest, i)))
			goto out;
	if (early && !o->dry_run &&
	    ((rc = promote_add_empty_head(&r, &rd)) || (rc = promote_round_add(&rd, promote_job_referrers_probe, 0))))
		goto out;
	if ((rc = promote_round_run(&rd)))
		goto out;
	if (!(res->digest = strdup(r.m.digest)) || !(res->media_type = strdup(r.m.media_type))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	{
		/* The commit the image was built from, where its manifest says (convoy tags'
		 * annotations, BuildKit's): the GitHub deployment's ref. */
		json_t *m = json_loadb(r.m.body.data, r.m.body.len, 0, NULL);
		const char *rev = json_string_value(json_object_get(
			json_object_get(m, "annotations"), "org.opencontainers.image.revision"));

		if (rev && *rev && strlen(rev) < 256)
			res->revision = strdup(rev);
		json_decref(m);
	}
	if (!early) { /* tags that name the digest: rendered now, read in a round of their own */
		if ((rc = plan_targets(&r, res->digest, &rd)) ||
		    (!o->dry_run && ((rc = promote_add_empty_head(&r, &rd)) ||
				     (rc = promote_round_add(&rd, promote_job_referrers_probe, 0)))) ||
		    (rc = promote_round_run(&rd)))
			goto out;
	}
	if ((rc = gate_check(&r)) || (rc = promote_gate_ledger(&r)) || (rc = promote_gate_verify(&r)) ||
	    (rc = collect(&r, 1)))
		goto out;
	if (res->targets[0].before.items[0][0] &&
	    !(res->previous_digest = strdup(res->targets[0].before.items[0]))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (o->dry_run) { /* what would be carried: read-only */
		if (!(rc = carry_plan(&r, &rd)) && !(rc = promote_round_run(&rd)))
			rc = carry_kinds(&r);
		res->referrers_found = r.carry.len;
		goto out;
	}
	/* Every tag is at the digest already: nothing moves, and nothing is recorded (a record
	 * whose previous digest is its own would make a rollback go nowhere). */
	res->unchanged = 1;
	for (size_t i = 0; i < r.ntags; i++)
		if (!r.tags[i].previous || strcmp(r.tags[i].previous, res->digest))
			res->unchanged = 0;
	if (res->unchanged) {
		for (size_t i = 0; i < r.nt && !rc; i++)
			for (size_t k = 0; k < res->targets[i].tags.len && !rc; k++)
				rc = strlist_add(&res->targets[i].after, res->digest);
		if (!rc)
			rc = record_if_missing(&r);
		goto out;
	}
	if ((rc = build_record(&r)))
		goto out;

	/* Round B: the image into every other repository (no tag moves yet); meanwhile the
	 * referrers to carry are found in the source. */
	for (size_t i = 0; i < r.nt; i++)
		if (!r.t[i].is_source && !r.t[i].has_digest) {
			if ((rc = promote_round_add(&rd, promote_job_copy, 0)))
				goto out;
			break;
		}
	if ((rc = carry_plan(&r, &rd)))
		goto out;
	if (rd.n && !r.rec.have_empty && !r.rec.optimistic &&
	    (rc = promote_round_add(&rd, promote_job_empty_upload, 0)))
		goto out;
	if ((rc = promote_round_run(&rd)))
		goto out;
	res->blobs_mounted = r.copy.mounted;
	res->blobs_copied = r.copy.copied;
	res->blobs_present = r.copy.present;
	res->manifests_put = r.copy.manifests_put;
	/* Round B2: the referrers into every other repository, still before any tag moves. */
	if ((rc = carry_run(&r, &rd)))
		goto out;

	/* Round C: the tags; meanwhile the record is staged where nobody can see it yet. */
	if ((rc = promote_round_add(&rd, promote_job_tags_write, 0)) ||
	    (!r.rec.api && ((rc = promote_round_add(&rd, promote_job_record_stage, 0)) ||
			    (rc = promote_round_add(&rd, promote_job_record_read_index, 0)))) ||
	    (rc = promote_round_run(&rd))) {
		if (r.ledger_failed)
			rc = promote_undo_unrecorded(&r, rc);
		goto out;
	}
	for (size_t i = 0; i < r.ntags; i++)
		res->manifests_put += r.tags[i].written;

	/* Round D: every tag read back, and the record published. */
	for (size_t i = 0; i < r.ntags; i++)
		if ((rc = promote_round_add(&rd, promote_job_read_back, i)))
			goto out;
	if ((rc = promote_round_add(&rd, promote_job_record_publish, 0)) || (rc = promote_round_run(&rd))) {
		if (r.ledger_failed) {
			rc = promote_undo_unrecorded(&r, rc);
		} else if (r.readback_failed) {
			res->unverified = 1;
			res->recorded = r.record_published;
			rc = promote_report_unverified(&r, rc);
		}
		goto out;
	}
	res->ledger_api = r.rec.api;
	res->ledger_subject_refused = r.rec.subject_refused;
	if ((rc = collect(&r, 0)))
		goto out;
	if (res->moved.len) {
		char *all = strlist_join_dup(&res->moved, "; ");

		rc = err_set(E_CONFLICT, "a concurrent run moved %zu tag%s after this promotion "
					 "wrote %s: %s (the promotion of %s is recorded)",
			     res->moved.len, res->moved.len > 1 ? "s" : "",
			     res->moved.len > 1 ? "them" : "it", all ? all : res->moved.items[0],
			     res->digest);
		free(all);
	}
out:
	free(rd.more);
	registry_manifest_free(&r.m);
	registry_ref_free(&r.src_ref);
	free(r.src_path);
	free(r.prev_path);
	free(r.prev_digest);
	for (size_t i = 0; i < r.nt && r.t; i++) {
		free(r.t[i].path);
		registry_carry_stats_free(&r.t[i].carry);
	}
	free(r.t);
	for (size_t i = 0; i < r.ntags && r.tags; i++)
		free(r.tags[i].previous);
	free(r.tags);
	for (size_t i = 0; i < r.ntags && r.after; i++)
		free(r.after[i]);
	free(r.after);
	promote_record_free(&r.rec);
	registry_carry_set_free(&r.carry);
	free(rb_digest);
	return rc;
}
