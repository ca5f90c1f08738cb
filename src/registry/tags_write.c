/* registry/tags_write: tag writes with snapshot and restore. See tags_write.h. */
#include "registry/tags_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/par.h"

#define TAG_THREADS 8

static void restore(struct tag_target *t, size_t n);

struct job {
	struct tag_target *t;
	const char *digest, *media_type;
	const struct buf *manifest;
};

size_t registry_tags_restore(struct tag_target *t, size_t n)
{
	size_t left = 0;

	for (size_t i = 0; i < n; i++) {
		if ((t[i].written || t[i].rc) && !t[i].previous)
			left++;
	}
	restore(t, n);
	return left;
}

static void restore(struct tag_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct registry_manifest m = { 0 };

		/* A write that failed may still have landed (an answer lost, a digest header
		 * that did not match): those are put back too. */
		if ((!t[i].written && !t[i].rc) || !t[i].previous)
			continue;
		/* The old manifest is still there by digest: put it back under the tag. */
		if (!registry_manifest_get(t[i].reg, t[i].repo, t[i].previous, &m))
			(void)registry_manifest_put(t[i].reg, t[i].repo, t[i].tag, m.media_type,
						    m.body.data, m.body.len, NULL);
		registry_manifest_free(&m);
	}
	err_clear();
}

static int read_one(void *arg, size_t i)
{
	struct tag_target *t = &((struct job *)arg)->t[i];
	int rc;

	if (t->previous_known)
		return 0;
	free(t->previous);
	t->previous = NULL;
	rc = registry_manifest_head(t->reg, t->repo, t->tag, &t->previous, NULL);
	if (rc == E_NOTFOUND) {
		err_clear();
		rc = 0;
	}
	return rc ? err_wrap(rc, "reading tag %s:%s before writing", t->repo, t->tag) : 0;
}

/* Never fails the round: each result is kept so that every written tag is known. */
static int write_one(void *arg, size_t i)
{
	struct job *j = arg;
	struct tag_target *t = &j->t[i];

	if (t->previous && !strcmp(t->previous, j->digest)) {
		t->unchanged = 1;
		return 0;
	}
	t->rc = registry_manifest_put(t->reg, t->repo, t->tag, j->media_type, j->manifest->data,
				      j->manifest->len, NULL);
	if (t->rc)
		t->msg = strdup(err_msg());
	else
		t->written = 1;
	return 0;
}

int registry_tags_write(struct tag_target *t, size_t n, const char *digest,
			const char *media_type, const struct buf *manifest)
{
	struct job j = { t, digest, media_type, manifest };
	int rc;

	if ((rc = par_run(n, TAG_THREADS, read_one, &j)) ||
	    (rc = par_run(n, TAG_THREADS, write_one, &j)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!t[i].rc)
			continue;
		{
			char saved[2048];
			int code = t[i].rc;

			(void)snprintf(saved, sizeof(saved), "%s", t[i].msg ? t[i].msg : "");
			restore(t, n);
			for (size_t k = 0; k < n; k++) {
				free(t[k].msg);
				t[k].msg = NULL;
			}
			return err_set(code, "tagging %s:%s: %s (tags already written were restored)",
				       t[i].repo, t[i].tag, saved);
		}
	}
	return 0;
}
