/*
 * registry/push: pushes one local image (registry/source) to one repository: skips everything
 * when the top manifest is already there, HEADs each blob, mounts it from a repository of the
 * same registry where it was pushed earlier in this run, uploads the rest several at a time,
 * then puts the child manifests and the top manifest by digest, then the source's referrers
 * (each after its subject; on a registry without the referrers API, listed in the subject's
 * "sha256-<hex>" tag schema index, as OCI 1.1 says a client does). Tags are a separate step
 * (registry/tags_write) so that no tag moves before every repository has its manifests.
 */
#ifndef CONVOY_REGISTRY_PUSH_H
#define CONVOY_REGISTRY_PUSH_H

#include <stdint.h>

#include "registry/client.h"
#include "registry/source.h"

struct push_stats {
	unsigned uploaded, skipped, mounted;
	uint64_t bytes_sent;
	int already_present; /* the top manifest was there: nothing uploaded */
	unsigned referrers;  /* source->referrers put (registry/buildkit) */
	int referrers_api;   /* the registry answered OCI-Subject: it lists them itself */
};

struct rt;

/* mount_from: a repository on the same registry that already has the blobs, or NULL.
 * rt (may be NULL): progress of large layers on the log, outside CI or when verbose. */
int registry_push_image(struct rt *rt, struct registry *r, const char *repo,
			struct registry_source *src, const char *mount_from, unsigned concurrency,
			struct push_stats *stats);

#endif
