/*
 * net_inputs: the inputs every command that talks to a registry shares for its time and
 * retry bounds (--timeout, --retries), applied to the http options (http/http.h). Unset, the
 * defaults and the CONVOY_HTTP_* variables stay in force.
 */
#ifndef CONVOY_CMD_NET_INPUTS_H
#define CONVOY_CMD_NET_INPUTS_H

#include "actions/input.h"
#include "http/http.h"

#define NET_INPUTS                                                                              \
	{ "timeout", 0, NULL, "seconds one registry operation may take, its retries included "    \
			      "(default 300; a blob that keeps moving is not cut)" },             \
	{ "retries", 0, NULL, "retries per operation after a connection error, 408, 429 or "     \
			      "5xx, counted once across layers (default 4)" }

/* Applies timeout and retries from in to o; an error names the input and what is expected. */
int net_inputs_apply(const struct inputs *in, struct http_opts *o);

#endif
