/*
 * sign/store: where cosign signatures live in a registry, and finding them again. Written as
 * cosign writes them (cosign specs/SIGNATURE_SPEC.md): the payload is a blob, referenced as a
 * layer of media type application/vnd.dev.cosign.simplesigning.v1+json whose annotation
 * dev.cosignproject.cosign/signature holds the base64 DER signature; the layers of all
 * signatures of a digest are one image manifest tagged "sha256-<hex>.sig" (cosign's tag
 * discovery; new signatures are appended), and/or one OCI 1.1 referrer per signature
 * (artifactType application/vnd.dev.cosign.artifact.sig.v1+json, subject = the digest; on a
 * registry without the referrers API it is listed in the "sha256-<hex>" tag schema index).
 * Finding reads both. This lookup is deliberately small: the carrying of referrers along
 * promotions (registry/carry) owns discovery in general.
 */
#ifndef CONVOY_SIGN_STORE_H
#define CONVOY_SIGN_STORE_H

#include <stddef.h>

#include "registry/client.h"
#include "util/buf.h"

#define SIGN_ARTIFACT_TYPE "application/vnd.dev.cosign.artifact.sig.v1+json"
#define SIGN_MAX_FOUND 64

enum sign_storage {
	SIGN_STORAGE_TAG = 1,
	SIGN_STORAGE_REFERRER = 2,
	SIGN_STORAGE_BOTH = 3,
};
/* "tag", "referrer", "both" -> *out; E_USAGE naming `what` otherwise. */
int sign_storage_parse(const char *s, const char *what, enum sign_storage *out);

/* The subject of a signature: the signed manifest. */
struct sign_subject {
	const char *digest;
	const char *media_type;
	size_t size;
};

/* Where a signature went. */
struct sign_stored {
	int written;         /* 0: that exact signature was stored there already */
	int tag_schema;      /* the referrer is listed in the "sha256-<hex>" index (no API) */
	int subject_dropped; /* ... and has no subject: the registry refused it (an index) */
};
/* Stores a signature (payload and DER signature) of subj in reg/repo; *out may be NULL. */
int sign_store_put(struct registry *reg, const char *repo, const struct sign_subject *subj,
		   const struct buf *payload, const struct buf *sig, enum sign_storage storage,
		   struct sign_stored *out);

struct sign_found {
	struct buf payload;
	struct buf sig;   /* DER, decoded */
	char where[96];   /* "tag sha256-….sig layer 2", "referrer sha256:…" */
	char *problem;    /* set when the entry is unusable (bad base64, missing blob) */
};
struct sign_found_list {
	struct sign_found *items;
	size_t len;
};
/* Every signature stored for digest in reg/repo (tag and referrers), at most SIGN_MAX_FOUND. */
int sign_store_find(struct registry *reg, const char *repo, const char *digest,
		    struct sign_found_list *out);
void sign_found_list_free(struct sign_found_list *l);

#endif
