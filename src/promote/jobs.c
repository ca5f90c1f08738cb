/* promote/jobs: the requests of a promotion's rounds, each one job. See run.h. */
#include "promote/run.h"

#include <stdlib.h>
#include <string.h>

#include "registry/referrers.h"
#include "util/err.h"
#include "util/par.h"

int promote_round_add(struct round *rd, job_fn fn, size_t arg)
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
int promote_round_run(struct round *rd)
{
	int rc = par_run(rd->n, PROMOTE_THREADS, round_dispatch, rd);

	free(rd->more);
	rd->more = NULL;
	rd->n = rd->cap_more = 0;
	return rc;
}

/* ---- jobs ---- */

int promote_job_source_get(struct run *r, size_t arg)
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

int promote_job_prev_head(struct run *r, size_t arg)
{
	/* The gate decides on it: read and hashed, not taken from a header. */
	int rc = registry_manifest_digest(r->prev_reg, r->prev_path, r->prev_tag, &r->prev_digest);

	(void)arg;
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	return rc;
}

int promote_job_tag_head(struct run *r, size_t i)
{
	struct tag_target *t = &r->tags[i];
	/* The record's previous-digest (a rollback aims at it): read and hashed. */
	int rc = registry_manifest_digest(t->reg, t->repo, t->tag, &t->previous);

	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	t->previous_known = !rc;
	return rc ? err_wrap(rc, "reading %s/%s:%s", registry_host(t->reg), t->repo, t->tag) : 0;
}

int promote_job_has_digest(struct run *r, size_t i)
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

int promote_job_empty_head(struct run *r, size_t arg)
{
	int ok = 0, rc = registry_blob_exists(r->rec.reg, r->rec.path, OCI_EMPTY_DIGEST, &ok, NULL);

	(void)arg;
	r->rec.have_empty = !rc && ok;
	err_clear(); /* only a hint: staging uploads the blob when it is not known to be there */
	return 0;
}

int promote_job_referrers_probe(struct run *r, size_t arg)
{
	(void)arg;
	/* No API (or no answer): the tag schema; a record PUT answering OCI-Subject still
	 * switches to the API. */
	r->rec.api = registry_referrers_supported(r->rec.reg, r->rec.path);
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
int promote_add_empty_head(struct run *r, struct round *rd)
{
	if (empty_likely(r)) {
		r->rec.optimistic = 1;
		return 0;
	}
	return empty_mountable(r) ? 0 : promote_round_add(rd, promote_job_empty_head, 0);
}

int promote_job_empty_upload(struct run *r, size_t arg)
{
	int rc = registry_blob_upload_buf_from(r->rec.reg, r->rec.path, OCI_EMPTY_DIGEST, "{}", 2,
					       empty_mountable(r) ? r->src_path : NULL, NULL);

	(void)arg;
	r->rec.have_empty = !rc;
	err_clear(); /* staging tries again and reports */
	return 0;
}

int promote_job_copy(struct run *r, size_t arg)
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

int promote_job_carry_find(struct run *r, size_t arg)
{
	const char **subjects = NULL;
	json_t *j = NULL;
	size_t n = 1;
	int rc;

	(void)arg;
	if (registry_media_type_is_index(r->m.media_type)) {
		const json_t *d;
		size_t i;

		j = json_loadb(r->m.body.data, r->m.body.len, 0, NULL);
		n += json_array_size(json_object_get(j, "manifests"));
		if (!(subjects = calloc(n, sizeof(*subjects)))) {
			json_decref(j);
			return err_set(E_NOMEM, "out of memory");
		}
		n = 1;
		json_array_foreach(json_object_get(j, "manifests"), i, d) {
			const char *digest = json_string_value(json_object_get(d, "digest"));

			if (digest)
				subjects[n++] = digest;
		}
	} else if (!(subjects = calloc(1, sizeof(*subjects)))) {
		return err_set(E_NOMEM, "out of memory");
	}
	subjects[0] = r->m.digest;
	rc = registry_carry_find(r->src, r->src_path, subjects, n, &r->cf, PROMOTE_THREADS,
				 &r->carry);
	free(subjects);
	json_decref(j);
	return rc ? err_wrap(rc, "carrying the referrers of %s (no tag was changed)", r->m.digest)
		  : 0;
}

int promote_job_carry_put(struct run *r, size_t i)
{
	struct tgt *t = &r->t[i];
	int rc = 0;

	/* The subject by digest before what refers to it (with one target its first tag PUT
	 * would store it, after). */
	if (r->nt == 1 && !t->has_digest)
		rc = registry_manifest_put(t->reg, t->path, r->m.digest, r->m.media_type,
					   r->m.body.data, r->m.body.len, NULL);
	if (!rc)
		rc = registry_carry_put(r->src, r->src_path, t->reg, t->path, &r->carry,
					PROMOTE_THREADS, &t->carry);
	return rc ? err_wrap(rc, "carrying the referrers of %s (no stage tag was changed)",
			     r->m.digest)
		  : 0;
}

int promote_job_tags_write(struct run *r, size_t arg)
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

int promote_job_record_stage(struct run *r, size_t arg)
{
	(void)arg;
	return ledger_rc(r, promote_record_stage(&r->rec));
}

int promote_job_record_read_index(struct run *r, size_t arg)
{
	(void)arg;
	return ledger_rc(r, promote_record_read_index(&r->rec, r->m.digest));
}

int promote_job_record_publish(struct run *r, size_t arg)
{
	int rc = 0;

	(void)arg;
	if (r->rec.api && !r->rec.staged)
		rc = promote_record_stage(&r->rec);
	if (!rc)
		rc = promote_record_publish(&r->rec, r->m.digest);
	r->record_published = !rc;
	/* An index that kept changing may hold the record or not: the tags stay (a run again
	 * finds them at the digest and writes the record if it is missing). */
	return r->rec.contended ? rc : ledger_rc(r, rc);
}

/*
 * The tags moved but the promotion could not be recorded: every promotion is in the ledger,
 * so the tags go back where they were, and the error says of each tag where it is now (a
 * tag that did not exist before cannot be deleted through the registry API; a put-back that
 * fails in an outage is named as such, never claimed).
 */
int promote_undo_unrecorded(struct run *r, int rc)
{
	struct buf msg = BUF_INIT, state = BUF_INIT;
	size_t left;

	for (size_t i = 0; i < r->ntags; i++)
		if (r->tags[i].rc)
			return rc; /* the tag write failed and restored them itself */
	if (buf_puts(&msg, err_msg()))
		return rc;
	left = registry_tags_restore(r->tags, r->ntags, r->m.digest, &state);
	if (left)
		err_set(rc, "%s; the promotion could not be recorded, and not every tag is back "
			    "where it was: %s; running the promotion again records it",
			buf_cstr(&msg), buf_cstr(&state));
	else
		err_set(rc, "%s; the promotion could not be recorded, so the tags were put back "
			    "where they were (nothing changed): %s", buf_cstr(&msg),
			state.len ? buf_cstr(&state) : "no tag had moved");
	buf_free(&msg);
	buf_free(&state);
	return rc;
}

int promote_job_read_back(struct run *r, size_t i)
{
	const struct tag_target *t = &r->tags[i];
	/* "Moved by a concurrent run" is concluded from it: read and hashed, a bad answer
	 * read again (registry_manifest_digest), never taken from a header. */
	int rc = registry_manifest_digest(t->reg, t->repo, t->tag, &r->after[i]);

	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	if (rc)
		r->readback_failed = 1;
	return rc ? err_wrap(rc, "reading %s/%s:%s back", registry_host(t->reg), t->repo, t->tag)
		  : 0;
}

int promote_report_unverified(struct run *r, int rc)
{
	struct buf msg = BUF_INIT, tags = BUF_INIT;

	if (buf_puts(&msg, err_msg()))
		return rc;
	for (size_t i = 0; i < r->ntags; i++) {
		const struct tag_target *t = &r->tags[i];

		(void)buf_printf(&tags, "%s%s/%s:%s %s %s (was %s)", tags.len ? ", " : "",
				 registry_host(t->reg), t->repo, t->tag,
				 t->written ? "moved to" : "already at", r->m.digest,
				 t->previous ? t->previous : "unset");
	}
	err_set(rc, "%s; the tags were written: %s; %s; the read-back could not confirm them "
		    "(`convoy history` shows the stage)", buf_cstr(&msg), buf_cstr(&tags),
		r->record_published ? "the promotion is recorded in the ledger"
				    : "the ledger record may be missing (running the promotion "
				      "again records it)");
	buf_free(&msg);
	buf_free(&tags);
	return rc;
}
