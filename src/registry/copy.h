/*
 * registry/copy: makes a blob of one repository present in another, possibly on another
 * registry, without the image ever being on disk: within one registry a cross-repository
 * mount (no bytes move); across registries a HEAD, and when the target lacks the blob a copy
 * streamed from the source GET into the target upload (blobs up to REGISTRY_COPY_BUFFERED
 * are held in memory so that a failed upload can be retried; larger ones flow through a
 * bounded buffer). The target registry verifies the digest of what it receives, and the
 * source side is verified as it streams.
 */
#ifndef CONVOY_REGISTRY_COPY_H
#define CONVOY_REGISTRY_COPY_H

#include <stdint.h>

#include "registry/client.h"

#define REGISTRY_COPY_BUFFERED (512u * 1024)
#define REGISTRY_COPY_PIPE (1024u * 1024)

enum registry_copy_how {
	REGISTRY_COPY_MOUNTED = 1,
	REGISTRY_COPY_PRESENT,
	REGISTRY_COPY_COPIED,
};

/* src and dst are the same session for a copy within one registry. */
int registry_blob_copy(struct registry *src, const char *src_repo, struct registry *dst,
		       const char *dst_repo, const char *digest, uint64_t size,
		       enum registry_copy_how *how);

#endif
