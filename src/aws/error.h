/*
 * aws/error: an AWS error reply (JSON __type + message, or the query protocol's XML Code +
 * Message) parsed, and told as one sentence naming the call, what AWS said and what to do.
 */
#ifndef CONVOY_AWS_ERROR_H
#define CONVOY_AWS_ERROR_H

#include <stddef.h>

#include "aws/creds.h"
#include "aws/endpoint.h"

/* An AWS error reply, parsed (pure). code without the "prefix#" namespace. */
struct aws_error {
	char *code;
	char *message;
};
int aws_error_parse(struct aws_error *out, const char *body, size_t len, const char *type_header);
void aws_error_free(struct aws_error *e);
int aws_error_is_throttling(const char *code);
/* Sets err to the sentence for a failed call and returns the matching E_* code. */
int aws_error_report(const struct aws_service *svc, const char *action, long status,
		     const struct aws_error *e, const struct aws_creds *creds);

#endif
