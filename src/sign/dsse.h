/*
 * sign/dsse: DSSE envelopes (secure-systems-lab/dsse, protocol v1), the signed wrapper of
 * in-toto statements: {"payloadType", "payload": base64, "signatures": [{"keyid", "sig":
 * base64}]}, where each signature is over PAE(payloadType, payload) =
 * "DSSEv1 <len(type)> <type> <len(payload)> <payload>". convoy signs with ECDSA P-256 (DER
 * signatures, as cosign attest does). Envelopes come from registries: parsing is strict and
 * bounded (fuzzed).
 */
#ifndef CONVOY_SIGN_DSSE_H
#define CONVOY_SIGN_DSSE_H

#include <stddef.h>

#include "sign/key.h"
#include "util/buf.h"

#define DSSE_MEDIA_TYPE "application/vnd.dsse.envelope.v1+json"
#define DSSE_MAX (1024 * 1024)
#define DSSE_MAX_SIGNATURES 16

struct dsse_envelope {
	char *payload_type;
	struct buf payload;               /* decoded */
	struct buf sigs[DSSE_MAX_SIGNATURES]; /* decoded signatures */
	size_t nsigs;
};

/* PAE(type, payload) into out. */
int dsse_pae(struct buf *out, const char *type, const void *payload, size_t len);
/* A signed envelope (one signature, keyid = the key's id) into out. */
int dsse_envelope_sign(struct buf *out, const char *type, const void *payload, size_t len,
		       const struct sign_key *key);
int dsse_envelope_parse(struct dsse_envelope *env, const char *data, size_t len);
/* 0 when one of the envelope's signatures is by one of the keys (*which = its index, may be
 * NULL); E_INTEGRITY otherwise. */
int dsse_envelope_verify(const struct dsse_envelope *env, struct sign_key *const *keys,
			 size_t nkeys, size_t *which);
void dsse_envelope_free(struct dsse_envelope *env);

#endif
