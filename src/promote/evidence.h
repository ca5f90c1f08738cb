/*
 * promote/evidence: the signed form of a ledger record. With a signing key, a promotion's
 * record manifest has as its one layer a DSSE envelope (sign/dsse) of an in-toto statement
 * (sign/statement): subject = the promoted digest, predicate = the stage, from, to, the
 * record's fields, every target tag with the digest it had before and has after, run URL,
 * actor and time. The record's annotations stay as they are (listings read them); checking a
 * record verifies the envelope with a key and compares the signed predicate with the record
 * as listed, so a changed annotation, index entry or envelope is not valid.
 */
#ifndef CONVOY_PROMOTE_EVIDENCE_H
#define CONVOY_PROMOTE_EVIDENCE_H

#include <stddef.h>

#include "promote/ledger.h"
#include "registry/client.h"
#include "sign/key.h"
#include "util/buf.h"
#include "util/strlist.h"

#define EVIDENCE_PREDICATE_TYPE "https://convoy.dev/promotion/v1"

/* One target tag: repository, tag, digest before ("" none), digest after. */
struct evidence_tag {
	const char *repository, *tag, *before, *after;
};

/* The DSSE envelope of rec, signed with key, into out. */
int promote_evidence_build(struct buf *out, const struct ledger_record *rec,
			   const struct evidence_tag *tags, size_t ntags,
			   const struct sign_key *key);

/*
 * Checks the signed statement of rec (read from reg/path; rec->manifest_digest names its
 * manifest): 0 when signed by one of keys and matching the record (*key_id = the key's id,
 * static in the key), E_NOTFOUND when the record is not signed (no envelope layer), E_INTEGRITY
 * when it is signed but not valid (the message says why). Registry errors are returned.
 */
int promote_evidence_verify(struct registry *reg, const char *path,
			    const struct ledger_record *rec, struct sign_key *const *keys,
			    size_t nkeys, const char **key_id);

#endif
