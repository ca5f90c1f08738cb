/*
 * promote: resolve, gate, copy, tag, read back, record. See promote.h. The work goes in
 * rounds; within a round every request is independent of the others and all are in flight
 * at once (util/par):
 *   A  GET the source manifest | HEAD every target tag | HEAD the previous stage's tag (gate)
 *      | probe the referrers API in the ledger repository | HEAD its empty blob (only on
 *      another registry: in the source repository it is there after the first record, and in
 *      another repository of the source's registry round B mounts it)
 *   B  (other repositories only) every blob of every target: mount or stream (image_copy)
 *   C  PUT every target tag (restored on failure) | stage the record | read the ledger index
 *   D  HEAD every tag back | publish the record (PUT the index, HEAD it back: a concurrent
 *      promotion of the same digest must not drop this record)
 * so a same-repository promotion costs four round trips whatever the number of tags. When the
 * record cannot be written (C or D), the tags go back where they were: every promotion that
 * moved a tag is in the ledger.
 */
#include "promote/promote.h"

#include <stdlib.h>
#include <string.h>

#include "promote/store.h"
#include "registry/image_copy.h"
#include "registry/reference.h"
#include "registry/referrers.h"
#include "registry/tags_write.h"
#include "util/err.h"
#include "util/par.h"

#define PROMOTE_THREADS 8

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
	for (size_t i = 0; i < res->ntargets; i++) {
		free(res->targets[i].repository);
		strlist_clear(&res->targets[i].tags);
		strlist_clear(&res->targets[i].before);
		strlist_clear(&res->targets[i].after);
	}
	free(res->targets);
	strlist_clear(&res->moved);
	strlist_clear(&res->skipped_tags);
	memset(res, 0, sizeof(*res));
}

/* One target repository while the promotion runs. */
struct tgt {
	struct registry *reg;
	char *path;
	int is_source;    /* the source repository itself: no copy */
	int has_digest;   /* the manifest is there by digest already (known digest only) */
	size_t first_tag; /* into run.tags */
};

struct run {
	struct registry_sessions *rs;
	const struct promote_opts *o;
	struct promote_result *res;
	const struct pipeline_stage *from, *to;
	size_t fi, ti;
	/* source */
	struct registry_ref src_ref;
	struct registry *src;
	char *src_path;
	const char *ref;
	int via_stage_tag;
	struct registry_manifest m;
	/* gate: the previous stage's pointer tag, when it must be read */
	struct registry *prev_reg;
	char *prev_path;
	const char *prev_tag;
	char *prev_digest;
	/* targets, and every target tag flattened */
	struct tgt *t;
	size_t nt;
	struct tag_target *tags;
	size_t ntags;
	char **after;
	struct promote_record rec;
	int ledger_failed; /* staging or publishing the record failed (tags may be written) */
	struct registry_copy_stats copy;
};

/* A round: a list of jobs of different kinds run together. */
typedef int (*job_fn)(struct run *r, size_t arg);
struct job {
	job_fn fn;
	size_t arg;
};
struct round {
	struct run *r;
	struct job jobs[64];
	struct job *more; /* beyond 64 (many tags) */
	size_t n, cap_more;
};

static int round_add(struct round *rd, job_fn fn, size_t arg)
{
	if (rd->n < 64) {
		rd->jobs[rd->n].fn = fn;
		rd->jobs[rd->n++].arg = arg;
		return 0;
	}
	if (rd->n - 64 >= rd->cap_more) {
		size_t nc = rd->cap_more ? rd->cap_more * 2 : 64;
		struct job *nm = realloc(rd->more, nc * sizeof(*nm));

		if (!nm)
			return err_set(E_NOMEM, "out of memory");
		rd->more = nm;
		rd->cap_more = nc;
	}
	rd->more[rd->n - 64].fn = fn;
	rd->more[rd->n++ - 64].arg = arg;
	return 0;
}

static int round_dispatch(void *ctx, size_t i)
{
	struct round *rd = ctx;
	const struct job *j = i < 64 ? &rd->jobs[i] : &rd->more[i - 64];

	return j->fn(rd->r, j->arg);
}

/* Runs the round's jobs together; the error of the first job added wins. */
static int round_run(struct round *rd)
{
	int rc = par_run(rd->n, PROMOTE_THREADS, round_dispatch, rd);

	free(rd->more);
	rd->more = NULL;
	rd->n = rd->cap_more = 0;
	return rc;
}

/* ---- jobs ---- */

static int job_source_get(struct run *r, size_t arg)
{
	const struct promote_opts *o = r->o;
	int rc;

	(void)arg;
	rc = registry_manifest_get(r->src, r->src_path, r->ref, &r->m);
	if (rc == E_NOTFOUND)
		return err_set(E_NOTFOUND, "%s %s/%s%s%s does not exist%s%s%s (nothing was changed)",
			       o->version && r->ref == o->version ? "version" : "image",
			       registry_host(r->src), r->src_path, strchr(r->ref, ':') ? "@" : ":",
			       r->ref, r->from ? " in stage '" : "", r->from ? r->from->name : "",
			       r->from ? "'" : "");
	return rc;
}

static int job_prev_head(struct run *r, size_t arg)
{
	int rc = registry_manifest_head(r->prev_reg, r->prev_path, r->prev_tag, &r->prev_digest,
					NULL);

	(void)arg;
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	return rc;
}

static int job_tag_head(struct run *r, size_t i)
{
	struct tag_target *t = &r->tags[i];
	int rc = registry_manifest_head(t->reg, t->repo, t->tag, &t->previous, NULL);

	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	t->previous_known = !rc;
	return rc ? err_wrap(rc, "reading %s/%s:%s", registry_host(t->reg), t->repo, t->tag) : 0;
}

static int job_has_digest(struct run *r, size_t i)
{
	char *d = NULL;
	int rc = registry_manifest_head(r->t[i].reg, r->t[i].path, r->o->digest, &d, NULL);

	free(d);
	r->t[i].has_digest = !rc;
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	return rc;
}

static int job_empty_head(struct run *r, size_t arg)
{
	int ok = 0, rc = registry_blob_exists(r->rec.reg, r->rec.path, OCI_EMPTY_DIGEST, &ok, NULL);

	(void)arg;
	r->rec.have_empty = !rc && ok;
	err_clear(); /* only a hint: staging uploads the blob when it is not known to be there */
	return 0;
}

static int job_referrers_probe(struct run *r, size_t arg)
{
	json_t *index = NULL;
	int rc = registry_referrers_api(r->rec.reg, r->rec.path, OCI_EMPTY_DIGEST, &index);

	(void)arg;
	json_decref(index);
	r->rec.api = !rc;
	err_clear(); /* no API (or no answer): the tag schema; a record PUT answering
			OCI-Subject still switches to the API */
	return 0;
}

/*
 * Whether the ledger's empty blob can be mounted from the source (another repository of the
 * same registry): then no HEAD in round A, and round B mounts it, or uploads it through the
 * session the refused mount opened.
 */
static int empty_mountable(const struct run *r)
{
	return r->rec.reg && r->rec.reg == r->src && strcmp(r->rec.path, r->src_path);
}

/*
 * Whether the ledger is in the source repository itself: the empty blob is there whenever
 * anything was promoted there before, so the record goes up without a HEAD first, and the
 * blob only after a refusal (the first record in the repository).
 */
static int empty_likely(const struct run *r)
{
	return r->rec.reg && r->rec.reg == r->src && !strcmp(r->rec.path, r->src_path);
}

/* The ledger's empty blob: HEAD it in round A unless it is mounted or likely there. */
static int add_empty_head(struct run *r, struct round *rd)
{
	if (empty_likely(r)) {
		r->rec.optimistic = 1;
		return 0;
	}
	return empty_mountable(r) ? 0 : round_add(rd, job_empty_head, 0);
}

static int job_empty_upload(struct run *r, size_t arg)
{
	int rc = registry_blob_upload_buf_from(r->rec.reg, r->rec.path, OCI_EMPTY_DIGEST, "{}", 2,
					       empty_mountable(r) ? r->src_path : NULL, NULL);

	(void)arg;
	r->rec.have_empty = !rc;
	err_clear(); /* staging tries again and reports */
	return 0;
}

static int job_copy(struct run *r, size_t arg)
{
	struct registry_copy_dest d[16] = { { 0 } }, *dd = d;
	size_t n = 0;
	int rc;

	(void)arg;
	if (r->nt > 16 && !(dd = calloc(r->nt, sizeof(*dd))))
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < r->nt; i++) {
		if (r->t[i].is_source || r->t[i].has_digest)
			continue;
		dd[n].reg = r->t[i].reg;
		dd[n].repo = r->t[i].path;
		/* One target: its first tag PUT stores the manifest. Several: every target
		 * gets the manifest by digest before any tag moves. */
		dd[n++].put_top = r->nt > 1;
	}
	rc = registry_image_copy(r->src, r->src_path, &r->m, dd, n, PROMOTE_THREADS, &r->copy);
	if (dd != d)
		free(dd);
	return rc ? err_wrap(rc, "copying %s (no tag was changed)", r->m.digest) : 0;
}

static int job_tags_write(struct run *r, size_t arg)
{
	(void)arg;
	return registry_tags_write(r->tags, r->ntags, r->m.digest, r->m.media_type, &r->m.body);
}

/* A ledger job's outcome: a failure is remembered, the tags it was to record are put back. */
static int ledger_rc(struct run *r, int rc)
{
	if (rc)
		r->ledger_failed = 1;
	return rc;
}

static int job_record_stage(struct run *r, size_t arg)
{
	(void)arg;
	return ledger_rc(r, promote_record_stage(&r->rec));
}

static int job_record_read_index(struct run *r, size_t arg)
{
	(void)arg;
	return ledger_rc(r, promote_record_read_index(&r->rec, r->m.digest));
}

static int job_record_publish(struct run *r, size_t arg)
{
	int rc = 0;

	(void)arg;
	if (r->rec.api && !r->rec.staged)
		rc = promote_record_stage(&r->rec);
	if (!rc)
		rc = promote_record_publish(&r->rec, r->m.digest);
	return ledger_rc(r, rc);
}

/*
 * The tags moved but the promotion could not be recorded: every promotion is in the ledger,
 * so the tags go back where they were, and the error says so (a tag that did not exist
 * before cannot be deleted through the registry API: it is named).
 */
static int undo_unrecorded(struct run *r, int rc)
{
	struct buf msg = BUF_INIT, fresh = BUF_INIT;
	size_t left;

	for (size_t i = 0; i < r->ntags; i++)
		if (r->tags[i].rc)
			return rc; /* the tag write failed and restored them itself */
	if (buf_puts(&msg, err_msg()))
		return rc;
	left = registry_tags_restore(r->tags, r->ntags);
	for (size_t i = 0; i < r->ntags; i++)
		if (r->tags[i].written && !r->tags[i].previous)
			(void)buf_printf(&fresh, "%s%s/%s:%s", fresh.len ? ", " : "",
					 registry_host(r->tags[i].reg), r->tags[i].repo,
					 r->tags[i].tag);
	if (left)
		err_set(rc, "%s; the promotion could not be recorded, so the tags were put back, "
			    "but %s did not exist before and stays (the registry API cannot delete "
			    "a tag); running the promotion again records it",
			buf_cstr(&msg), buf_cstr(&fresh));
	else
		err_set(rc, "%s; the promotion could not be recorded, so the tags were put back "
			    "where they were (nothing changed)", buf_cstr(&msg));
	buf_free(&msg);
	buf_free(&fresh);
	return rc;
}

static int job_read_back(struct run *r, size_t i)
{
	const struct tag_target *t = &r->tags[i];
	int rc = registry_manifest_head(t->reg, t->repo, t->tag, &r->after[i], NULL);

	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	return rc ? err_wrap(rc, "reading %s/%s:%s back", registry_host(t->reg), t->repo, t->tag)
		  : 0;
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
			if ((rc = round_add(rd, job_tag_head, n)))
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
		return err_set(E_USAGE, "input 'to': no stage '%s' in the pipeline", o->to);
	if (o->rollback) {
		r->from = r->to;
		r->fi = r->ti;
	} else if (o->from_image) {
		r->fi = r->ti ? r->ti - 1 : 0;
	} else if (o->from) {
		if (!(r->from = pipeline_stage_find(p, o->from, &r->fi)))
			return err_set(E_USAGE, "input 'from': no stage '%s' in the pipeline", o->from);
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
		rc = promote_record_build(&r->rec, &rec, r->m.media_type, r->m.digest, r->m.body.len);
	}
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
	int rc = promote_ledger_read(r->rec.reg, r->rec.path, res->digest, &l);

	if (!rc && !ledger_records_latest(&l, res->to, NULL)) {
		free(res->previous_digest);
		res->previous_digest = NULL;
		r->rec.optimistic = !r->rec.have_empty;
		if (!(rc = build_record(r)) && !(rc = promote_record_stage(&r->rec)) &&
		    !(rc = promote_record_publish(&r->rec, res->digest)))
			res->recorded_late = 1;
		res->ledger_api = r->rec.api || r->rec.subject_ack;
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
	if ((rc = round_add(&rd, job_source_get, 0)))
		goto out;
	if (gate_needs_prev(&r)) {
		const struct pipeline_stage *prev = &o->pipeline->stages[r.ti - 1];

		if ((r.prev_tag = promote_stage_pointer_tag(&prev->repos[0])) &&
		    ((rc = promote_repo_open(rs, prev->repos[0].repository, &r.prev_reg,
					     &r.prev_path)) ||
		     (rc = round_add(&rd, job_prev_head, 0))))
			goto out;
	}
	early = !needs_digest(r.to) || o->digest;
	if (early && (rc = plan_targets(&r, o->digest, &rd)))
		goto out;
	for (size_t i = 0; early && o->digest && i < r.nt; i++)
		if (!r.t[i].is_source && (rc = round_add(&rd, job_has_digest, i)))
			goto out;
	if (early && !o->dry_run &&
	    ((rc = add_empty_head(&r, &rd)) || (rc = round_add(&rd, job_referrers_probe, 0))))
		goto out;
	if ((rc = round_run(&rd)))
		goto out;
	if (!(res->digest = strdup(r.m.digest)) || !(res->media_type = strdup(r.m.media_type))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (!early) { /* tags that name the digest: rendered now, read in a round of their own */
		if ((rc = plan_targets(&r, res->digest, &rd)) ||
		    (!o->dry_run && ((rc = add_empty_head(&r, &rd)) ||
				     (rc = round_add(&rd, job_referrers_probe, 0)))) ||
		    (rc = round_run(&rd)))
			goto out;
	}
	if ((rc = gate_check(&r)) || (rc = collect(&r, 1)))
		goto out;
	if (res->targets[0].before.items[0][0] &&
	    !(res->previous_digest = strdup(res->targets[0].before.items[0]))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (o->dry_run)
		goto out;
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

	/* Round B: the image into every other repository (no tag moves yet). */
	for (size_t i = 0; i < r.nt; i++)
		if (!r.t[i].is_source && !r.t[i].has_digest) {
			if ((rc = round_add(&rd, job_copy, 0)))
				goto out;
			break;
		}
	if (rd.n && !r.rec.have_empty && !r.rec.optimistic &&
	    (rc = round_add(&rd, job_empty_upload, 0)))
		goto out;
	if ((rc = round_run(&rd)))
		goto out;
	res->blobs_mounted = r.copy.mounted;
	res->blobs_copied = r.copy.copied;
	res->blobs_present = r.copy.present;
	res->manifests_put = r.copy.manifests_put;

	/* Round C: the tags; meanwhile the record is staged where nobody can see it yet. */
	if ((rc = round_add(&rd, job_tags_write, 0)) ||
	    (!r.rec.api && ((rc = round_add(&rd, job_record_stage, 0)) ||
			    (rc = round_add(&rd, job_record_read_index, 0)))) ||
	    (rc = round_run(&rd))) {
		if (r.ledger_failed)
			rc = undo_unrecorded(&r, rc);
		goto out;
	}
	for (size_t i = 0; i < r.ntags; i++)
		res->manifests_put += r.tags[i].written;

	/* Round D: every tag read back, and the record published. */
	for (size_t i = 0; i < r.ntags; i++)
		if ((rc = round_add(&rd, job_read_back, i)))
			goto out;
	if ((rc = round_add(&rd, job_record_publish, 0)) || (rc = round_run(&rd))) {
		if (r.ledger_failed)
			rc = undo_unrecorded(&r, rc);
		goto out;
	}
	res->ledger_api = r.rec.api || r.rec.subject_ack;
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
	for (size_t i = 0; i < r.nt && r.t; i++)
		free(r.t[i].path);
	free(r.t);
	for (size_t i = 0; i < r.ntags && r.tags; i++)
		free(r.tags[i].previous);
	free(r.tags);
	for (size_t i = 0; i < r.ntags && r.after; i++)
		free(r.after[i]);
	free(r.after);
	promote_record_free(&r.rec);
	free(rb_digest);
	return rc;
}
