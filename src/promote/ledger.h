/*
 * ledger: the promotion record and its OCI artifact form. Every promotion is stored in the
 * target repository as an image manifest whose `subject` is the promoted digest, so the
 * registry itself is the ledger (found through the referrers API or the referrers tag schema,
 * see registry/referrers.h). The record is the manifest's annotations (which referrers
 * listings carry, so a listing alone is enough to read the history); config and the one layer
 * are the OCI empty descriptor, so writing a record is one manifest PUT and no blob upload.
 * Pure: building and parsing JSON only.
 */
#ifndef CONVOY_PROMOTE_LEDGER_H
#define CONVOY_PROMOTE_LEDGER_H

#include <stddef.h>

#include <jansson.h>

#include "util/buf.h"

#define LEDGER_ARTIFACT_TYPE "application/vnd.convoy.promotion.v1+json"
#define LEDGER_ANNOTATION_PREFIX "dev.convoy.promotion."
#define OCI_EMPTY_MEDIA_TYPE "application/vnd.oci.empty.v1+json"
#define OCI_EMPTY_DIGEST \
	"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define OCI_MANIFEST_MEDIA_TYPE "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX_MEDIA_TYPE "application/vnd.oci.image.index.v1+json"

struct ledger_record {
	char *from;            /* source stage ("" for an explicit --from-image) */
	char *to;              /* target stage */
	char *digest;          /* promoted manifest digest */
	char *previous_digest; /* what the target's first tag pointed at before (NULL: nothing) */
	char *time;            /* RFC 3339 UTC with milliseconds: sorts as a string */
	char *actor;
	char *repository;      /* target image repository (host/path) */
	char *source;          /* source image repository */
	char *tags;            /* target tags, comma separated */
	char *run_url;
	char *commit;
	char *kind;            /* "promote", "skip" (gate skipped with --allow-skip), "rollback",
				  "deploy" (convoy deploy ran the digest in the stage) */
	/* Deploy records only. */
	char *deploy_target;   /* "ecs:<cluster>/<service>" */
	char *task_definition; /* the task definition ARN registered for the digest */
	char *status;          /* deploy's status output: deployed, rolled-back, failed ... */
	/* Promotions: the time and health gates' verdicts ("soak: passed: ...; freeze: ..."),
	 * and a freeze passed with --override ("alice: hotfix for INC-12"). */
	char *gates;
	char *override;
	/* Not a field of the record: the digest of the record's manifest where it was read
	 * (set by the ledger readers, NULL otherwise), to fetch its signed statement. */
	char *manifest_digest;
};

/* Whether a record is a deploy (not a promotion: gates and the history walk skip it). */
int ledger_record_is_deploy(const struct ledger_record *r);

void ledger_record_free(struct ledger_record *r);
/* Deep copy (dst zeroed or freed). */
int ledger_record_copy(struct ledger_record *dst, const struct ledger_record *src);

/* The record as compact JSON with sorted keys. */
int ledger_record_to_json(const struct ledger_record *r, struct buf *out);
/* Parses a record's JSON (from the registry: untrusted, checked). */
int ledger_record_from_json(struct ledger_record *r, const char *data, size_t len);
/* Reads a record from a manifest's or descriptor's annotations; E_NOTFOUND when not ours. */
int ledger_record_from_annotations(struct ledger_record *r, const json_t *annotations);

/*
 * The artifact manifest: config and the one layer = the OCI empty descriptor (as the image
 * spec advises for artifacts without content), subject = the promoted manifest,
 * annotations = the record fields.
 */
int ledger_manifest_build(struct buf *out, const struct ledger_record *r,
			  const char *subject_media_type, const char *subject_digest,
			  size_t subject_size);

/* The same with the one layer given (a signed record: its DSSE envelope, see
 * promote/evidence.h) instead of the empty descriptor. */
int ledger_manifest_build_layer(struct buf *out, const struct ledger_record *r,
				const char *subject_media_type, const char *subject_digest,
				size_t subject_size, const char *layer_media_type,
				const char *layer_digest, size_t layer_size);

/* The record's fields as a JSON object (nulls for unset fields), a new reference. */
json_t *ledger_record_json(const struct ledger_record *r);

/* Current time in the record format (2026-12-03T07:15:00.123Z) into out. */
int ledger_time_now(struct buf *out);
/* The current time in ms since the epoch: the clock, or CONVOY_NOW (an ISO 8601 instant) where
 * set, so that tests of time gates (soak, freeze) need no waiting. */
int ledger_now_ms(long long *ms);

/* A set of records, sorted newest first by ledger_records_sort(). */
struct ledger_records {
	struct ledger_record *items;
	size_t len;
};
int ledger_records_add(struct ledger_records *l, struct ledger_record *r); /* takes r's fields */
void ledger_records_sort(struct ledger_records *l);
void ledger_records_free(struct ledger_records *l);

/*
 * The newest promotion record for stage `to` (in `l`) strictly older than `before` (NULL: no
 * bound); NULL when none (deploy records are not promotions). Used to walk a stage's history
 * back through previous digests.
 */
const struct ledger_record *ledger_records_latest(const struct ledger_records *l, const char *to,
						  const char *before);

#endif
