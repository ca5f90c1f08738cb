/* registry/tags_write: tag writes with snapshot and restore. See tags_write.h. */
#include "registry/tags_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/par.h"

#define TAG_THREADS 8

struct job {
	struct tag_target *t;
	const char *digest, *media_type;
	const struct buf *manifest;
};

/* One tag put back (or not); what is true of it goes into state. Returns 1 when the tag is
 * not where it was. */
static int restore_one(struct tag_target *t, const char *digest, struct buf *state)
{
	struct registry_manifest m = { 0 };
	const char *host = registry_host(t->reg), *sep = state && state->len ? "; " : "";
	int rc;

	if (!t->previous) {
		/* A write that failed may still have landed (an answer lost). */
		if (state)
			(void)buf_printf(state, t->written ? "%s%s/%s:%s did not exist before and stays "
							     "at %s (the registry API cannot delete "
							     "a tag)"
							   : "%s%s/%s:%s was new: its write failed, "
							     "it is unset or at %s",
					 sep, host, t->repo, t->tag, digest);
		return t->written;
	}
	/* The old manifest is still there by digest: put it back under the tag. */
	rc = registry_manifest_get(t->reg, t->repo, t->previous, &m);
	if (!rc)
		rc = registry_manifest_put(t->reg, t->repo, t->tag, m.media_type, m.body.data,
					   m.body.len, NULL);
	registry_manifest_free(&m);
	if (!rc) {
		if (state)
			(void)buf_printf(state, "%s%s/%s:%s put back at %s", sep, host, t->repo,
					 t->tag, t->previous);
		err_clear();
		return 0;
	}
	if (state)
		(void)buf_printf(state, t->written ? "%s%s/%s:%s could not be put back (%s): it is "
						     "at %s, was %s"
						   : "%s%s/%s:%s: its write failed and putting it "
						     "back failed too (%s): it is at %s or still at %s",
				 sep, host, t->repo, t->tag, err_msg(), digest, t->previous);
	err_clear();
	return 1;
}

size_t registry_tags_restore(struct tag_target *t, size_t n, const char *digest,
			     struct buf *state)
{
	size_t left = 0;

	if (!n)
		return 0;
	http_op_begin(registry_http(t[0].reg));
	for (size_t i = 0; i < n; i++)
		if (t[i].written || t[i].rc)
			left += (size_t)restore_one(&t[i], digest, state);
	http_op_end();
	return left;
}

static int read_one(void *arg, size_t i)
{
	struct tag_target *t = &((struct job *)arg)->t[i];
	int rc;

	if (t->previous_known)
		return 0;
	free(t->previous);
	t->previous = NULL;
	/* What a failure puts back: a digest that exists (read and hashed). */
	rc = registry_manifest_digest(t->reg, t->repo, t->tag, &t->previous);
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
			struct buf state = BUF_INIT;
			char *saved = t[i].msg;
			int code = t[i].rc;
			size_t left;

			t[i].msg = NULL;
			left = registry_tags_restore(t, n, digest, &state);
			for (size_t k = 0; k < n; k++) {
				free(t[k].msg);
				t[k].msg = NULL;
			}
			err_set(code, "tagging %s:%s: %s; %s: %s", t[i].repo, t[i].tag,
				saved ? saved : "",
				left ? "not every tag is back where it was"
				     : "every tag is back where it was",
				state.len ? buf_cstr(&state) : "no tag had moved");
			free(saved);
			buf_free(&state);
			return code;
		}
	}
	return 0;
}
