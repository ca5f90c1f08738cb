/*
 * registry/digest: SHA-256 content digests ("sha256:<64 hex>") computed incrementally, so every
 * blob is verified while it streams (never trusted from a server or a file name).
 */
#ifndef CONVOY_REGISTRY_DIGEST_H
#define CONVOY_REGISTRY_DIGEST_H

#include <stddef.h>

#define REGISTRY_DIGEST_LEN 71 /* "sha256:" + 64 hex */

struct registry_digest {
	void *ctx; /* EVP_MD_CTX */
};

int registry_digest_init(struct registry_digest *d);
int registry_digest_update(struct registry_digest *d, const void *data, size_t n);
/* Writes "sha256:<hex>" + NUL into out and resets the context for reuse. */
int registry_digest_final(struct registry_digest *d, char out[REGISTRY_DIGEST_LEN + 1]);
void registry_digest_free(struct registry_digest *d);

/* One-shot digest of a buffer into out. */
int registry_digest_buf(const void *data, size_t n, char out[REGISTRY_DIGEST_LEN + 1]);

#endif
