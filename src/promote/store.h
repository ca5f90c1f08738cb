/*
 * promote/store: where promote, history and rollback meet the registry: opening the session
 * of a pipeline repository, reading the ledger records of a digest (history.c), and writing
 * one (record.c). Internal to promote/.
 */
#ifndef CONVOY_PROMOTE_STORE_H
#define CONVOY_PROMOTE_STORE_H

#include <jansson.h>

#include "promote/ledger.h"
#include "registry/client.h"
#include "registry/sessions.h"
#include "util/buf.h"

/* The session of a repository "host/path" and its path (malloc'd). */
int promote_repo_open(struct registry_sessions *rs, const char *repository,
		      struct registry **reg, char **path);

/* The convoy records about digest in a referrers index (added to out). */
int promote_ledger_from_index(const json_t *index, const char *digest,
			      struct ledger_records *out);
/* The convoy records among the referrers of digest in reg/path (added to out). */
int promote_ledger_read(struct registry *reg, const char *path, const char *digest,
			struct ledger_records *out);
/* The same when it is known whether the registry has the referrers API (no probe). */
int promote_ledger_read_known(struct registry *reg, const char *path, const char *digest,
			      int api, struct ledger_records *out);

/*
 * Writing a record is two steps so that the slow part overlaps the tag writes: stage puts the
 * record manifest by digest (invisible on a registry without the referrers API until the
 * index tag names it); publish makes it visible (the referrers API: the manifest PUT itself;
 * the tag schema: the "sha256-<hex>" index with the record appended).
 */
struct promote_record {
	struct registry *reg;
	const char *path;
	int api;            /* the registry has the referrers API (probed) */
	int staged;         /* the record manifest is in the registry */
	int subject_ack;    /* its PUT was answered OCI-Subject (a claim: the probe decides) */
	int subject_refused; /* the registry refused its subject (an index): put without it */
	int contended;      /* publishing gave up: the index kept changing (record maybe in) */
	int have_empty;     /* the OCI empty blob is in the repository already */
	int optimistic;     /* not known: put the record first, upload the blob only if refused */
	struct buf manifest;
	char digest[80];
	struct buf envelope; /* signed record: its DSSE envelope, the manifest's layer */
	char envelope_digest[80];
	json_t *index;      /* the tag schema index read before publishing */
};

int promote_record_build(struct promote_record *w, const struct ledger_record *rec,
			 const char *subject_media_type, const char *subject_digest,
			 size_t subject_size);
int promote_record_stage(struct promote_record *w);
/* Reads the tag schema index (a no-op with the referrers API). */
int promote_record_read_index(struct promote_record *w, const char *subject_digest);
/* Tag schema: puts the index, reads the tag back and, when a concurrent writer put another
 * index in between, merges the record into that one (up to 5 times; narrows the lost-update
 * race, without a conditional PUT it cannot close it). */
int promote_record_publish(struct promote_record *w, const char *subject_digest);
void promote_record_free(struct promote_record *w);

#endif
