/*
 * registry/image_copy: copies one image (a manifest, or an index with its platform manifests)
 * from a source repository into several destination repositories, on the same registry or
 * others, with every independent request in flight at once: the platform manifests are
 * fetched together, then every (destination, blob) pair is made present together (mounts
 * within a registry, streamed copies across: registry/copy), then the platform manifests are
 * put by digest, then (when asked) the top manifest by digest. No tag is written here.
 */
#ifndef CONVOY_REGISTRY_IMAGE_COPY_H
#define CONVOY_REGISTRY_IMAGE_COPY_H

#include <stddef.h>

#include "registry/client.h"

struct registry_copy_dest {
	struct registry *reg;
	const char *repo;
	int put_top; /* also put the top manifest by digest (else the caller tags it) */
};

struct registry_copy_stats {
	size_t mounted, copied, present, manifests_put;
};

int registry_image_copy(struct registry *src, const char *src_repo,
			const struct registry_manifest *top, const struct registry_copy_dest *d,
			size_t nd, unsigned threads, struct registry_copy_stats *st);

/* Whether a media type is an index (OCI index or Docker manifest list). */
int registry_media_type_is_index(const char *mt);

#endif
