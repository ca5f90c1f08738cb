/*
 * promote/run: the state of one promotion while it runs, and its rounds: lists of independent
 * requests (jobs) run at once on util/par. The jobs are in jobs.c, the planning and the order
 * of rounds in promote.c. Internal to promote/.
 */
#ifndef CONVOY_PROMOTE_RUN_H
#define CONVOY_PROMOTE_RUN_H

#include "promote/promote.h"
#include "promote/store.h"
#include "registry/carry.h"
#include "registry/image_copy.h"
#include "registry/reference.h"
#include "registry/tags_write.h"

#define PROMOTE_THREADS 8

/* One target repository while the promotion runs. */
struct tgt {
	struct registry *reg;
	char *path;
	int is_source;    /* the source repository itself: no copy */
	int has_digest;   /* the manifest is there by digest already (known digest only) */
	size_t first_tag; /* into run.tags */
	struct registry_carry_stats carry; /* the referrers written into it */
};

struct run {
	struct registry_sessions *rs;
	const struct promote_opts *o;
	struct promote_result *res;
	const struct pipeline_stage *from, *to;
	size_t fi, ti;
	/* source */
	struct registry_ref src_ref;
	struct registry *src;
	char *src_path;
	const char *ref;
	int via_stage_tag;
	struct registry_manifest m;
	/* gate: the previous stage's pointer tag, when it must be read */
	struct registry *prev_reg;
	char *prev_path;
	const char *prev_tag;
	char *prev_digest;
	/* targets, and every target tag flattened */
	struct tgt *t;
	size_t nt;
	struct tag_target *tags;
	size_t ntags;
	char **after;
	struct promote_record rec;
	int ledger_failed; /* staging or publishing the record failed (tags may be written) */
	int record_published; /* round D published the record */
	int readback_failed;  /* a tag could not be read back after its write */
	struct registry_copy_stats copy;
	/* The referrers carried along (o->referrers, the ledger's own excluded). */
	struct registry_carry_filter cf;
	int carrying;
	struct registry_carry_set carry;
};

/* A round: a list of jobs of different kinds run together. */
typedef int (*job_fn)(struct run *r, size_t arg);
struct job {
	job_fn fn;
	size_t arg;
};
struct round {
	struct run *r;
	struct job jobs[64];
	struct job *more; /* beyond 64 (many tags) */
	size_t n, cap_more;
};

/* Adds a job to the round; runs the round's jobs together (the error of the first job added
 * wins) and empties it. */
int promote_round_add(struct round *rd, job_fn fn, size_t arg);
int promote_round_run(struct round *rd);

/* The target stage's verify gate: signatures by its keys, and the previous stage's signed
 * record (gate_verify.c). E_CONFLICT when a required check fails (res->verify_*). */
int promote_gate_verify(struct run *r);
/* The attestations the verify gate requires (gate_attest.c): what was found into ok ("; spdx
 * attestation signed by key K"), what is missing or tampered into problem. */
int promote_gate_attestations(struct run *r, struct sign_key **keys, size_t nkeys,
			      struct buf *ok, struct buf *problem);

/* The target stage's time and health gates: freeze spans (unless --override passes them),
 * soak and require-healthy from the previous stage's ledger (gate_ledger.c). E_CONFLICT when
 * one refuses (res->gates_refused); every verdict is in res->gate_verdicts. */
int promote_gate_ledger(struct run *r);

/* Round A */
int promote_job_source_get(struct run *r, size_t arg);
int promote_job_prev_head(struct run *r, size_t arg);
int promote_job_tag_head(struct run *r, size_t i);
int promote_job_has_digest(struct run *r, size_t i);
int promote_job_referrers_probe(struct run *r, size_t arg);
/* The ledger's empty blob: HEADs it in round A unless it is mounted or likely there. */
int promote_add_empty_head(struct run *r, struct round *rd);
int promote_job_empty_head(struct run *r, size_t arg);
/* Round B */
int promote_job_empty_upload(struct run *r, size_t arg);
int promote_job_copy(struct run *r, size_t arg);
/* Round B: the referrers of the digest (and of its platform manifests) in the source */
int promote_job_carry_find(struct run *r, size_t arg);
/* Round B2 (when there are any): into target i, before any tag moves */
int promote_job_carry_put(struct run *r, size_t i);
/* Round C */
int promote_job_tags_write(struct run *r, size_t arg);
int promote_job_record_stage(struct run *r, size_t arg);
int promote_job_record_read_index(struct run *r, size_t arg);
/* Round D */
int promote_job_read_back(struct run *r, size_t i);
int promote_job_record_publish(struct run *r, size_t arg);
/* The tags moved but the record could not be written: puts them back; returns rc with the
 * message saying so. */
int promote_undo_unrecorded(struct run *r, int rc);
/* The tags were written but could not be read back: returns rc with the message naming
 * every tag's write (to what, from what) and whether the record exists. */
int promote_report_unverified(struct run *r, int rc);

#endif
