/*
 * gate: whether a digest may enter a stage. Pure: the facts are gathered by promote.c (is the
 * digest in the previous stage's repository now, does the ledger say it was promoted there)
 * and the decision, with its reason, is made here and recorded with the promotion.
 */
#ifndef CONVOY_PROMOTE_GATE_H
#define CONVOY_PROMOTE_GATE_H

#include <stddef.h>

enum gate_decision {
	GATE_FIRST_STAGE,   /* the target is the first stage: nothing to check */
	GATE_IN_PREVIOUS,   /* the digest is under the previous stage's tags now */
	GATE_LEDGER,        /* the ledger records a promotion of it to the previous stage */
	GATE_ROLLBACK,      /* back to a digest the ledger records in this very stage */
	GATE_SKIP_ALLOWED,  /* not in the previous stage, but --allow-skip */
	GATE_REFUSED,
};

struct gate_facts {
	size_t from;          /* source stage index (== to - 1 unless skipping) */
	size_t to;            /* target stage index */
	int explicit_source;  /* --from-image: the source is not a stage */
	int in_previous_now;  /* digest is what a previous-stage tag points at now */
	int in_previous_ledger;
	int rollback;         /* the ledger records the digest in the target stage */
	int allow_skip;
};

enum gate_decision gate_decide(const struct gate_facts *f);
/* Human wording for the summary and the log ("passed: ... in qa now"). */
const char *gate_decision_str(enum gate_decision d);
/* Whether the promotion is recorded as a skip. */
int gate_is_skip(enum gate_decision d);

#endif
