/* rollback: placeholder until the command lands. */
#include "cmd/cmd.h"
#include "util/err.h"

const char cmd_rollback_summary[] = "Promote a stage's previous digest back, as a recorded promotion";
const struct input_def cmd_rollback_inputs[] = {
	{ NULL, 0, NULL, NULL },
};

int cmd_rollback(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	int rc = inputs_parse(rt, cmd_rollback_inputs, argc, argv, &in);

	if (!rc)
		rc = err_set(E_USAGE, "'%s' is not implemented yet", rt->command);
	inputs_free(&in);
	return rc;
}
