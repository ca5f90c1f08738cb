/* deploy: placeholder until the command lands. */
#include "cmd/cmd.h"
#include "util/err.h"

const char cmd_deploy_summary[] = "Roll an image digest out to an Amazon ECS service, verify, roll back";
const struct input_def cmd_deploy_inputs[] = {
	{ NULL, 0, NULL, NULL },
};

int cmd_deploy(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	int rc = inputs_parse(rt, cmd_deploy_inputs, argc, argv, &in);

	if (!rc)
		rc = err_set(E_USAGE, "'%s' is not implemented yet", rt->command);
	inputs_free(&in);
	return rc;
}
