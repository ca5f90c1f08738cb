/* registry/carry: finding the referrers of an image and writing them elsewhere. See carry.h. */
#include "registry/carry.h"

#include <stdlib.h>
#include <string.h>

#include "registry/copy.h"
#include "registry/reference.h"
#include "registry/referrers.h"
#include "util/err.h"
#include "util/par.h"

static const char *const legacy_suffixes[] = { ".sig", ".att", ".sbom" };
#define NLEGACY (sizeof(legacy_suffixes) / sizeof(legacy_suffixes[0]))

static void item_free(struct registry_carry_item *it)
{
	free(it->subject);
	free(it->legacy_tag);
	free(it->artifact_type);
	registry_manifest_free(&it->m);
}

void registry_carry_set_free(struct registry_carry_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->len; i++)
		item_free(&s->items[i]);
	free(s->items);
	memset(s, 0, sizeof(*s));
}

/* ---- finding ---- */

/* A referrer seen in a listing (digest known) or through a legacy tag (manifest read). */
struct cand {
	char *subject;
	char *digest;     /* listed: its digest; legacy: NULL until read */
	char *legacy_tag; /* legacy only */
	const char *legacy_suffix;
	struct registry_manifest m;
	int skip;         /* filtered out, or found already */
};

struct cands {
	struct cand *v;
	size_t len;
};

struct find {
	struct registry *src;
	const char *repo;
	const struct registry_carry_filter *f;
	const char *const *subjects;
	int depth;
	struct cands *per; /* one list per subject of the level */
	int api;           /* the source has the referrers API */
	json_t *first;     /* the API's answer about the first subject (asked with the probe) */
	struct strlist tags; /* the repository's tags: which sha256-<hex>[.sig] exist at all */
	struct cand **flat;
	size_t nflat;
};

static int cand_add(struct cands *c, const char *subject, const char *digest, const char *tag,
		    const char *suffix)
{
	struct cand *nv = realloc(c->v, (c->len + 1) * sizeof(*nv)), *x;

	if (!nv)
		return err_set(E_NOMEM, "out of memory");
	c->v = nv;
	x = &c->v[c->len++];
	memset(x, 0, sizeof(*x));
	x->legacy_suffix = suffix;
	if (!(x->subject = strdup(subject)) || (digest && !(x->digest = strdup(digest))) ||
	    (tag && !(x->legacy_tag = strdup(tag))))
		return err_set(E_NOMEM, "out of memory");
	return 0;
}

static void cands_free(struct cands *c)
{
	for (size_t i = 0; i < c->len; i++) {
		free(c->v[i].subject);
		free(c->v[i].digest);
		free(c->v[i].legacy_tag);
		registry_manifest_free(&c->v[i].m);
	}
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* The descriptors of a referrers index: the artifacts to read (untrusted: checked). */
static int from_index(struct find *fd, struct cands *c, const char *subject, const json_t *index)
{
	const json_t *d;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *digest = json_string_value(json_object_get(d, "digest"));
		const char *at = json_string_value(json_object_get(d, "artifactType"));

		if (!digest || !registry_digest_valid(digest) || strncmp(digest, "sha256:", 7))
			continue; /* not a descriptor we can fetch and verify */
		/* The listed type already says whether it goes (the ledger's records do not:
		 * not even read). The manifest's own type is checked again once read. */
		if (at && !registry_carry_filter_allows(fd->f, at, NULL))
			continue;
		if ((rc = cand_add(c, subject, digest, NULL, NULL)))
			break;
	}
	return rc;
}

static int probe_subject(struct find *fd, size_t i)
{
	const char *subject = fd->subjects[i];
	struct cands *c = &fd->per[i];
	struct buf tag = BUF_INIT;
	json_t *index = NULL;
	int rc = 0;

	if (fd->first && i == 0 && fd->depth == 0) {
		index = fd->first;
		fd->first = NULL;
	} else if (fd->api) {
		rc = registry_referrers_api(fd->src, fd->repo, subject, &index);
	}
	if (rc || (index && (rc = from_index(fd, c, subject, index))))
		goto out;
	json_decref(index);
	index = NULL;
	/* Without the API, and with it too: what it refused with its subject is in the index. */
	if (!(rc = registry_referrers_tag_name(&tag, subject)) &&
	    strlist_contains(&fd->tags, buf_cstr(&tag)) &&
	    !(rc = registry_referrers_tag_get(fd->src, fd->repo, subject, &index)))
		rc = from_index(fd, c, subject, index);
	if (rc)
		goto out;
	for (size_t k = 0; k < NLEGACY && !rc; k++) {
		struct registry_manifest m = { 0 };

		if (!registry_carry_filter_allows(fd->f, NULL, legacy_suffixes[k]))
			continue;
		if ((rc = registry_referrers_tag_name(&tag, subject)) ||
		    (rc = buf_puts(&tag, legacy_suffixes[k])))
			break;
		if (!strlist_contains(&fd->tags, buf_cstr(&tag)))
			continue;
		rc = registry_manifest_get(fd->src, fd->repo, buf_cstr(&tag), &m);
		if (rc == E_NOTFOUND) {
			err_clear();
			rc = 0;
			continue;
		}
		if (!rc && !(rc = cand_add(c, subject, NULL, buf_cstr(&tag), legacy_suffixes[k])))
			c->v[c->len - 1].m = m;
		else
			registry_manifest_free(&m);
	}
out:
	json_decref(index);
	buf_free(&tag);
	return rc ? err_wrap(rc, "finding the referrers of %s in %s/%s", subject,
			     registry_host(fd->src), fd->repo)
		  : 0;
}

/*
 * Where to look, in one round trip: whether the API answers about the first subject, and the
 * repository's tags (the tag schema's indexes and cosign's tags of every subject and of every
 * referrer found are among them: one listing instead of four reads per digest).
 */
static int start_job(void *ctx, size_t i)
{
	struct find *fd = ctx;
	int rc;

	if (i == 1)
		return registry_tag_list(fd->src, fd->repo, &fd->tags);
	rc = registry_referrers_api(fd->src, fd->repo, fd->subjects[0], &fd->first);
	fd->api = !rc;
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	return rc;
}

static int probe_job(void *ctx, size_t i)
{
	return probe_subject(ctx, i);
}

static int fetch_job(void *ctx, size_t i)
{
	struct find *fd = ctx;
	struct cand *c = fd->flat[i];

	if (c->skip || c->m.digest)
		return 0;
	return registry_manifest_get(fd->src, fd->repo, c->digest, &c->m);
}

static int found_already(const struct registry_carry_set *out, const char *digest,
			 const char *tag)
{
	for (size_t i = 0; i < out->len; i++)
		if (!strcmp(out->items[i].m.digest, digest) &&
		    !!tag == !!out->items[i].legacy_tag &&
		    (!tag || !strcmp(tag, out->items[i].legacy_tag)))
			return 1;
	return 0;
}

/* The artifact type of a manifest: its own, else (not for a legacy tag, whose config is an
 * image config) its config's media type. malloc'd, NULL when none. */
static int artifact_type_of(const struct registry_manifest *m, int legacy, char **out)
{
	json_t *j = json_loadb(m->body.data, m->body.len, 0, NULL);
	const char *at;

	*out = NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(E_INTEGRITY, "referrer %s is not a JSON manifest", m->digest);
	}
	at = json_string_value(json_object_get(j, "artifactType"));
	if (!at && !legacy)
		at = json_string_value(json_object_get(json_object_get(j, "config"), "mediaType"));
	if (at && !(*out = strdup(at))) {
		json_decref(j);
		return err_set(E_NOMEM, "out of memory");
	}
	json_decref(j);
	return 0;
}

/* Moves the accepted candidates of a level into out; their digests are the next subjects. */
static int accept_level(struct find *fd, struct registry_carry_set *out, struct strlist *next)
{
	int rc = 0;

	for (size_t i = 0; i < fd->nflat && !rc; i++) {
		struct cand *c = fd->flat[i];
		struct registry_carry_item *it, *ni;
		char *at = NULL;

		if (c->skip)
			continue;
		if ((rc = artifact_type_of(&c->m, c->legacy_tag != NULL, &at)))
			break;
		if (!registry_carry_filter_allows(fd->f, at, c->legacy_suffix) ||
		    found_already(out, c->m.digest, c->legacy_tag)) {
			free(at);
			continue;
		}
		if (out->len >= REGISTRY_CARRY_MAX) {
			free(at);
			rc = err_set(E_LIMIT, "more than %d referrers to carry", REGISTRY_CARRY_MAX);
			break;
		}
		if (!(ni = realloc(out->items, (out->len + 1) * sizeof(*ni)))) {
			free(at);
			rc = err_set(E_NOMEM, "out of memory");
			break;
		}
		out->items = ni;
		it = &out->items[out->len++];
		memset(it, 0, sizeof(*it));
		it->subject = c->subject;
		it->legacy_tag = c->legacy_tag;
		it->artifact_type = at;
		it->kind = registry_carry_kind(at, c->legacy_suffix);
		it->m = c->m;
		c->subject = c->legacy_tag = NULL;
		memset(&c->m, 0, sizeof(c->m));
		if (!strlist_contains(next, it->m.digest))
			rc = strlist_add(next, it->m.digest);
	}
	return rc;
}

int registry_carry_find(struct registry *src, const char *repo, const char *const *subjects,
			size_t nsubjects, const struct registry_carry_filter *f, unsigned threads,
			struct registry_carry_set *out)
{
	struct strlist level = STRLIST_INIT, next = STRLIST_INIT;
	struct find fd;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&fd, 0, sizeof(fd));
	fd.src = src;
	fd.repo = repo;
	fd.f = f;
	if (f->none || !nsubjects)
		return 0;
	for (size_t i = 0; i < nsubjects && !rc; i++)
		if (!strlist_contains(&level, subjects[i]))
			rc = strlist_add(&level, subjects[i]);
	fd.subjects = (const char *const *)level.items;
	if (!rc && (rc = par_run(2, threads, start_job, &fd)))
		rc = err_wrap(rc, "finding the referrers of %s in %s/%s", subjects[0],
			      registry_host(src), repo);
	for (int depth = 0; !rc && level.len && depth < REGISTRY_CARRY_DEPTH; depth++) {
		size_t n = 0;

		fd.subjects = (const char *const *)level.items;
		fd.depth = depth;
		if (!(fd.per = calloc(level.len, sizeof(*fd.per)))) {
			rc = err_set(E_NOMEM, "out of memory");
			break;
		}
		if ((rc = par_run(level.len, threads, probe_job, &fd)))
			goto level_out;
		for (size_t i = 0; i < level.len; i++)
			n += fd.per[i].len;
		if (!(fd.flat = calloc(n ? n : 1, sizeof(*fd.flat)))) {
			rc = err_set(E_NOMEM, "out of memory");
			goto level_out;
		}
		fd.nflat = 0;
		for (size_t i = 0; i < level.len; i++)
			for (size_t k = 0; k < fd.per[i].len; k++) {
				struct cand *c = &fd.per[i].v[k];

				/* Listed twice (under two subjects, or API and tag): read once. */
				for (size_t j = 0; c->digest && j < fd.nflat; j++)
					if (fd.flat[j]->digest && !strcmp(fd.flat[j]->digest, c->digest))
						c->skip = 1;
				if (c->digest && !c->skip && found_already(out, c->digest, NULL))
					c->skip = 1;
				fd.flat[fd.nflat++] = c;
			}
		if (!(rc = par_run(fd.nflat, threads, fetch_job, &fd)))
			rc = accept_level(&fd, out, &next);
level_out:
		for (size_t i = 0; fd.per && i < level.len; i++)
			cands_free(&fd.per[i]);
		free(fd.per);
		free(fd.flat);
		fd.per = NULL;
		fd.flat = NULL;
		strlist_clear(&level);
		level = next;
		memset(&next, 0, sizeof(next));
	}
	out->src_api = fd.api;
	json_decref(fd.first);
	strlist_clear(&fd.tags);
	strlist_clear(&level);
	strlist_clear(&next);
	if (rc)
		registry_carry_set_free(out);
	return rc;
}

/* ---- writing ---- */

void registry_carry_stats_free(struct registry_carry_stats *st)
{
	if (st)
		strlist_clear(&st->refused);
}

struct put {
	struct registry *src, *dst;
	const char *src_repo, *dst_repo;
	const struct registry_carry_set *set;
	int *present;
	int *refused;  /* the target refused it for its subject (an image index) */
	int dst_api;
	/* The distinct blobs of the artifacts to put, each made present once: docker-registry
	 * rewrites a repository's blob link on every mount, and a manifest PUT reading it
	 * meanwhile is refused (DIGEST_INVALID), so no two requests touch one blob at once. */
	struct strlist blob_digests;
	uint64_t *blob_sizes;
	enum registry_copy_how *how;
};

static int head_job(void *ctx, size_t i)
{
	struct put *p = ctx;
	char *have = NULL;
	int rc = registry_manifest_head(p->dst, p->dst_repo, p->set->items[i].m.digest, &have,
					NULL);

	free(have);
	p->present[i] = !rc;
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	return rc;
}

/* The blobs of an image manifest item (an index item is copied whole, see put_job). */
static int add_blobs(struct put *p, const struct registry_carry_item *it)
{
	json_t *m = json_loadb(it->m.body.data, it->m.body.len, 0, NULL);
	json_t *layers = json_object_get(m, "layers"), *d;
	size_t i, n = json_array_size(layers);
	int rc = 0;

	for (i = 0; i <= n && !rc; i++) {
		const char *digest;
		json_t *sz;

		d = i < n ? json_array_get(layers, i) : json_object_get(m, "config");
		if (!d || json_object_get(d, "urls"))
			continue;
		digest = json_string_value(json_object_get(d, "digest"));
		sz = json_object_get(d, "size");
		if (!digest || !registry_digest_valid(digest) || strncmp(digest, "sha256:", 7) ||
		    !json_is_integer(sz) || json_integer_value(sz) < 0) {
			rc = err_set(E_INTEGRITY, "referrer %s: a descriptor without a sha256 digest "
						  "and size", it->m.digest);
			break;
		}
		if (strlist_contains(&p->blob_digests, digest))
			continue;
		if (!(rc = strlist_add(&p->blob_digests, digest))) {
			uint64_t *ns = realloc(p->blob_sizes,
					       p->blob_digests.len * sizeof(*ns));

			if (!ns)
				rc = err_set(E_NOMEM, "out of memory");
			else
				(p->blob_sizes = ns)[p->blob_digests.len - 1] =
					(uint64_t)json_integer_value(sz);
		}
	}
	json_decref(m);
	return rc;
}

static int blob_job(void *ctx, size_t i)
{
	struct put *p = ctx;

	return registry_blob_copy(p->src, p->src_repo, p->dst, p->dst_repo,
				  p->blob_digests.items[i], p->blob_sizes[i], &p->how[i]);
}

static int put_job(void *ctx, size_t i)
{
	struct put *p = ctx;
	const struct registry_carry_item *it = &p->set->items[i];
	int rc;

	if (p->present[i])
		return 0;
	for (size_t k = 0; k < i; k++) /* one manifest under two names (listed and tagged) */
		if (!strcmp(p->set->items[k].m.digest, it->m.digest))
			return 0;
	if (registry_media_type_is_index(it->m.media_type)) {
		struct registry_copy_dest d = { p->dst, p->dst_repo, 1 };
		struct registry_copy_stats st = { 0 };

		rc = registry_image_copy(p->src, p->src_repo, &it->m, &d, 1, 1, &st);
	} else {
		rc = registry_manifest_put(p->dst, p->dst_repo, it->m.digest, it->m.media_type,
					   it->m.body.data, it->m.body.len, NULL);
	}
	if (rc == E_SUBJECT) { /* not carried, reported: see carry.h */
		err_clear();
		p->refused[i] = 1;
		rc = 0;
	}
	return rc;
}

/* Whether the item belongs in the target's "sha256-<hex>" index of its subject: it is there
 * (not refused), and the API does not list it (no API, or no subject of its own). */
static int needs_tag_index(const struct put *p, size_t i)
{
	const struct registry_carry_item *it = &p->set->items[i];
	json_t *j;
	int has_subject;

	if (it->legacy_tag || p->refused[i])
		return 0;
	if (!p->dst_api)
		return 1;
	j = json_loadb(it->m.body.data, it->m.body.len, 0, NULL);
	has_subject = json_is_object(json_object_get(j, "subject"));
	json_decref(j);
	return !has_subject;
}

/* The descriptor of an item for a referrers index. A new reference. */
static json_t *descriptor_of(const struct registry_carry_item *it)
{
	json_t *m = json_loadb(it->m.body.data, it->m.body.len, 0, NULL);
	json_t *d = json_pack("{s:s, s:s, s:I}", "mediaType", it->m.media_type, "digest",
			      it->m.digest, "size", (json_int_t)it->m.body.len);
	json_t *ann = json_object_get(m, "annotations");

	if (d && it->artifact_type &&
	    json_object_set_new(d, "artifactType", json_string(it->artifact_type))) {
		json_decref(d);
		d = NULL;
	}
	if (d && json_is_object(ann) && json_object_size(ann) &&
	    json_object_set(d, "annotations", ann)) {
		json_decref(d);
		d = NULL;
	}
	json_decref(m);
	return d;
}

static int put_json(struct registry *r, const char *repo, const char *ref, const char *mt,
		    const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	int rc;

	if (!s)
		return err_set(E_NOMEM, "out of memory");
	rc = registry_manifest_put(r, repo, ref, mt, s, strlen(s), NULL);
	free(s);
	return rc;
}

/* Without the referrers API: the target's "sha256-<hex>" index of subject gains the items
 * that refer to it and are not listed yet. */
static int update_tag_index(struct put *p, const char *subject)
{
	struct buf tag = BUF_INIT;
	json_t *index = NULL, *list;
	int rc, changed = 0;

	if ((rc = registry_referrers_tag_get(p->dst, p->dst_repo, subject, &index)))
		goto out;
	list = json_object_get(index, "manifests");
	for (size_t i = 0; i < p->set->len && !rc; i++) {
		const struct registry_carry_item *it = &p->set->items[i];
		int listed = 0;

		if (!needs_tag_index(p, i) || strcmp(it->subject, subject))
			continue;
		for (size_t k = 0; k < json_array_size(list) && !listed; k++) {
			const char *d = json_string_value(
				json_object_get(json_array_get(list, k), "digest"));

			listed = d && !strcmp(d, it->m.digest);
		}
		if (listed)
			continue;
		if (json_array_append_new(list, descriptor_of(it)))
			rc = err_set(E_NOMEM, "out of memory");
		changed = 1;
	}
	if (!rc && changed && !(rc = registry_referrers_tag_name(&tag, subject)))
		rc = put_json(p->dst, p->dst_repo, buf_cstr(&tag), REGISTRY_MT_OCI_INDEX, index);
out:
	json_decref(index);
	buf_free(&tag);
	return rc;
}

/*
 * A legacy tag at the target: written when absent; kept when it is at the same manifest;
 * merged when it is at another (cosign appends each signature as a layer of the one manifest
 * under the tag: the target's layers stay, the source's missing ones are appended).
 */
static int put_legacy(struct put *p, const struct registry_carry_item *it)
{
	struct registry_manifest have = { 0 };
	json_t *mine = NULL, *theirs = NULL, *tl;
	const json_t *l;
	size_t i;
	int rc = registry_manifest_get(p->dst, p->dst_repo, it->legacy_tag, &have);

	if (rc == E_NOTFOUND) {
		err_clear();
		rc = registry_manifest_put(p->dst, p->dst_repo, it->legacy_tag, it->m.media_type,
					   it->m.body.data, it->m.body.len, NULL);
		goto out;
	}
	if (rc || !strcmp(have.digest, it->m.digest))
		goto out;
	mine = json_loadb(it->m.body.data, it->m.body.len, 0, NULL);
	theirs = json_loadb(have.body.data, have.body.len, 0, NULL);
	if (!json_is_array(tl = json_object_get(theirs, "layers"))) {
		rc = err_set(E_INTEGRITY, "%s/%s:%s is not a manifest with layers",
			     registry_host(p->dst), p->dst_repo, it->legacy_tag);
		goto out;
	}
	json_array_foreach(json_object_get(mine, "layers"), i, l) {
		const char *d = json_string_value(json_object_get(l, "digest"));
		int there = 0;

		for (size_t k = 0; d && k < json_array_size(tl) && !there; k++)
			there = json_equal(json_array_get(tl, k), (json_t *)l);
		if (d && !there && json_array_append(tl, (json_t *)l)) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
	}
	rc = put_json(p->dst, p->dst_repo, it->legacy_tag, have.media_type, theirs);
out:
	json_decref(mine);
	json_decref(theirs);
	registry_manifest_free(&have);
	return rc ? err_wrap(rc, "writing %s/%s:%s", registry_host(p->dst), p->dst_repo,
			     it->legacy_tag)
		  : 0;
}

int registry_carry_put(struct registry *src, const char *src_repo, struct registry *dst,
		       const char *dst_repo, const struct registry_carry_set *set, unsigned threads,
		       struct registry_carry_stats *st)
{
	struct strlist subjects = STRLIST_INIT;
	struct put p;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (!set->len)
		return 0;
	memset(&p, 0, sizeof(p));
	p.src = src;
	p.dst = dst;
	p.src_repo = src_repo;
	p.dst_repo = dst_repo;
	p.set = set;
	if (!(p.present = calloc(set->len, sizeof(*p.present))) ||
	    !(p.refused = calloc(set->len, sizeof(*p.refused)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	p.dst_api = st->dst_api = registry_referrers_supported(dst, dst_repo);
	if ((rc = par_run(set->len, threads, head_job, &p)))
		goto out;
	for (size_t i = 0; i < set->len && !rc; i++)
		if (!p.present[i] && !registry_media_type_is_index(set->items[i].m.media_type))
			rc = add_blobs(&p, &set->items[i]);
	if (rc)
		goto out;
	/* Every blob, then every artifact by digest: the tags below name only what is there. */
	if (p.blob_digests.len &&
	    !(p.how = calloc(p.blob_digests.len, sizeof(*p.how)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = par_run(p.blob_digests.len, threads, blob_job, &p)) ||
	    (rc = par_run(set->len, threads, put_job, &p)))
		goto out;
	for (size_t i = 0; i < p.blob_digests.len; i++) {
		st->blobs.mounted += p.how[i] == REGISTRY_COPY_MOUNTED;
		st->blobs.copied += p.how[i] == REGISTRY_COPY_COPIED;
		st->blobs.present += p.how[i] == REGISTRY_COPY_PRESENT;
	}
	for (size_t i = 0; i < set->len; i++) /* put once under two names (see put_job) */
		for (size_t k = 0; k < i && !p.refused[i]; k++)
			p.refused[i] = p.refused[k] &&
				       !strcmp(set->items[k].m.digest, set->items[i].m.digest);
	for (size_t i = 0; i < set->len; i++) {
		if (p.refused[i]) {
			struct buf what = BUF_INIT;

			if (!(rc = buf_printf(&what, "%s %s", set->items[i].kind,
					      set->items[i].m.digest)) &&
			    !strlist_contains(&st->refused, buf_cstr(&what)))
				rc = strlist_add(&st->refused, buf_cstr(&what));
			buf_free(&what);
			if (rc)
				goto out;
			continue;
		}
		st->present += p.present[i] != 0;
		st->copied += !p.present[i];
		st->blobs.manifests_put += !p.present[i];
		if (needs_tag_index(&p, i) && !strlist_contains(&subjects, set->items[i].subject) &&
		    (rc = strlist_add(&subjects, set->items[i].subject)))
			goto out;
	}
	for (size_t i = 0; i < subjects.len && !rc; i++)
		rc = update_tag_index(&p, subjects.items[i]);
	for (size_t i = 0; i < set->len && !rc; i++)
		if (set->items[i].legacy_tag && !p.refused[i])
			rc = put_legacy(&p, &set->items[i]);
out:
	strlist_clear(&subjects);
	strlist_clear(&p.blob_digests);
	free(p.blob_sizes);
	free(p.how);
	free(p.present);
	free(p.refused);
	return rc ? err_wrap(rc, "carrying the referrers into %s/%s", registry_host(dst), dst_repo)
		  : 0;
}
