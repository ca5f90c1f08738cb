/*
 * promote/history: reading the ledger, and a stage's history: walked from the stage's tag back
 * through previous digests (one ledger read per record), and, where that chain breaks (a tag
 * moved outside convoy), continued from a listing of the repository's referrers tags. See
 * promote.h and store.h.
 */
#include "promote/promote.h"

#include <stdlib.h>
#include <string.h>

#include "promote/store.h"
#include "registry/reference.h"
#include "registry/referrers.h"
#include "util/err.h"
#include "util/par.h"

/* Ledger indexes read at once when the walk falls back to listing them (as promote/). */
#define HISTORY_THREADS 8

int promote_repo_open(struct registry_sessions *rs, const char *repository,
		      struct registry **reg, char **path)
{
	struct registry_ref ref;
	int rc;

	*reg = NULL;
	*path = NULL;
	if ((rc = registry_ref_parse_repo(&ref, repository)))
		return rc;
	if (!(rc = registry_sessions_get(rs, registry_ref_api_host(&ref), reg))) {
		*path = ref.path;
		ref.path = NULL;
	}
	registry_ref_free(&ref);
	return rc;
}

int promote_ledger_from_index(const json_t *index, const char *digest,
			      struct ledger_records *out)
{
	const json_t *m;
	size_t i;
	int rc = 0;

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
		if (json_is_string(json_object_get(m, "digest")) &&
		    !(rec.manifest_digest = strdup(json_string_value(json_object_get(m, "digest"))))) {
			ledger_record_free(&rec);
			rc = err_set(E_NOMEM, "out of memory");
			break;
		}
		if ((rc = ledger_records_add(out, &rec)))
			break;
	}
	return rc;
}

/* api: 1 the referrers API, 0 the tag schema, -1 not known (the API, else the tag schema). */
static int ledger_read(struct registry *reg, const char *path, const char *digest, int api,
		       struct ledger_records *out)
{
	json_t *index = NULL;
	int rc = api > 0   ? registry_referrers_list(reg, path, digest, &index)
		 : api == 0 ? registry_referrers_tag_get(reg, path, digest, &index)
			    : registry_referrers_get(reg, path, digest, &index, &api);

	if (!rc)
		rc = promote_ledger_from_index(index, digest, out);
	json_decref(index);
	return rc ? err_wrap(rc, "reading the ledger of %s/%s@%s", registry_host(reg), path, digest)
		  : 0;
}

int promote_ledger_read(struct registry *reg, const char *path, const char *digest,
			struct ledger_records *out)
{
	return ledger_read(reg, path, digest, -1, out);
}

int promote_ledger_read_known(struct registry *reg, const char *path, const char *digest,
			      int api, struct ledger_records *out)
{
	return ledger_read(reg, path, digest, api ? 1 : 0, out);
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Whether tag is a referrers tag schema name: "sha256-" and 64 lowercase hex digits. */
static int is_referrers_tag(const char *tag)
{
	size_t i;

	if (strncmp(tag, "sha256-", 7))
		return 0;
	for (i = 7; tag[i]; i++)
		if (!((tag[i] >= '0' && tag[i] <= '9') || (tag[i] >= 'a' && tag[i] <= 'f')))
			return 0;
	return i == 7 + 64;
}

struct ledger_scan {
	struct registry *reg;
	const char *path;
	struct strlist tags;          /* tags to resolve (the referrers API case) */
	char **tag_digest;            /* per tag */
	struct strlist digests;       /* "sha256:<hex>" subjects to read the ledger of */
	struct ledger_records *found; /* per digest */
	int api;                      /* read through the referrers API, not the tag schema */
};

static int scan_one(void *ctx, size_t i)
{
	struct ledger_scan *s = ctx;
	int rc = promote_ledger_read_known(s->reg, s->path, s->digests.items[i], s->api,
					   &s->found[i]);

	if (rc == E_INTEGRITY) { /* a tag of the schema's form that is no index: not a ledger */
		err_clear();
		return 0;
	}
	return rc;
}

static int resolve_one(void *ctx, size_t i)
{
	struct ledger_scan *s = ctx;
	int rc = registry_manifest_head(s->reg, s->path, s->tags.items[i], &s->tag_digest[i], NULL);

	if (rc == E_NOTFOUND) { /* deleted meanwhile */
		err_clear();
		rc = 0;
	}
	return rc;
}

#define SCAN_MAX_TAGS 1000

/*
 * With the referrers API the records have no tag: the subjects are found as the digests of
 * the repository's tags (the images promoted there keep a tag, such as a version, or are at
 * one of the stage's tags), at most SCAN_MAX_TAGS of them, resolved 8 at a time.
 */
static int scan_tagged_subjects(struct ledger_scan *s, const struct strlist *tags)
{
	int rc = 0;

	for (size_t i = 0; i < tags->len && s->tags.len < SCAN_MAX_TAGS && !rc; i++)
		rc = strlist_add(&s->tags, tags->items[i]);
	if (rc || !s->tags.len)
		return rc;
	if (!(s->tag_digest = calloc(s->tags.len, sizeof(*s->tag_digest))))
		return err_set(E_NOMEM, "out of memory");
	if ((rc = par_run(s->tags.len, HISTORY_THREADS, resolve_one, s)))
		return rc;
	for (size_t i = 0; i < s->tags.len && !rc; i++)
		if (s->tag_digest[i] && !strlist_contains(&s->digests, s->tag_digest[i]))
			rc = strlist_add(&s->digests, s->tag_digest[i]);
	return rc;
}

/*
 * Every convoy record in reg/path (into all), without knowing the subjects: the repository's
 * tags are listed and every "sha256-<hex>" referrers index is read (the tag schema), or, on a
 * registry with the referrers API, every tag is resolved and the API asked about each digest
 * as well (such a registry may hold both: the records it refused with an image index as their
 * subject are in the tag schema, ECR's quirk, see registry/referrers.h). Reads go 8 at a
 * time. What history falls back to when the walk through previous digests breaks (a tag
 * moved outside convoy leaves a digest with no record).
 */
static int ledger_scan(struct registry *reg, const char *path, struct ledger_records *all)
{
	struct ledger_scan s = { reg, path, STRLIST_INIT, NULL, STRLIST_INIT, NULL, 0 };
	struct strlist tags = STRLIST_INIT;
	int rc;

	if ((rc = registry_tag_list(reg, path, &tags))) {
		err_wrap(rc, "listing the tags that hold the ledger");
		goto out;
	}
	for (size_t i = 0; i < tags.len && !rc; i++) {
		char d[7 + 64 + 1];

		if (!is_referrers_tag(tags.items[i]))
			continue;
		memcpy(d, "sha256:", 7);
		memcpy(d + 7, tags.items[i] + 7, 64 + 1);
		rc = strlist_add(&s.digests, d);
	}
	if (!rc && tags.len && (s.api = registry_referrers_supported(reg, path)))
		rc = scan_tagged_subjects(&s, &tags);
	if (rc || !s.digests.len)
		goto out;
	if (!(s.found = calloc(s.digests.len, sizeof(*s.found)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = par_run(s.digests.len, HISTORY_THREADS, scan_one, &s)))
		goto out;
	for (size_t i = 0; i < s.digests.len && !rc; i++)
		for (size_t k = 0; k < s.found[i].len && !rc; k++)
			rc = ledger_records_add(all, &s.found[i].items[k]);
out:
	for (size_t i = 0; s.found && i < s.digests.len; i++)
		ledger_records_free(&s.found[i]);
	free(s.found);
	for (size_t i = 0; s.tag_digest && i < s.tags.len; i++)
		free(s.tag_digest[i]);
	free(s.tag_digest);
	strlist_clear(&s.tags);
	strlist_clear(&s.digests);
	strlist_clear(&tags);
	return rc;
}

/* Whether l has r already (the same record read twice: one subject, time and stage). */
static int records_have(const struct ledger_records *l, const struct ledger_record *r)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct ledger_record *c = &l->items[i];

		if (!strcmp(c->time, r->time) && !strcmp(c->digest, r->digest) &&
		    !strcmp(c->to, r->to) && !strcmp(c->kind ? c->kind : "", r->kind ? r->kind : ""))
			return 1;
	}
	return 0;
}

/*
 * Continues a broken walk from the ledger itself: the promotions to stage in all older than
 * `before` (NULL: any), newest first, appended to out up to limit.
 */
static int add_older(struct ledger_records *out, struct ledger_records *all, const char *stage,
		     const char *before, size_t limit)
{
	int rc = 0;

	ledger_records_sort(all);
	for (size_t i = 0; i < all->len && out->len < limit && !rc; i++) {
		const struct ledger_record *c = &all->items[i];
		struct ledger_record copy;

		if (strcmp(c->to, stage) || ledger_record_is_deploy(c) ||
		    (before && strcmp(c->time, before) >= 0) || records_have(out, c))
			continue;
		if (!(rc = ledger_record_copy(&copy, c)))
			rc = ledger_records_add(out, &copy);
	}
	return rc;
}

/* The deploy records in stage (from l) of the digests in `digests`, unless out has them. */
static int add_deploys(struct ledger_records *out, const struct ledger_records *l,
		       const char *stage, const struct strlist *digests)
{
	int rc = 0;

	for (size_t i = 0; i < l->len && !rc; i++) {
		const struct ledger_record *c = &l->items[i];
		struct ledger_record copy;

		if (!ledger_record_is_deploy(c) || strcmp(c->to, stage) ||
		    !strlist_contains(digests, c->digest) || records_have(out, c))
			continue;
		if (!(rc = ledger_record_copy(&copy, c)))
			rc = ledger_records_add(out, &copy);
	}
	return rc;
}

int promote_history(struct registry_sessions *rs, const struct pipeline *p, const char *stage,
		    size_t limit, int with_deploys, struct ledger_records *out, char **current,
		    int *untracked)
{
	const struct pipeline_stage *s = pipeline_stage_find(p, stage, NULL);
	struct ledger_records seen = { 0 }, all = { 0 };
	struct strlist fetched = STRLIST_INIT;
	struct registry *reg = NULL;
	char *path = NULL, *d = NULL, *before = NULL;
	const char *tag;
	int rc;

	memset(out, 0, sizeof(*out));
	*current = NULL;
	if (untracked)
		*untracked = 0;
	if (!s)
		return pipeline_stage_unknown(p, "stage", stage);
	if (!(tag = promote_stage_pointer_tag(&s->repos[0])))
		return err_set(E_USAGE, "stage '%s': its first repository has no plain tag to "
					"follow", stage);
	if ((rc = promote_repo_open(rs, s->repos[0].repository, &reg, &path)))
		return rc;
	/* A rollback aims from it: read and hashed, not taken from a header. */
	rc = registry_manifest_digest(reg, path, tag, &d);
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
			    (rc = promote_ledger_read(reg, path, d, &seen)))
				goto out;
		}
		for (size_t i = 0; i < seen.len; i++) {
			const struct ledger_record *c = &seen.items[i];

			if (strcmp(c->to, stage) || strcmp(c->digest, d) ||
			    ledger_record_is_deploy(c) || (before && strcmp(c->time, before) >= 0))
				continue;
			if (!rec || strcmp(c->time, rec->time) > 0)
				rec = c;
		}
		if (!rec) {
			if (untracked && !out->len)
				*untracked = 1; /* at the current digest: moved outside convoy */
			break;
		}
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
	/*
	 * The walk stopped at a digest with no record of its promotion here (the tag was moved
	 * outside convoy, now or before a recorded promotion): the records older than the last
	 * one walked are still in the ledger, found by listing it. An intact chain ends with no
	 * previous digest (or at the limit) and costs no listing.
	 */
	if (d && out->len < limit) {
		if ((rc = ledger_scan(reg, path, &all)) ||
		    (rc = add_older(out, &all, stage, before, limit)))
			goto out;
		for (size_t i = 0; i < out->len && !rc; i++)
			if (!strlist_contains(&fetched, out->items[i].digest))
				rc = strlist_add(&fetched, out->items[i].digest);
		if (rc)
			goto out;
	}
	/* The deploys of the digests listed, after the promotion that brought each in. */
	if (with_deploys && !(rc = add_deploys(out, &seen, stage, &fetched)) &&
	    !(rc = add_deploys(out, &all, stage, &fetched)))
		ledger_records_sort(out);
out:
	ledger_records_free(&seen);
	ledger_records_free(&all);
	strlist_clear(&fetched);
	free(path);
	free(d);
	free(before);
	if (rc) {
		ledger_records_free(out);
		free(*current);
		*current = NULL;
		if (untracked)
			*untracked = 0;
	}
	return rc;
}
