/*
 * registry/index: joins per-platform images already in one repository (each pushed by digest
 * from its own runner: `push --by-digest`) into one multi-platform image index. Each digest's
 * manifest is read from the repository and its config for the platform (os, architecture,
 * variant, os.version, os.features as the image-spec's index descriptor carries them), then
 * one index is built. Refused, before anything is written: a digest that is not there, one that
 * is itself an index, two manifests of one platform, and Docker schema 2 manifests mixed with
 * OCI manifests (an OCI index lists OCI manifests; a Docker manifest list Docker ones).
 * Writing the index by digest and its tags is the caller's (registry_manifest_put, tags_write).
 */
#ifndef CONVOY_REGISTRY_INDEX_H
#define CONVOY_REGISTRY_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "registry/client.h"
#include "util/buf.h"
#include "util/strlist.h"

struct registry_index_entry {
	char *digest;
	char *media_type;
	uint64_t size;
	char *platform; /* "linux/arm64/v8": os/architecture[/variant] */
};

struct registry_index {
	char *media_type; /* REGISTRY_MT_OCI_INDEX, or REGISTRY_MT_DOCKER_LIST for Docker images */
	char digest[REGISTRY_DIGEST_LEN + 1];
	struct buf body;  /* the exact bytes to put */
	struct registry_index_entry *entries; /* sorted by platform: one set, one digest */
	size_t n;
};

/*
 * Builds the index of digests (each "sha256:<hex>", validated by the caller; one given twice
 * counts once) from repo. annotations (may be NULL): "key=value" entries for the index's own
 * annotations (OCI only). Errors name the digest and the repository ("host/repo").
 */
int registry_index_build(struct registry *r, const char *repo, const struct strlist *digests,
			 const struct strlist *annotations, struct registry_index *out);
void registry_index_free(struct registry_index *ix);

#endif
