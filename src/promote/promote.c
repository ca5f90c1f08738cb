/* promote: resolve, gate, copy, tag, read back, record. See promote.h. */
#include "promote/promote.h"

#include <stdlib.h>
#include <string.h>

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

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ---- ledger reads ---- */

/* The convoy records among the referrers of digest in host/path (added to out). */
static int ledger_read(struct reglite *r, const char *host, const char *path, const char *digest,
		       struct ledger_records *out)
{
	json_t *index = NULL, *m;
	size_t i;
	int api, rc = reglite_referrers(r, host, path, digest, &index, &api);

	if (rc)
		return err_wrap(rc, "reading the ledger of %s/%s@%s", host, path, digest);
	json_array_foreach(json_object_get(index, "manifests"), i, m)
	{
		struct ledger_record rec;
		const char *at = json_string_value(json_object_get(m, "artifactType"));

		if (!at || strcmp(at, LEDGER_ARTIFACT_TYPE))
			continue;
		if (ledger_record_from_annotations(&rec, json_object_get(m, "annotations"))) {
			err_clear();
			continue;
		}
		if (strcmp(rec.digest, digest)) { /* a record must be about its subject */
			ledger_record_free(&rec);
			continue;
		}
		if ((rc = ledger_records_add(out, &rec)))
			break;
	}
	json_decref(index);
	return rc;
}

/* Whether the ledger in the stage's first repository records digest in that stage. */
static int ledger_has(struct reglite *r, const struct pipeline_stage *s, const char *digest,
		      int *found)
{
	struct ledger_records l = { 0 };
	char *host = NULL, *path = NULL;
	int rc;

	*found = 0;
	if ((rc = reglite_repo_split(s->repos[0].repository, &host, &path)))
		return rc;
	if (!(rc = ledger_read(r, host, path, digest, &l)))
		*found = ledger_records_latest(&l, s->name, NULL) != NULL;
	ledger_records_free(&l);
	free(host);
	free(path);
	return rc;
}

int promote_history(struct reglite *r, const struct pipeline *p, const char *stage,
		    size_t limit, struct ledger_records *out, char **current)
{
	const struct pipeline_stage *s = pipeline_stage_find(p, stage, NULL);
	struct ledger_records seen = { 0 };
	struct strlist fetched = STRLIST_INIT;
	char *host = NULL, *path = NULL, *d = NULL, *before = NULL;
	const char *tag;
	int rc;

	memset(out, 0, sizeof(*out));
	*current = NULL;
	if (!s)
		return err_set(E_USAGE, "input 'stage': no stage '%s' in the pipeline", stage);
	if (!(tag = promote_stage_pointer_tag(&s->repos[0])))
		return err_set(E_USAGE, "stage '%s': its first repository has no plain tag to "
					"follow", stage);
	if ((rc = reglite_repo_split(s->repos[0].repository, &host, &path)))
		return rc;
	rc = reglite_manifest_head(r, host, path, tag, &d);
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
		goto out;
	}
	if (rc)
		goto out;
	if (!(*current = strdup(d))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	while (d && out->len < limit) {
		const struct ledger_record *rec = NULL;
		struct ledger_record copy;

		if (!strlist_contains(&fetched, d)) {
			if ((rc = strlist_add(&fetched, d)) ||
			    (rc = ledger_read(r, host, path, d, &seen)))
				goto out;
		}
		for (size_t i = 0; i < seen.len; i++) {
			const struct ledger_record *c = &seen.items[i];

			if (strcmp(c->to, stage) || strcmp(c->digest, d) ||
			    (before && strcmp(c->time, before) >= 0))
				continue;
			if (!rec || strcmp(c->time, rec->time) > 0)
				rec = c;
		}
		if (!rec)
			break;
		if ((rc = ledger_record_copy(&copy, rec)) || (rc = ledger_records_add(out, &copy)))
			goto out;
		free(before);
		free(d);
		before = xstrdup(rec->time);
		d = xstrdup(rec->previous_digest);
		if (!before) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
	}
out:
	ledger_records_free(&seen);
	strlist_clear(&fetched);
	free(host);
	free(path);
	free(d);
	free(before);
	if (rc) {
		ledger_records_free(out);
		free(*current);
		*current = NULL;
	}
	return rc;
}

/* ---- copy ---- */

struct copy_ctx {
	struct reglite *r;
	const char *src_host, *src_path, *dst_host, *dst_path;
	struct promote_result *res;
};

/* Makes one blob present in the target: mount within a registry, else copy if missing. */
static int copy_blob(struct copy_ctx *c, const char *digest, size_t size)
{
	int ok, rc;

	if (!strcmp(c->src_host, c->dst_host)) {
		if ((rc = reglite_blob_mount(c->r, c->dst_host, c->dst_path, c->src_path, digest,
					     &ok)))
			return rc;
		if (ok) {
			c->res->blobs_mounted++;
			return 0;
		}
	}
	if ((rc = reglite_blob_exists(c->r, c->dst_host, c->dst_path, digest, &ok)))
		return rc;
	if (ok) {
		c->res->blobs_present++;
		return 0;
	}
	if ((rc = reglite_blob_copy(c->r, c->src_host, c->src_path, c->dst_host, c->dst_path,
				    digest, size)))
		return rc;
	c->res->blobs_copied++;
	return 0;
}

static int descriptor_parse(const json_t *d, const char **digest, size_t *size,
			    const char **media_type)
{
	const json_t *sz = json_object_get(d, "size");

	*digest = json_string_value(json_object_get(d, "digest"));
	*media_type = json_string_value(json_object_get(d, "mediaType"));
	if (!*digest || !json_is_integer(sz) || json_integer_value(sz) < 0 ||
	    strncmp(*digest, "sha256:", 7) || strlen(*digest) != 71)
		return err_set(E_INTEGRITY, "manifest: a descriptor without a sha256 digest and size");
	*size = (size_t)json_integer_value(sz);
	return 0;
}

static int is_index(const char *mt)
{
	return !strcmp(mt, OCI_INDEX_TYPE) ||
	       !strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json");
}

/* Copies everything a manifest refers to, then the manifest itself by digest. */
static int copy_manifest(struct copy_ctx *c, const struct reglite_manifest *m)
{
	json_t *j = json_loadb(m->body.data, m->body.len, 0, NULL), *d;
	const char *digest, *mt;
	size_t i, size;
	int rc = 0;

	if (!j)
		return err_set(E_INTEGRITY, "manifest %s is not JSON", m->digest);
	if (is_index(m->media_type)) {
		json_array_foreach(json_object_get(j, "manifests"), i, d)
		{
			struct reglite_manifest child = { 0 };
			char *have = NULL;

			if ((rc = descriptor_parse(d, &digest, &size, &mt)))
				break;
			rc = reglite_manifest_head(c->r, c->dst_host, c->dst_path, digest, &have);
			free(have);
			if (!rc)
				continue; /* the platform manifest is there already */
			if (rc != E_NOTFOUND)
				break;
			err_clear();
			if ((rc = reglite_manifest_get(c->r, c->src_host, c->src_path, digest, &child)))
				break;
			rc = copy_manifest(c, &child);
			reglite_manifest_free(&child);
			if (rc)
				break;
		}
	} else {
		json_t *cfg = json_object_get(j, "config");

		if (cfg && !(rc = descriptor_parse(cfg, &digest, &size, &mt)))
			rc = copy_blob(c, digest, size);
		json_array_foreach(json_object_get(j, "layers"), i, d)
		{
			if (rc)
				break;
			if (json_object_get(d, "urls")) /* foreign layer: not ours to copy */
				continue;
			if (!(rc = descriptor_parse(d, &digest, &size, &mt)))
				rc = copy_blob(c, digest, size);
		}
	}
	json_decref(j);
	if (!rc && !(rc = reglite_manifest_put(c->r, c->dst_host, c->dst_path, m->digest,
					       m->media_type, &m->body, NULL)))
		c->res->manifests_put++;
	return rc;
}

/* ---- record ---- */

static int record_write(struct reglite *r, const char *host, const char *path,
			const struct ledger_record *rec, const struct reglite_manifest *subject,
			int *api)
{
	struct buf json = BUF_INIT, rd = BUF_INIT, man = BUF_INIT, md = BUF_INIT, tag = BUF_INIT;
	json_t *index = NULL, *desc = NULL, *ann = NULL;
	struct reglite_manifest cur = { 0 };
	int ok, rc;

	*api = 0;
	if ((rc = ledger_record_to_json(rec, &json)) ||
	    (rc = reglite_digest(&rd, json.data, json.len)))
		goto out;
	if ((rc = reglite_blob_exists(r, host, path, OCI_EMPTY_DIGEST, &ok)))
		goto out;
	if (!ok && (rc = reglite_blob_put(r, host, path, OCI_EMPTY_DIGEST, "{}", 2)))
		goto out;
	if ((rc = reglite_blob_put(r, host, path, buf_cstr(&rd), json.data, json.len)) ||
	    (rc = ledger_manifest_build(&man, rec, subject->media_type, subject->digest,
					subject->body.len, buf_cstr(&rd), json.len)) ||
	    (rc = reglite_digest(&md, man.data, man.len)) ||
	    (rc = reglite_manifest_put(r, host, path, buf_cstr(&md), OCI_MANIFEST_TYPE, &man, api)))
		goto out;
	if (*api)
		goto out;
	/* No referrers API (no OCI-Subject answer): maintain the sha256-<hex> index tag. */
	if ((rc = buf_printf(&tag, "sha256-%s", subject->digest + 7)))
		goto out;
	rc = reglite_manifest_get(r, host, path, buf_cstr(&tag), &cur);
	if (rc == E_NOTFOUND) {
		err_clear();
		index = json_pack("{s:i, s:s, s:[]}", "schemaVersion", 2, "mediaType",
				  OCI_INDEX_TYPE, "manifests");
		rc = index ? 0 : err_set(E_NOMEM, "out of memory");
	} else if (!rc) {
		index = json_loadb(cur.body.data, cur.body.len, 0, NULL);
		if (!json_is_array(json_object_get(index, "manifests")))
			rc = err_set(E_INTEGRITY, "%s/%s:%s is not a referrers index", host, path,
				     buf_cstr(&tag));
	}
	if (rc)
		goto out;
	{
		json_t *mj = json_loadb(man.data, man.len, 0, NULL);

		ann = json_incref(json_object_get(mj, "annotations"));
		json_decref(mj);
	}
	desc = json_pack("{s:s, s:s, s:I, s:s, s:O}", "mediaType", OCI_MANIFEST_TYPE, "digest",
			 buf_cstr(&md), "size", (json_int_t)man.len, "artifactType",
			 LEDGER_ARTIFACT_TYPE, "annotations", ann);
	if (!desc || json_array_append_new(json_object_get(index, "manifests"), desc)) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	{
		char *s = json_dumps(index, JSON_COMPACT);
		struct buf b = BUF_INIT;

		if (!s || buf_puts(&b, s))
			rc = err_set(E_NOMEM, "out of memory");
		else
			rc = reglite_manifest_put(r, host, path, buf_cstr(&tag), OCI_INDEX_TYPE, &b,
						  NULL);
		free(s);
		buf_free(&b);
	}
out:
	json_decref(index);
	json_decref(ann);
	reglite_manifest_free(&cur);
	buf_free(&json);
	buf_free(&rd);
	buf_free(&man);
	buf_free(&md);
	buf_free(&tag);
	return rc ? err_wrap(rc, "recording the promotion in %s/%s", host, path) : 0;
}

/* ---- the promotion ---- */

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

/* Reads what each target tag points at now (E_NOTFOUND: ""). */
static int read_tags(struct reglite *r, struct promote_target *t, struct strlist *into)
{
	char *host = NULL, *path = NULL;
	int rc = reglite_repo_split(t->repository, &host, &path);

	for (size_t i = 0; !rc && i < t->tags.len; i++) {
		char *d = NULL;

		rc = reglite_manifest_head(r, host, path, t->tags.items[i], &d);
		if (rc == E_NOTFOUND) {
			err_clear();
			rc = strlist_add(into, "");
		} else if (!rc) {
			rc = strlist_take(into, d);
		}
	}
	free(host);
	free(path);
	return rc;
}

/* Resolves the source to one manifest (fetched once: everything after uses its digest). */
static int resolve_source(struct reglite *r, const struct promote_opts *o,
			  const struct pipeline_stage *from, struct promote_result *res,
			  struct reglite_manifest *m, struct reglite_ref *src, int *via_stage_tag)
{
	const char *ref;
	int rc;

	*via_stage_tag = 0;
	if (o->from_image) {
		if ((rc = reglite_ref_parse(src, o->from_image)))
			return err_wrap(rc, "input 'from-image'");
	} else {
		char *h = NULL, *p = NULL;

		if ((rc = reglite_repo_split(from->repos[0].repository, &h, &p)))
			return rc;
		src->host = h;
		src->path = p;
	}
	if (o->digest && src->digest && strcmp(o->digest, src->digest))
		return err_set(E_USAGE, "inputs 'digest' and 'from-image' name different digests");
	if (o->digest)
		ref = o->digest;
	else if (src->digest)
		ref = src->digest;
	else if (o->version)
		ref = o->version;
	else if (src->tag)
		ref = src->tag;
	else if ((ref = promote_stage_pointer_tag(&from->repos[0])))
		*via_stage_tag = 1;
	else
		return err_set(E_USAGE, "stage '%s' has no plain tag to promote from: give --version "
					"or --digest", from->name);
	rc = reglite_manifest_get(r, src->host, src->path, ref, m);
	if (rc == E_NOTFOUND)
		return err_set(E_NOTFOUND, "%s %s/%s%s%s does not exist%s%s%s (nothing was changed)",
			       o->version && ref == o->version ? "version" : "image", src->host,
			       src->path, strchr(ref, ':') ? "@" : ":", ref, from ? " in stage '" : "",
			       from ? from->name : "", from ? "'" : "");
	if (rc)
		return rc;
	if (!(res->digest = strdup(m->digest)) || !(res->media_type = strdup(m->media_type)) ||
	    !(res->source = malloc(strlen(src->host) + strlen(src->path) + 2)))
		return err_set(E_NOMEM, "out of memory");
	sprintf(res->source, "%s/%s", src->host, src->path);
	return 0;
}

/* The digest a stage holds now under its pointer tag, or NULL (malloc'd). */
static int stage_current(struct reglite *r, const struct pipeline_stage *s, char **digest)
{
	const char *tag = promote_stage_pointer_tag(&s->repos[0]);
	char *host = NULL, *path = NULL;
	int rc;

	*digest = NULL;
	if (!tag)
		return 0;
	if ((rc = reglite_repo_split(s->repos[0].repository, &host, &path)))
		return rc;
	rc = reglite_manifest_head(r, host, path, tag, digest);
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	free(host);
	free(path);
	return rc;
}

static int gate_check(struct reglite *r, const struct promote_opts *o, size_t from_idx,
		      size_t to_idx, int via_stage_tag, struct promote_result *res)
{
	const struct pipeline *p = o->pipeline;
	struct gate_facts f = { 0 };
	int rc;

	f.from = from_idx;
	f.to = to_idx;
	f.explicit_source = o->from_image != NULL;
	f.allow_skip = o->allow_skip;
	f.rollback = o->rollback;
	if (!f.rollback && to_idx > 0) {
		const struct pipeline_stage *prev = &p->stages[to_idx - 1];

		if (!o->from_image && from_idx == to_idx - 1 && (via_stage_tag || to_idx - 1 == 0)) {
			/* Read from the previous stage's own tag, or from the entry stage, whose
			 * repository is where builds land: it is in the previous stage now. */
			f.in_previous_now = 1;
		} else {
			char *cur = NULL;

			if ((rc = stage_current(r, prev, &cur)))
				return rc;
			f.in_previous_now = cur && !strcmp(cur, res->digest);
			free(cur);
		}
		if (!f.in_previous_now && (rc = ledger_has(r, prev, res->digest,
							   &f.in_previous_ledger)))
			return rc;
	}
	res->gate = gate_decide(&f);
	if (res->gate == GATE_REFUSED)
		return err_set(E_CONFLICT, "gate: %s is not in stage '%s' and the ledger never "
					   "recorded it there; promoting it to '%s' skips '%s' "
					   "(give --allow-skip to do so on purpose; nothing was "
					   "changed)", res->digest, p->stages[to_idx - 1].name,
			       p->stages[to_idx].name, p->stages[to_idx - 1].name);
	return 0;
}

/* For a rollback: the digest the stage held before its current one, per the ledger. */
static int rollback_source(struct reglite *r, const struct promote_opts *o, char **digest)
{
	struct ledger_records l = { 0 };
	char *cur = NULL;
	int rc;

	*digest = NULL;
	if ((rc = promote_history(r, o->pipeline, o->to, 1, &l, &cur)))
		return rc;
	if (!cur)
		rc = err_set(E_NOTFOUND, "rollback: stage '%s' has no current image", o->to);
	else if (!l.len)
		rc = err_set(E_NOTFOUND, "rollback: the ledger has no promotion of %s to '%s' "
					 "(nothing to roll back to)", cur, o->to);
	else if (!l.items[0].previous_digest)
		rc = err_set(E_NOTFOUND, "rollback: %s was the first image promoted to '%s' "
					 "(nothing to roll back to)", cur, o->to);
	else if (!(*digest = strdup(l.items[0].previous_digest)))
		rc = err_set(E_NOMEM, "out of memory");
	ledger_records_free(&l);
	free(cur);
	return rc;
}

int promote_run(struct reglite *r, const struct promote_opts *o, struct promote_result *res)
{
	const struct pipeline *p = o->pipeline;
	const struct pipeline_stage *to, *from = NULL;
	struct reglite_manifest m = { 0 };
	struct reglite_ref src = { 0 };
	struct pipeline_vars vars = { 0 };
	struct promote_opts ro;
	char *rb_digest = NULL;
	size_t ti = 0, fi = 0;
	int via_tag = 0, rc;

	memset(res, 0, sizeof(*res));
	res->dry_run = o->dry_run;
	if (!(to = pipeline_stage_find(p, o->to, &ti)))
		return err_set(E_USAGE, "input 'to': no stage '%s' in the pipeline", o->to);
	if (o->rollback) {
		if ((rc = rollback_source(r, o, &rb_digest)))
			goto out;
		ro = *o;
		ro.digest = rb_digest;
		ro.version = NULL;
		ro.from_image = NULL;
		o = &ro;
		from = to;
		fi = ti;
	} else if (o->from_image) {
		fi = ti ? ti - 1 : 0;
	} else if (o->from) {
		if (!(from = pipeline_stage_find(p, o->from, &fi))) {
			rc = err_set(E_USAGE, "input 'from': no stage '%s' in the pipeline", o->from);
			goto out;
		}
		if (fi >= ti) {
			rc = err_set(E_USAGE, "input 'from': stage '%s' does not come before '%s'",
				     o->from, o->to);
			goto out;
		}
	} else if (ti == 0) {
		rc = err_set(E_USAGE, "input 'to': '%s' is the first stage; give --from-image to "
				      "promote an image into it", o->to);
		goto out;
	} else {
		from = &p->stages[ti - 1];
		fi = ti - 1;
	}
	if (!(res->to = strdup(to->name)) || !(res->from = strdup(from ? from->name : ""))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = resolve_source(r, o, from, res, &m, &src, &via_tag)))
		goto out;
	if ((rc = gate_check(r, o, fi, ti, via_tag, res)))
		goto out;

	vars.version = o->version;
	vars.digest = res->digest;
	vars.stage = to->name;
	vars.sha = o->commit;
	for (size_t i = 0; i < to->nrepos; i++) {
		if ((rc = add_target(res, &to->repos[i], &vars)) ||
		    (rc = read_tags(r, &res->targets[i], &res->targets[i].before)))
			goto out;
	}
	if (res->targets[0].before.items[0][0] &&
	    !(res->previous_digest = strdup(res->targets[0].before.items[0]))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (o->dry_run)
		goto out;

	for (size_t i = 0; i < res->ntargets; i++) {
		struct promote_target *t = &res->targets[i];
		struct copy_ctx c = { r, src.host, src.path, NULL, NULL, res };
		char *host = NULL, *path = NULL, *have = NULL;

		if ((rc = reglite_repo_split(t->repository, &host, &path)))
			goto out;
		c.dst_host = host;
		c.dst_path = path;
		rc = 0;
		if (strcmp(host, src.host) || strcmp(path, src.path)) {
			/* Already there by digest (an earlier promotion, a rollback): no blob work. */
			rc = reglite_manifest_head(r, host, path, res->digest, &have);
			free(have);
			if (rc == E_NOTFOUND) {
				err_clear();
				rc = copy_manifest(&c, &m);
			}
		}
		/* Tags only once the manifest is in place; the same bytes, so the same digest. */
		for (size_t k = 0; !rc && k < t->tags.len; k++)
			if (!(rc = reglite_manifest_put(r, host, path, t->tags.items[k], m.media_type,
							&m.body, NULL)))
				res->manifests_put++;
		if (!rc)
			rc = read_tags(r, t, &t->after);
		for (size_t k = 0; !rc && k < t->tags.len; k++) {
			if (strcmp(t->after.items[k], res->digest)) {
				struct buf b = BUF_INIT;

				if (!(rc = buf_printf(&b, "%s:%s now at %s", t->repository,
						      t->tags.items[k],
						      t->after.items[k][0] ? t->after.items[k]
									   : "(deleted)")))
					rc = strlist_take(&res->moved, buf_detach(&b));
			}
		}
		free(host);
		free(path);
		if (rc)
			goto out;
	}

	{
		struct ledger_record rec = { 0 };
		struct buf now = BUF_INIT;
		char *host = NULL, *path = NULL, *tags;

		tags = strlist_join_dup(&res->targets[0].tags, ",");
		if (!(rc = ledger_time_now(&now)) &&
		    !(rc = reglite_repo_split(res->targets[0].repository, &host, &path))) {
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
			rc = record_write(r, host, path, &rec, &m, &res->ledger_api);
		}
		free(tags);
		free(host);
		free(path);
		buf_free(&now);
	}
	if (!rc && res->moved.len)
		rc = err_set(E_CONFLICT, "a concurrent run moved %s after this promotion wrote it "
					 "(the promotion of %s is recorded)", res->moved.items[0],
			     res->digest);
out:
	reglite_manifest_free(&m);
	reglite_ref_free(&src);
	free(rb_digest);
	return rc;
}
