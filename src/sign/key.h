/*
 * sign/key: the ECDSA P-256 keys convoy signs and verifies with (cosign's default scheme),
 * through OpenSSL's EVP API. A key comes from a file or from an environment variable
 * ("env://VAR", for a secret in CI): a PEM private key (PKCS#8 "PRIVATE KEY" or SEC1 "EC
 * PRIVATE KEY"), a PEM public key, or cosign's encrypted private key ("ENCRYPTED SIGSTORE /
 * COSIGN PRIVATE KEY", password from COSIGN_PASSWORD, see sign/cosign_key.h). Key material
 * never appears in a message: keys are named by their source and their public key's id.
 */
#ifndef CONVOY_SIGN_KEY_H
#define CONVOY_SIGN_KEY_H

#include <stddef.h>

#include "util/buf.h"

struct sign_key;

#define SIGN_KEY_MAX (64 * 1024)

/*
 * Loads a key from spec ("path/to/cosign.key" or "env://VAR"). want_private: a signing key is
 * required (a public key is an error); else a private key is reduced to its public half.
 * `what` names the input in messages ("input 'key'").
 */
int sign_key_load(struct sign_key **out, const char *spec, int want_private, const char *what);
/* The same from PEM text in memory; source names it in messages. */
int sign_key_from_pem(struct sign_key **out, const char *pem, size_t len, int want_private,
		      const char *source);
void sign_key_free(struct sign_key *k);

/* Where the key came from ("cosign.pub", "env://SIGNING_KEY") and its id: "sha256:" + the
 * first 16 hex digits of the SHA-256 of its public key (DER SubjectPublicKeyInfo). */
const char *sign_key_source(const struct sign_key *k);
const char *sign_key_id(const struct sign_key *k);

/* ECDSA-SHA256 over data; out gets the DER signature (ASN.1, as cosign stores it). */
int sign_key_sign(const struct sign_key *k, const void *data, size_t len, struct buf *out);
/* 0 when sig (DER) is a valid signature of data by k; E_INTEGRITY when it is not. */
int sign_key_verify(const struct sign_key *k, const void *data, size_t len, const void *sig,
		    size_t siglen);

/* The public key as PEM (SubjectPublicKeyInfo), appended to out. */
int sign_key_public_pem(const struct sign_key *k, struct buf *out);

#endif
