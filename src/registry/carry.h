/*
 * registry/carry: the artifacts that refer to an image (signatures, SBOMs, attestations),
 * carried along with it from one repository to another. Finding (in the source) reads the
 * three places they live: the referrers API (OCI 1.1, paginated) or, without it, the referrers
 * tag schema ("sha256-<hex>" index), and cosign's legacy tags ("sha256-<hex>.sig", ".att",
 * ".sbom"); then the same for every artifact found (a signature on an SBOM), up to
 * REGISTRY_CARRY_DEPTH levels. Writing (into a target) puts each artifact by digest with its
 * blobs (registry/image_copy: mounts within a registry, streamed copies across), skips one
 * that is there already, then, on a target without the referrers API, adds the artifacts to
 * the target's "sha256-<hex>" index, and re-tags the legacy tags (a legacy tag the target has
 * at another manifest keeps its layers and gains the source's: cosign appends signatures).
 * The filter (carry_filter.c) is pure: which kinds go, and one artifact type that never goes.
 *
 * Registries as they are: a source with the referrers API may still hold referrers in the tag
 * schema (those it refused with their subject, see referrers.h), so its "sha256-<hex>" tags
 * are read too. A target that refuses an artifact for its subject (an image index: ECR) does
 * not get it: the artifact cannot be rewritten without changing its digest, which signatures
 * and indexes name. It is reported (stats.refused), and the rest is carried. An artifact with
 * no subject of its own (listed only by a tag schema index) is listed in the target's index
 * even where the target has the API, which would not list it.
 */
#ifndef CONVOY_REGISTRY_CARRY_H
#define CONVOY_REGISTRY_CARRY_H

#include <stddef.h>

#include <jansson.h>

#include "registry/client.h"
#include "registry/image_copy.h"
#include "util/strlist.h"

#define REGISTRY_CARRY_DEPTH 4
#define REGISTRY_CARRY_MAX 256 /* artifacts per promotion: answers are untrusted */

/* Which artifacts go. kinds empty and none 0: all. */
struct registry_carry_filter {
	int none;
	struct strlist kinds;     /* words (signature, in-toto, spdx, cyclonedx, sbom, sig, att)
				     and artifact types (containing '/') */
	const char *exclude_type; /* never carried (convoy's own ledger records) */
};

/* "all", "none" or a comma list; E_USAGE naming `what` for an unknown word. */
int registry_carry_filter_parse(struct registry_carry_filter *f, const char *spec,
				const char *what);
void registry_carry_filter_free(struct registry_carry_filter *f);
/* The short kind of an artifact type, or of a legacy tag suffix (".sig"): "signature",
 * "in-toto", "spdx", "cyclonedx", "sbom", else the type itself ("artifact" when none). */
const char *registry_carry_kind(const char *artifact_type, const char *legacy_suffix);
/* Whether the filter lets an artifact of that type (and legacy suffix, may be NULL) go. */
int registry_carry_filter_allows(const struct registry_carry_filter *f, const char *artifact_type,
				 const char *legacy_suffix);

struct registry_carry_item {
	char *subject;         /* the digest it refers to */
	char *legacy_tag;      /* "sha256-<hex>.sig" when found through cosign's tag, else NULL */
	char *artifact_type;   /* the manifest's artifactType, else its config's media type */
	const char *kind;      /* registry_carry_kind() (static or points into artifact_type) */
	struct registry_manifest m;
};

struct registry_carry_set {
	struct registry_carry_item *items;
	size_t len;
	int src_api; /* the source has the referrers API */
};
void registry_carry_set_free(struct registry_carry_set *s);

/* Every artifact referring to one of subjects in src/repo (recursively), filtered. */
int registry_carry_find(struct registry *src, const char *repo, const char *const *subjects,
			size_t nsubjects, const struct registry_carry_filter *f, unsigned threads,
			struct registry_carry_set *out);

struct registry_carry_stats {
	size_t copied;  /* artifacts put into the target */
	size_t present; /* there already */
	int dst_api;    /* the target lists them through the referrers API */
	struct strlist refused; /* "<kind> <digest>" the target refused for their subject */
	struct registry_copy_stats blobs;
};
void registry_carry_stats_free(struct registry_carry_stats *st);

/* Writes set into dst/dst_repo (from src/src_repo). No tag of the image is touched; the
 * tag schema index and legacy tags are written after every artifact is in by digest. */
int registry_carry_put(struct registry *src, const char *src_repo, struct registry *dst,
		       const char *dst_repo, const struct registry_carry_set *set, unsigned threads,
		       struct registry_carry_stats *st);

#endif
