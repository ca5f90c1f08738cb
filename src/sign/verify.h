/*
 * sign/verify: whether an image digest carries a cosign signature by one of the given keys,
 * by cosign's acceptance rules (its verify without Rekor: convoy is offline): a layer of the
 * simple-signing media type with the signature annotation, an ECDSA-SHA256 signature over
 * the payload bytes by the key, the cosign payload type, the payload's manifest digest equal
 * to the digest checked and, where identities are given, its docker-reference among them
 * (cosign ignores the identity; convoy checks it so that a signature of this image for
 * another repository does not count there).
 */
#ifndef CONVOY_SIGN_VERIFY_H
#define CONVOY_SIGN_VERIFY_H

#include <stddef.h>

#include "registry/client.h"
#include "sign/key.h"
#include "sign/store.h"
#include "util/strlist.h"

struct sign_verdict {
	size_t found;           /* signatures found */
	size_t valid;           /* ... valid by a listed key */
	char *valid_key;        /* the key id of the first valid one (malloc'd) */
	char *valid_identity;   /* its docker-reference */
	struct strlist problems;/* one sentence per rejected signature */
};
void sign_verdict_free(struct sign_verdict *v);

/* Checks one found signature; 0 when valid (*key_index = the key), else the reason is set. */
int sign_verify_one(const struct sign_found *f, const char *digest, struct sign_key *const *keys,
		    size_t nkeys, const struct strlist *identities, size_t *key_index,
		    char **identity);

/* Finds and checks the signatures of digest in reg/repo. Registry errors are returned; a
 * digest without a valid signature is not an error (v->valid == 0, v->problems say why). */
int sign_verify_image(struct registry *reg, const char *repo, const char *digest,
		      struct sign_key *const *keys, size_t nkeys, const struct strlist *identities,
		      struct sign_verdict *v);

/* One line naming what was wrong ("no signature found", or the problems), for refusals. */
int sign_verdict_describe(const struct sign_verdict *v, struct buf *out);

#endif
