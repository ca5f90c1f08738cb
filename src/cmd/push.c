/* push: placeholder until the command lands. */
#include "cmd/cmd.h"
#include "util/err.h"

const char cmd_push_summary[] = "Push an OCI layout, OCI archive or docker save tarball to registries under every tag";
const struct input_def cmd_push_inputs[] = {
	{ NULL, 0, NULL, NULL },
};

int cmd_push(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	int rc = inputs_parse(rt, cmd_push_inputs, argc, argv, &in);

	if (!rc)
		rc = err_set(E_USAGE, "'%s' is not implemented yet", rt->command);
	inputs_free(&in);
	return rc;
}
