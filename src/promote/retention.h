/*
 * promote/retention: the plan of `convoy prune`, pure (no I/O; promote/retention_scan.c finds
 * what is in the repository). Given every manifest found in one repository (tagged images,
 * manifests the ledger names, platform manifests of indexes, referrers, cosign attachments,
 * the "sha256-<hex>" referrers indexes) and what the pipeline's stages need (the digests their
 * tags point at now, their promotion history), it decides of each manifest: delete, or keep
 * and why.
 *
 * The distribution API cannot delete a tag alone: deleting a manifest removes every tag at
 * it. So the verdict is per digest, and one reason to keep (any of its tags) keeps it.
 * Kept: a stage's current digest; the last N digests each stage had before it (its rollback
 * targets, from the ledger); a manifest with a tag outside convoy's patterns (unless a
 * --tag-pattern names it); one younger than the age limit or of unknown age; then, until
 * nothing changes, every platform manifest of a kept index and everything that refers to a
 * kept manifest (signatures, SBOMs, attestations, ledger records, the referrers index).
 * Deleted: the rest, which includes the referrers and attachments of deleted manifests and
 * those whose subject is gone.
 */
#ifndef CONVOY_PROMOTE_RETENTION_H
#define CONVOY_PROMOTE_RETENTION_H

#include <stddef.h>

#include "meta/regex.h"
#include "util/buf.h"
#include "util/strlist.h"

enum retention_kind {
	RETENTION_IMAGE,           /* an image or index: tagged, or named by the ledger */
	RETENTION_PLATFORM,        /* a manifest an index lists (maybe tagged as well) */
	RETENTION_REFERRER,        /* an artifact with a subject: ledger record, signature, SBOM */
	RETENTION_ATTACHMENT,      /* under a cosign "sha256-<hex>.sig|.att|.sbom" tag */
	RETENTION_REFERRERS_INDEX, /* the "sha256-<hex>" referrers tag schema index */
};

struct retention_item {
	char *digest;
	enum retention_kind kind;
	char *media_type;        /* NULL when not read */
	struct strlist tags;
	char *subject;           /* referrers, attachments, referrers indexes: what they are about */
	struct strlist children; /* an index's manifests; a referrers index's entries */
	long long time_ms;       /* its age counts from here: -1 unknown */
	const char *time_src;    /* "ledger" (the newest promotion), "created" (config), NULL */
	int absent;              /* not in the registry (the subject of a tag left behind) */
	/* The verdict. */
	int keep;
	char *reason;
};

struct retention_set {
	struct retention_item *items;
	size_t len, cap;
};

/* The item of digest, or NULL. */
struct retention_item *retention_find(const struct retention_set *s, const char *digest);
/* The item of digest, added (zeroed, time -1) when missing; *added (may be NULL) = 1 then. */
int retention_get(struct retention_set *s, const char *digest, enum retention_kind kind,
		  struct retention_item **out, int *added);
/* The item a tag points at, or NULL. */
struct retention_item *retention_find_tag(const struct retention_set *s, const char *tag);
void retention_set_free(struct retention_set *s);

struct retention_stage {
	const char *name;
	struct strlist current;   /* digests its tags point at now, in this repository */
	struct strlist history;   /* digests it had, newest first (each record's digest, then
				     its previous digest), as promote_history lists them */
	struct strlist templates; /* its tag templates in this repository ("qa", "{{version}}") */
};

struct retention_opts {
	size_t keep;              /* rollback targets kept per stage */
	long long older_than_ms;
	long long now_ms;
	struct meta_regex *const *patterns; /* --tag-pattern: more tags convoy may delete */
	size_t npatterns;
};

/* The stage's rollback targets: the first `keep` distinct digests of its history that are
 * not current, into out. */
int retention_rollback_targets(const struct retention_stage *st, size_t keep,
			       struct strlist *out);

/*
 * Whether a tag is one convoy may delete with its manifest: a stage's tag (a template's
 * literal parts must match, each {{...}} stands for one or more characters; a template that is
 * only a placeholder matches nothing by itself), sha-<hex> (type=sha), a semver-looking
 * version (v1, 1.2, v1.2.3-rc.1+build), the referrers and cosign tags, or a --tag-pattern.
 */
int retention_tag_is_convoy(const char *tag, const struct retention_stage *st, size_t nst,
			    const struct retention_opts *o);

/* Decides every item's verdict (keep, reason). */
int retention_plan(struct retention_set *s, const struct retention_stage *st, size_t nst,
		   const struct retention_opts *o);

/* "340d", "12h", "5m": an age as the plan table shows it. */
int retention_age_str(struct buf *out, long long ms);

#endif
