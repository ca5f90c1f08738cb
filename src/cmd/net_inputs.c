/* net_inputs: --timeout and --retries into the http options. See net_inputs.h. */
#include "cmd/net_inputs.h"

int net_inputs_apply(const struct inputs *in, struct http_opts *o)
{
	unsigned long v;
	int rc;

	if (inputs_get(in, "timeout")) {
		if ((rc = inputs_get_uint(in, "timeout", 1, 86400, &v)))
			return rc;
		o->deadline_ms = (long)v * 1000;
	}
	if (inputs_get(in, "retries")) {
		if ((rc = inputs_get_uint(in, "retries", 0, 100, &v)))
			return rc;
		o->max_retries = (unsigned)v;
	}
	return 0;
}
