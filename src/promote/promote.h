/*
 * promote: moves one immutable digest from a stage to the next. The source is resolved to a
 * digest once; the gate checks that digest against the previous stage (now, or per the
 * ledger); the copy mounts blobs within a registry (no bytes move) or streams the missing
 * ones across registries, and carries what refers to the digest (signatures, SBOMs,
 * attestations: registry/carry.h, never convoy's own records); the manifest is put by digest
 * before any tag, each tag is read back to catch a concurrent move, and the promotion is
 * recorded in the target repository as an artifact whose subject is the digest (see
 * ledger.h). History and rollback walk that ledger.
 */
#ifndef CONVOY_PROMOTE_PROMOTE_H
#define CONVOY_PROMOTE_PROMOTE_H

#include <stddef.h>

#include "pipeline/pipeline.h"
#include "promote/gate.h"
#include "promote/ledger.h"
#include "registry/carry.h"
#include "registry/sessions.h"
#include "sign/key.h"
#include "util/strlist.h"

struct promote_opts {
	const struct pipeline *pipeline;
	const char *to;         /* target stage (required) */
	const char *from;       /* source stage; default: the stage before `to` */
	const char *from_image; /* explicit source image (one-off), instead of a stage */
	const char *version;    /* a tag in the source repository (sha-1a2b3c4) */
	const char *digest;     /* an explicit digest (checked to exist in the source) */
	int allow_skip;
	int dry_run;
	int rollback;           /* promote the stage's previous digest back */
	/* For the record. */
	const char *actor;
	const char *gh_repository;
	const char *run_url;
	const char *commit;
	/* With a key, the ledger record is a signed in-toto statement (promote/evidence.h). */
	const struct sign_key *sign_key;
	/* --override: the reason to promote inside a freeze span (recorded with the actor). */
	const char *override;
	/* The referrers to carry into the targets (registry/carry.h); NULL: none. */
	const struct registry_carry_filter *referrers;
};

struct promote_target {
	char *repository;        /* host/path */
	struct strlist tags;     /* rendered */
	struct strlist before;   /* digest per tag before ("" when the tag did not exist) */
	struct strlist after;    /* digest read back per tag ("" in a dry run) */
};

struct promote_result {
	char *digest;
	char *media_type;
	char *from;              /* source stage ("" for --from-image) */
	char *to;
	char *source;            /* source repository */
	char *previous_digest;   /* of the target's first tag, NULL when none */
	struct promote_target *targets;
	size_t ntargets;
	enum gate_decision gate;
	int ledger_api;          /* recorded through the referrers API (else the tag schema) */
	int ledger_subject_refused; /* the registry refused the record's subject (an image
				       index: ECR), so the tag schema lists it without one */
	size_t blobs_mounted, blobs_copied, blobs_present, manifests_put;
	struct strlist moved;    /* "repo:tag now at sha256:..." for tags moved concurrently */
	struct strlist skipped_tags; /* templates that had no value (no --version) */
	int dry_run;
	int unchanged;           /* every target tag was at the digest: no tag written */
	int recorded_late;       /* ... but the ledger had no record of it: written now */
	int rollback_untracked;  /* rollback: the stage's tag was at a digest no promotion
				    recorded there, so it went to the newest recorded one */
	int unverified;          /* failed after the tags were written: they could not be read
				    back (targets' before: what they were; they moved to digest) */
	int recorded;            /* with unverified: the ledger record was published */
	/* The target stage's verify gate (promote/gate_verify.c). */
	int verify_mode;         /* enum pipeline_verify_mode: OFF when the stage has none */
	int verify_passed;       /* every check passed */
	int verify_refused;      /* mode require and a check failed: nothing moved */
	char *verify_detail;     /* what was checked and what was found, one sentence */
	int record_signed;       /* this promotion's record is a signed statement */
	/* The time and health gates (promote/gate_ledger.c): one verdict per gate the stage
	 * has, "soak: passed: in qa for 26h (needs 24h)", in the summary and the record. */
	struct strlist gate_verdicts;
	int gates_refused;       /* a gate refused: nothing moved */
	char *override;          /* "alice: reason" when --override passed a freeze */
	char *revision;          /* the image's org.opencontainers.image.revision annotation */
	/* Referrers carried (every target summed) and their kinds, in the order found. */
	int referrers_carried;   /* carrying ran (not none, not a dry run, another repository) */
	size_t referrers_copied, referrers_present;
	size_t referrers_found;  /* a dry run: how many would be carried (found in the source) */
	struct strlist referrer_kinds;
	/* Not carried: the target refused them for their subject, an image index (ECR); one
	 * "host/repo: <kind> <digest>, ..." per target, and how many in all. */
	struct strlist referrers_refused;
	size_t referrers_refused_n;
};

/* Every independent request of a step goes out at once (util/par): resolving the source,
 * reading the target tags and probing the ledger is one round trip, and so are the tag writes
 * with the staging of the record, and the read-back with its publication. */
int promote_run(struct registry_sessions *rs, const struct promote_opts *o,
		struct promote_result *res);
void promote_result_free(struct promote_result *res);

/*
 * The records of a stage, newest first: walks the ledger from the digest the stage's first
 * tag points at now back through previous digests (at most `limit` promotions). Where the
 * walk reaches a digest with no record of its promotion to the stage before `limit` (the tag
 * was moved outside convoy: now, or before a recorded promotion), it goes on with the older
 * promotions to the stage found by listing the repository's tags and reading every
 * "sha256-<hex>" referrers index (the tag schema) or, with the referrers API, by asking it about
 * the digest of every tag (images still tagged). An intact chain costs no listing. With with_deploys, the deploy records of
 * the digests listed are merged in (newest first). *current gets the digest the tag points at
 * (malloc'd; NULL when the tag does not exist); *untracked (may be NULL) is set to 1 when no
 * promotion to the stage recorded that digest, so the records start with older ones.
 */
int promote_history(struct registry_sessions *rs, const struct pipeline *p, const char *stage,
		    size_t limit, int with_deploys, struct ledger_records *out, char **current,
		    int *untracked);

/*
 * Records a deploy of rec->digest in a stage (rec->kind "deploy", the deploy fields set by
 * the caller; to and repository are filled in here): a ledger record in the stage's first
 * repository, next to the promotion records of that digest. E_NOTFOUND when the digest is
 * not in that repository.
 */
int promote_record_deploy(struct registry_sessions *rs, const struct pipeline *p,
			  const char *stage, struct ledger_record *rec);

/*
 * Checks the signed statement of a record listed by promote_history for stage (read from the
 * stage's first repository): 0 valid by one of keys (*key_id its id), E_NOTFOUND unsigned,
 * E_INTEGRITY signed but not valid or tampered (the message says why). See evidence.h.
 */
int promote_record_verify(struct registry_sessions *rs, const struct pipeline *p,
			  const char *stage, const struct ledger_record *rec,
			  struct sign_key *const *keys, size_t nkeys, const char **key_id);

/* The first tag of a stage's repository that is not a template (the stage's "pointer"). */
const char *promote_stage_pointer_tag(const struct pipeline_repo *repo);

#endif
