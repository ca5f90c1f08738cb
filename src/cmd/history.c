/* history: placeholder until the command lands. */
#include "cmd/cmd.h"
#include "util/err.h"

const char cmd_history_summary[] = "List the promotions recorded for a stage, newest first";
const struct input_def cmd_history_inputs[] = {
	{ NULL, 0, NULL, NULL },
};

int cmd_history(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	int rc = inputs_parse(rt, cmd_history_inputs, argc, argv, &in);

	if (!rc)
		rc = err_set(E_USAGE, "'%s' is not implemented yet", rt->command);
	inputs_free(&in);
	return rc;
}
