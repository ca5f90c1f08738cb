/* promote/retention_scan: reading a repository for prune. See retention_scan.h. */
#include "promote/retention_scan.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "meta/datefmt.h"
#include "promote/store.h"
#include "registry/referrers.h"
#include "util/err.h"
#include "util/par.h"

#define SCAN_THREADS 8
#define SCAN_MAX_CONFIG (1024 * 1024)
/* Rounds of discovery (subjects, then an index's platforms, then nothing new). */
#define SCAN_MAX_ROUNDS 6

struct fetch {
	struct registry *reg;
	const char *path;
	const struct strlist *refs;
	struct registry_manifest *m;
	int *missing;
};

static int fetch_one(void *ctx, size_t i)
{
	struct fetch *f = ctx;
	int rc = registry_manifest_get(f->reg, f->path, f->refs->items[i], &f->m[i]);

	if (rc == E_NOTFOUND) {
		err_clear();
		f->missing[i] = 1;
		rc = 0;
	}
	return rc;
}

static void fetch_free(struct fetch *f)
{
	for (size_t i = 0; f->m && i < f->refs->len; i++)
		registry_manifest_free(&f->m[i]);
	free(f->m);
	free(f->missing);
}

static int fetch_all(struct registry *reg, const char *path, const struct strlist *refs,
		     struct fetch *f)
{
	memset(f, 0, sizeof(*f));
	f->reg = reg;
	f->path = path;
	f->refs = refs;
	if (!refs->len)
		return 0;
	f->m = calloc(refs->len, sizeof(*f->m));
	f->missing = calloc(refs->len, sizeof(*f->missing));
	if (!f->m || !f->missing)
		return err_set(E_NOMEM, "out of memory");
	return par_run(refs->len, SCAN_THREADS, fetch_one, f);
}

/* "sha256-<hex>" (referrers index) -> 1, "sha256-<hex>.sig|.att|.sbom" -> 2, else 0; the
 * subject digest into subj. */
static int tag_schema(const char *tag, char subj[REGISTRY_DIGEST_LEN + 1])
{
	size_t n = strlen(tag);

	if (n < 7 + 64 || strncmp(tag, "sha256-", 7))
		return 0;
	for (size_t i = 7; i < 7 + 64; i++)
		if (!((tag[i] >= '0' && tag[i] <= '9') || (tag[i] >= 'a' && tag[i] <= 'f')))
			return 0;
	memcpy(subj, "sha256:", 7);
	memcpy(subj + 7, tag + 7, 64);
	subj[REGISTRY_DIGEST_LEN] = 0;
	if (n == 7 + 64)
		return 1;
	return !strcmp(tag + 71, ".sig") || !strcmp(tag + 71, ".att") ||
			       !strcmp(tag + 71, ".sbom")
		       ? 2
		       : 0;
}

struct scan {
	struct registry *reg;
	const char *path;
	struct retention_set *s;
	struct ledger_records records;
	struct strlist cfg_item, cfg_digest; /* image digest -> its config digest */
	struct strlist pending;              /* digests to read next round */
	struct strlist pending_subject;      /* of those, subjects: recorded as gone if absent */
	struct strlist tried;                /* read by digest already (found or not) */
	struct strlist asked;                /* images the referrers API was asked about */
	int api;                             /* the registry has the referrers API */
};

static int add_pending(struct scan *sc, const char *d, int subject)
{
	int rc = 0;

	if (!d || strncmp(d, "sha256:", 7) || retention_find(sc->s, d) ||
	    strlist_contains(&sc->tried, d))
		return 0;
	if (!strlist_contains(&sc->pending, d))
		rc = strlist_add(&sc->pending, d);
	if (!rc && subject && !strlist_contains(&sc->pending_subject, d))
		rc = strlist_add(&sc->pending_subject, d);
	return rc;
}

static int is_index(const char *mt)
{
	return mt && (!strcmp(mt, REGISTRY_MT_OCI_INDEX) || !strcmp(mt, REGISTRY_MT_DOCKER_LIST));
}

/* The entries of a referrers index about subject: referrer items, and the records. */
static int add_referrers(struct scan *sc, const json_t *index, const char *subject,
			 struct strlist *children)
{
	const json_t *e;
	size_t i;
	int rc = promote_ledger_from_index(index, subject, &sc->records);

	json_array_foreach(json_object_get(index, "manifests"), i, e)
	{
		const char *d = json_string_value(json_object_get(e, "digest"));
		const char *mt = json_string_value(json_object_get(e, "mediaType"));
		struct retention_item *it;
		int added;

		if (rc || !d || strncmp(d, "sha256:", 7))
			continue;
		if (children && !strlist_contains(children, d) && (rc = strlist_add(children, d)))
			break;
		if ((rc = retention_get(sc->s, d, RETENTION_REFERRER, &it, &added)) || !added)
			continue;
		if (!(it->subject = strdup(subject)) || (mt && !(it->media_type = strdup(mt))))
			rc = err_set(E_NOMEM, "out of memory");
	}
	return rc;
}

/*
 * One manifest read (under tag, or by digest with tag NULL) into the set. kind: what the
 * reference says it is (a referrers tag, a cosign tag, an index's platform, an image).
 */
static int take_manifest(struct scan *sc, const char *tag, const struct registry_manifest *m,
			 enum retention_kind kind, const char *subject)
{
	json_t *root = json_loadb(m->body.data ? m->body.data : "", m->body.len, 0, NULL);
	const char *subj = json_string_value(json_object_get(json_object_get(root, "subject"),
							     "digest"));
	const char *cfg = json_string_value(json_object_get(json_object_get(root, "config"),
							    "digest"));
	struct retention_item *it;
	int added, rc;

	if (subj && kind == RETENTION_IMAGE)
		kind = RETENTION_REFERRER;
	if ((rc = retention_get(sc->s, m->digest, kind, &it, &added)))
		goto out;
	if (tag && !strlist_contains(&it->tags, tag) && (rc = strlist_add(&it->tags, tag)))
		goto out;
	if (!added)
		goto out;
	if (!subject)
		subject = subj;
	if ((m->media_type && !(it->media_type = strdup(m->media_type))) ||
	    (subject && !(it->subject = strdup(subject)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (kind == RETENTION_REFERRERS_INDEX) {
		struct strlist children = STRLIST_INIT;

		rc = add_referrers(sc, root, subject, &children);
		/* it may have moved: the set grew */
		it = retention_find(sc->s, m->digest);
		strlist_clear(&it->children);
		it->children = children;
		if (!rc)
			rc = add_pending(sc, subject, 1);
		goto out;
	}
	if (kind == RETENTION_ATTACHMENT || kind == RETENTION_REFERRER) {
		rc = add_pending(sc, subject, 1);
		goto out;
	}
	if (is_index(m->media_type)) {
		const json_t *e;
		size_t i;

		json_array_foreach(json_object_get(root, "manifests"), i, e)
		{
			const char *d = json_string_value(json_object_get(e, "digest"));

			if (rc || !d || strncmp(d, "sha256:", 7))
				continue;
			if (!strlist_contains(&it->children, d))
				rc = strlist_add(&it->children, d);
			if (!rc)
				rc = add_pending(sc, d, 0);
		}
	} else if (cfg && !strlist_contains(&sc->cfg_item, m->digest)) {
		if (!(rc = strlist_add(&sc->cfg_item, m->digest)))
			rc = strlist_add(&sc->cfg_digest, cfg);
	}
out:
	json_decref(root);
	return rc;
}

/* The kind of a digest read by discovery: a platform when a known index lists it. */
static enum retention_kind discovered_kind(const struct retention_set *s, const char *d)
{
	for (size_t i = 0; i < s->len; i++)
		if (s->items[i].kind != RETENTION_REFERRERS_INDEX &&
		    strlist_contains(&s->items[i].children, d))
			return RETENTION_PLATFORM;
	return RETENTION_IMAGE;
}

static int scan_tags(struct scan *sc)
{
	struct strlist tags = STRLIST_INIT;
	struct fetch f;
	int rc;

	if ((rc = registry_tag_list(sc->reg, sc->path, &tags))) {
		err_wrap(rc, "listing the tags of %s/%s", registry_host(sc->reg), sc->path);
		goto out;
	}
	if ((rc = fetch_all(sc->reg, sc->path, &tags, &f)))
		goto done;
	for (size_t i = 0; i < tags.len && !rc; i++) {
		char subj[REGISTRY_DIGEST_LEN + 1];
		int schema = tag_schema(tags.items[i], subj);

		if (f.missing[i]) /* deleted since the listing */
			continue;
		rc = take_manifest(sc, tags.items[i], &f.m[i],
				   schema == 1   ? RETENTION_REFERRERS_INDEX
				   : schema == 2 ? RETENTION_ATTACHMENT
						 : RETENTION_IMAGE,
				   schema ? subj : NULL);
	}
done:
	fetch_free(&f);
out:
	strlist_clear(&tags);
	return rc;
}

/* With the referrers API, each image's referrers (no tag names them): those of the images
 * not asked about yet, as discovery adds images. */
static int scan_referrers_api(struct scan *sc)
{
	struct strlist images = STRLIST_INIT;
	int rc = 0;

	for (size_t i = 0; i < sc->s->len && !rc; i++) {
		const struct retention_item *it = &sc->s->items[i];

		if ((it->kind == RETENTION_IMAGE || it->kind == RETENTION_PLATFORM) && !it->absent &&
		    !strlist_contains(&sc->asked, it->digest) &&
		    !(rc = strlist_add(&images, it->digest)))
			rc = strlist_add(&sc->asked, it->digest);
	}
	for (size_t i = 0; i < images.len && !rc; i++) {
		json_t *index = NULL;

		rc = registry_referrers_api(sc->reg, sc->path, images.items[i], &index);
		if (rc == E_NOTFOUND) {
			err_clear();
			rc = 0;
		} else if (!rc) {
			rc = add_referrers(sc, index, images.items[i], NULL);
		}
		json_decref(index);
	}
	strlist_clear(&images);
	return rc;
}

/* Reads the pending digests (subjects, platforms, what the ledger names); absent subjects
 * become "gone" items, so that what refers to them is known to be orphaned. */
static int scan_round(struct scan *sc)
{
	struct strlist refs = sc->pending, subjects = sc->pending_subject;
	struct fetch f;
	int rc;

	memset(&sc->pending, 0, sizeof(sc->pending));
	memset(&sc->pending_subject, 0, sizeof(sc->pending_subject));
	if ((rc = fetch_all(sc->reg, sc->path, &refs, &f)))
		goto out;
	for (size_t i = 0; i < refs.len && !rc; i++) {
		struct retention_item *it;

		if ((rc = strlist_add(&sc->tried, refs.items[i])))
			break;
		if (retention_find(sc->s, refs.items[i]))
			continue;
		if (!f.missing[i]) {
			rc = take_manifest(sc, NULL, &f.m[i],
					   discovered_kind(sc->s, refs.items[i]), NULL);
		} else if (strlist_contains(&subjects, refs.items[i]) &&
			   !(rc = retention_get(sc->s, refs.items[i], RETENTION_IMAGE, &it, NULL))) {
			it->absent = 1;
		}
	}
out:
	fetch_free(&f);
	strlist_clear(&refs);
	strlist_clear(&subjects);
	return rc;
}

struct cfg_fetch {
	struct registry *reg;
	const char *path;
	const struct strlist *digests;
	long long *created;
};

static int cfg_sink(const char *data, size_t n, void *ctx)
{
	return buf_add(ctx, data, n) ? 1 : 0;
}

static int cfg_one(void *ctx, size_t i)
{
	struct cfg_fetch *c = ctx;
	struct buf b = BUF_INIT;
	json_t *j;
	const char *created;
	int rc;

	c->created[i] = -1;
	b.max = SCAN_MAX_CONFIG;
	rc = registry_blob_get(c->reg, c->path, c->digests->items[i], 0, cfg_sink, &b);
	if (rc == E_NOTFOUND || rc == E_LIMIT) { /* no config to read: age unknown */
		err_clear();
		buf_free(&b);
		return 0;
	}
	if (!rc) {
		j = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
		created = json_string_value(json_object_get(j, "created"));
		if (created && meta_date_parse_iso(created, &c->created[i]))
			c->created[i] = -1;
		err_clear();
		json_decref(j);
	}
	buf_free(&b);
	return rc;
}

static int scan_ages(struct scan *sc)
{
	struct cfg_fetch c = { sc->reg, sc->path, &sc->cfg_digest, NULL };
	int rc = 0;

	if (sc->cfg_digest.len) {
		if (!(c.created = calloc(sc->cfg_digest.len, sizeof(*c.created))))
			return err_set(E_NOMEM, "out of memory");
		if ((rc = par_run(sc->cfg_digest.len, SCAN_THREADS, cfg_one, &c)))
			goto out;
		for (size_t i = 0; i < sc->cfg_item.len; i++) {
			struct retention_item *it = retention_find(sc->s, sc->cfg_item.items[i]);

			if (it && c.created[i] >= 0) {
				it->time_ms = c.created[i];
				it->time_src = "created";
			}
		}
	}
	/* A promotion's record is the better clock: the image entered a stage then. */
	for (size_t i = 0; i < sc->records.len; i++) {
		const struct ledger_record *r = &sc->records.items[i];
		struct retention_item *it = retention_find(sc->s, r->digest);
		long long t;

		if (!it || ledger_record_is_deploy(r) || meta_date_parse_iso(r->time, &t)) {
			err_clear();
			continue;
		}
		if (!it->time_src || strcmp(it->time_src, "ledger") || t > it->time_ms) {
			it->time_ms = t;
			it->time_src = "ledger";
		}
	}
	/* An index without a record: its newest platform image. */
	for (size_t i = 0; i < sc->s->len; i++) {
		struct retention_item *it = &sc->s->items[i];

		if (!is_index(it->media_type) || it->kind == RETENTION_REFERRERS_INDEX ||
		    it->time_src)
			continue;
		for (size_t k = 0; k < it->children.len; k++) {
			const struct retention_item *p = retention_find(sc->s, it->children.items[k]);

			if (p && p->time_ms > it->time_ms) {
				it->time_ms = p->time_ms;
				it->time_src = "created";
			}
		}
	}
out:
	free(c.created);
	return rc;
}

int retention_scan(struct registry *reg, const char *path, struct retention_set *s)
{
	struct scan sc = { reg, path, s, { 0 }, STRLIST_INIT, STRLIST_INIT, STRLIST_INIT,
			   STRLIST_INIT, STRLIST_INIT, STRLIST_INIT, 0 };
	int rc;

	if ((rc = scan_tags(&sc)))
		goto out;
	sc.api = registry_referrers_supported(reg, path);
	for (int round = 0; round < SCAN_MAX_ROUNDS && !rc; round++) {
		if (sc.api && (rc = scan_referrers_api(&sc)))
			break;
		/* The digests the ledger names: images promoted once, maybe untagged now. */
		for (size_t i = 0; i < sc.records.len && !rc; i++)
			if (!(rc = add_pending(&sc, sc.records.items[i].digest, 0)))
				rc = add_pending(&sc, sc.records.items[i].previous_digest, 0);
		if (rc || !sc.pending.len)
			break;
		rc = scan_round(&sc);
	}
	if (!rc)
		rc = scan_ages(&sc);
out:
	if (rc)
		err_wrap(rc, "reading %s/%s for pruning", registry_host(reg), path);
	ledger_records_free(&sc.records);
	strlist_clear(&sc.cfg_item);
	strlist_clear(&sc.cfg_digest);
	strlist_clear(&sc.pending);
	strlist_clear(&sc.pending_subject);
	strlist_clear(&sc.tried);
	strlist_clear(&sc.asked);
	return rc;
}
