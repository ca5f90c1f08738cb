/* registry/tags_write: tag writes with snapshot and restore. See tags_write.h. */
#include "registry/tags_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static void restore(struct tag_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct registry_manifest m = { 0 };

		if (!t[i].written || !t[i].previous)
			continue;
		/* The old manifest is still there by digest: put it back under the tag. */
		if (!registry_manifest_get(t[i].reg, t[i].repo, t[i].previous, &m))
			(void)registry_manifest_put(t[i].reg, t[i].repo, t[i].tag, m.media_type,
						    m.body.data, m.body.len, NULL);
		registry_manifest_free(&m);
	}
}

int registry_tags_write(struct tag_target *t, size_t n, const char *digest,
			const char *media_type, const struct buf *manifest)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		free(t[i].previous);
		t[i].previous = NULL;
		rc = registry_manifest_head(t[i].reg, t[i].repo, t[i].tag, &t[i].previous, NULL);
		if (rc == E_NOTFOUND)
			rc = 0;
		if (rc)
			return err_wrap(rc, "reading tag %s:%s before writing", t[i].repo, t[i].tag);
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i].previous && !strcmp(t[i].previous, digest)) {
			t[i].unchanged = 1;
			continue;
		}
		rc = registry_manifest_put(t[i].reg, t[i].repo, t[i].tag, media_type,
					   manifest->data, manifest->len, NULL);
		if (rc) {
			char saved[2048];

			(void)snprintf(saved, sizeof(saved), "%s", err_msg());
			restore(t, i);
			return err_set(rc, "tagging %s:%s: %s (tags already written were restored)",
				       t[i].repo, t[i].tag, saved);
		}
		t[i].written = 1;
	}
	return 0;
}
