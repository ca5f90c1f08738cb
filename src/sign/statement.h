/*
 * sign/statement: in-toto attestation statements (in-toto/attestation spec v1):
 *   {"_type":"https://in-toto.io/Statement/v1","subject":[{"name","digest":{"sha256":hex}}],
 *    "predicateType":"...","predicate":{...}}
 * the payload of a DSSE envelope with payloadType "application/vnd.in-toto+json". Pure.
 */
#ifndef CONVOY_SIGN_STATEMENT_H
#define CONVOY_SIGN_STATEMENT_H

#include <stddef.h>

#include <jansson.h>

#include "util/buf.h"

#define INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define INTOTO_STATEMENT_V1 "https://in-toto.io/Statement/v1"

/* A statement about one subject (name, "sha256:<hex>"); the predicate is taken (decref'd). */
int intoto_statement_build(struct buf *out, const char *name, const char *digest,
			   const char *predicate_type, json_t *predicate);
/* Parses a statement: its one subject's digest ("sha256:<hex>", malloc'd), predicate type
 * (malloc'd) and predicate (a new reference). E_USAGE when it is not a v1 statement. */
int intoto_statement_parse(const char *data, size_t len, char **digest, char **predicate_type,
			   json_t **predicate);

#endif
