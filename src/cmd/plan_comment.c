/* plan_comment: placeholder until the command lands. */
#include "cmd/cmd.h"
#include "util/err.h"

const char cmd_plan_comment_summary[] = "Post a Terraform plan as one sticky pull-request comment";
const struct input_def cmd_plan_comment_inputs[] = {
	{ NULL, 0, NULL, NULL },
};

int cmd_plan_comment(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	int rc = inputs_parse(rt, cmd_plan_comment_inputs, argc, argv, &in);

	if (!rc)
		rc = err_set(E_USAGE, "'%s' is not implemented yet", rt->command);
	inputs_free(&in);
	return rc;
}
