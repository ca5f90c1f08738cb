/*
 * meta: metadata-action's tag computation as a pure function. Given the build context (event,
 * ref, sha, a few payload fields, clocks) and the parsed inputs, it produces the version, the
 * tags per image, the bare tag names, the OCI labels and annotations, and the warnings the
 * caller should print. Nothing here reads the environment, git or the network (the one
 * exception is the system tz database, through meta_tz_offset()).
 */
#ifndef CONVOY_META_META_H
#define CONVOY_META_META_H

#include <stddef.h>

#include "meta/tag.h"
#include "util/buf.h"
#include "util/strlist.h"

struct meta_context {
	const char *event_name;      /* "push", "pull_request", ... ("" outside Actions) */
	const char *ref;             /* refs/heads/x, refs/tags/v1, refs/pull/1/merge, or "" */
	const char *sha;             /* full commit sha, or "" */
	const char *payload_base_ref;      /* push payload "base_ref" or NULL */
	const char *payload_pr_base_ref;   /* pull_request.base.ref or NULL */
	const char *payload_default_branch;/* repository.default_branch of the payload or NULL */
	const char *run_number, *run_id, *run_attempt; /* NULL when unknown */
	long long now_ms;            /* {{date}} and the created label */
	long long commit_ms;         /* {{commit_date}} */
	long short_sha_len;          /* DOCKER_METADATA_SHORT_SHA_LENGTH, default 7 */
	/* repository data, as the GitHub API returns it (NULL when unknown) */
	const char *repo_name, *repo_description, *repo_html_url, *repo_license,
		*repo_default_branch;
};

struct meta_result {
	char *version;               /* main version or NULL */
	struct strlist partial;
	int latest;
	struct strlist tags;         /* image:tag for every enabled image (bare tags if none) */
	struct strlist tag_names;    /* the tags without image */
	struct strlist images;       /* enabled, lower-cased image names */
	struct strlist labels;       /* key=value, sorted by key */
	struct strlist annotations;  /* level:key=value */
	struct strlist warnings;
};

struct meta_inputs {
	const struct meta_tag *tags;
	size_t ntags;
	const struct meta_flavor *flavor;
	const struct meta_image *images;
	size_t nimages;
	const struct strlist *labels;      /* extra label entries (expressions allowed) */
	const struct strlist *annotations; /* extra annotation entries */
	const char *annotation_levels;     /* "manifest" by default; comma-separated */
};

int meta_compute(const struct meta_context *c, const struct meta_inputs *in,
		 struct meta_result *out);
void meta_result_free(struct meta_result *r);

/* Renders a global expression ({{branch}}, {{date 'YYYY'}}, ...) against c. */
int meta_render_global(const struct meta_context *c, const char *expr, struct buf *out,
		       struct strlist *warnings);
/* The short sha: the first short_sha_len characters. */
int meta_short_sha(const struct meta_context *c, struct buf *out);
/* Sorts "key=value" entries by key with the ordering of String.prototype.localeCompare. */
void meta_labels_sort(struct strlist *labels);
int meta_locale_compare(const char *a, const char *b);

#endif
