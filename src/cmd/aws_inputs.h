/*
 * aws_inputs: role-to-assume, role-session-name and role-duration-seconds, named as
 * aws-actions/configure-aws-credentials names them, for every command that reaches AWS
 * (deploy; push, promote, history, rollback where they use ECR). Given role-to-assume, the
 * credential chain (aws/provider.h) assumes the role with the job's GitHub OIDC token.
 */
#ifndef CONVOY_CMD_AWS_INPUTS_H
#define CONVOY_CMD_AWS_INPUTS_H

#include "actions/input.h"
#include "actions/runtime.h"

#define AWS_ROLE_INPUTS                                                                         \
	{ "role-to-assume", 0, NULL, "IAM role ARN to assume with the job's GitHub OIDC token "  \
				     "(needs permissions: id-token: write); default: the AWS "   \
				     "credential chain" },                                        \
	{ "role-session-name", 0, "convoy", "session name of the assumed role" },                 \
	{ "role-duration-seconds", 0, "3600", "lifetime of the role session (900 to 43200; "   \
					      "refreshed before it ends)" }

/* Checks the inputs and hands them to rt (rt->aws_role_*); errors name the input. */
int aws_inputs_apply(struct rt *rt, const struct inputs *in);

#endif
