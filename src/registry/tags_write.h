/*
 * registry/tags_write: moves a set of tags to one digest, all or nothing as far as the
 * protocol allows: each tag's previous digest is read first (unless the caller already has
 * it); the writes go out together; when any write fails, the tags already written are put
 * back where they were, and the error says of each tag where it is.
 */
#ifndef CONVOY_REGISTRY_TAGS_WRITE_H
#define CONVOY_REGISTRY_TAGS_WRITE_H

#include "registry/client.h"

struct tag_target {
	struct registry *reg;
	char *repo;
	char *tag;
	char *previous; /* digest before the write, NULL when the tag was new (filled in) */
	int previous_known; /* set by the caller: previous is already read, no HEAD */
	int written;
	int unchanged; /* already pointed at the digest */
	int rc;        /* this target's write (internal) */
	char *msg;
};

/* Writes manifest (media_type, body, its digest) under every target's tag; a tag that already
 * points at digest is left alone (a re-push moves nothing). */
int registry_tags_write(struct tag_target *t, size_t n, const char *digest,
			const char *media_type, const struct buf *manifest);
/*
 * Puts the tags a registry_tags_write() moved (or may have moved: a write whose answer was an
 * error) back where they were, in one operation (one deadline, http.h); best effort. Returns
 * how many are not where they were: new tags (the distribution API has no tag deletion) and
 * tags that could not be put back. state (may be NULL) gets, per tag, what is true of it
 * ("host/repo:tag put back at sha256:...", "... could not be put back (why): it is at ...",
 * "... did not exist before and stays at ..."), separated by "; ": a message never claims a restore that
 * did not happen. digest is what the tags were written to.
 */
size_t registry_tags_restore(struct tag_target *t, size_t n, const char *digest,
			     struct buf *state);

#endif
