/* aws_inputs: the role inputs, checked, into the runtime. See aws_inputs.h. */
#include "cmd/aws_inputs.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* arn:<partition>:iam::<12 digits>:role/<path/name> */
static int is_role_arn(const char *s)
{
	const char *p;
	size_t n;

	if (strncmp(s, "arn:aws", 7))
		return 0;
	p = strchr(s + 7, ':');
	if (!p || strncmp(p, ":iam::", 6))
		return 0;
	p += 6;
	n = strspn(p, "0123456789");
	return n == 12 && !strncmp(p + 12, ":role/", 6) && p[18];
}

static int session_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 64)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_+=,.@-", *s))
			return 0;
	return 1;
}

int aws_inputs_apply(struct rt *rt, const struct inputs *in)
{
	const char *arn = inputs_get(in, "role-to-assume");
	const char *name = inputs_get(in, "role-session-name");
	unsigned long d = 3600;
	int rc;

	if (!arn)
		return 0;
	if (!is_role_arn(arn))
		return err_set(E_USAGE, "input 'role-to-assume': '%s' is not an IAM role ARN "
					"(expected arn:aws:iam::123456789012:role/NAME)",
			       arn);
	if (name && !session_name_ok(name))
		return err_set(E_USAGE, "input 'role-session-name': '%s' is not a session name (2 "
					"to 64 letters, digits and _+=,.@-)",
			       name);
	rc = inputs_get_uint(in, "role-duration-seconds", 900, 43200, &d);
	if (rc)
		return rc;
	free(rt->aws_role_arn);
	free(rt->aws_role_session_name);
	rt->aws_role_arn = strdup(arn);
	rt->aws_role_session_name = strdup(name ? name : "convoy");
	rt->aws_role_duration_s = d;
	if (!rt->aws_role_arn || !rt->aws_role_session_name)
		return err_set(E_NOMEM, "out of memory");
	return 0;
}
