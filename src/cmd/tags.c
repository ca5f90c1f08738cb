/* tags: placeholder until the command lands. */
#include "cmd/cmd.h"
#include "util/err.h"

const char cmd_tags_summary[] = "Compute image tags, OCI labels and annotations for this build";
const struct input_def cmd_tags_inputs[] = {
	{ NULL, 0, NULL, NULL },
};

int cmd_tags(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	int rc = inputs_parse(rt, cmd_tags_inputs, argc, argv, &in);

	if (!rc)
		rc = err_set(E_USAGE, "'%s' is not implemented yet", rt->command);
	inputs_free(&in);
	return rc;
}
