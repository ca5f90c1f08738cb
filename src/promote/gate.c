/* gate: the promotion gate decision. See gate.h. */
#include "promote/gate.h"

enum gate_decision gate_decide(const struct gate_facts *f)
{
	if (f->rollback)
		return GATE_ROLLBACK;
	if (f->to == 0)
		return GATE_FIRST_STAGE;
	if (f->in_previous_now)
		return GATE_IN_PREVIOUS;
	if (f->in_previous_ledger)
		return GATE_LEDGER;
	return f->allow_skip ? GATE_SKIP_ALLOWED : GATE_REFUSED;
}

const char *gate_decision_str(enum gate_decision d)
{
	switch (d) {
	case GATE_FIRST_STAGE:
		return "passed: first stage of the pipeline";
	case GATE_IN_PREVIOUS:
		return "passed: the digest is in the previous stage now";
	case GATE_LEDGER:
		return "passed: the ledger records the digest in the previous stage";
	case GATE_ROLLBACK:
		return "passed: rollback to a digest the ledger records in this stage";
	case GATE_SKIP_ALLOWED:
		return "skipped with --allow-skip: the digest was never in the previous stage";
	case GATE_REFUSED:
		break;
	}
	return "refused: the digest is not in the previous stage and never was";
}

int gate_is_skip(enum gate_decision d)
{
	return d == GATE_SKIP_ALLOWED;
}
