/* promote: placeholder until the command lands. */
#include "cmd/cmd.h"
#include "util/err.h"

const char cmd_promote_summary[] = "Promote one image digest to the next stage (dev -> qa -> prod)";
const struct input_def cmd_promote_inputs[] = {
	{ NULL, 0, NULL, NULL },
};

int cmd_promote(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	int rc = inputs_parse(rt, cmd_promote_inputs, argc, argv, &in);

	if (!rc)
		rc = err_set(E_USAGE, "'%s' is not implemented yet", rt->command);
	inputs_free(&in);
	return rc;
}
