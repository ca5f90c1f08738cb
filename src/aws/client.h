/*
 * aws/client: one signed JSON 1.1 call to an AWS service (POST /, X-Amz-Target, body JSON), or
 * a query-protocol one (form body, XML reply),
 * over http/, with the credentials of the chain (aws/provider.h). Endpoints follow the AWS
 * convention (aws/endpoint.h); errors become one sentence naming the call, what AWS said and
 * what to do (aws/error.h). http/ retries 5xx and 429; this layer also retries throttling that AWS
 * reports as a 400 (ThrottlingException and friends), re-signing each attempt.
 */
#ifndef CONVOY_AWS_CLIENT_H
#define CONVOY_AWS_CLIENT_H

#include <jansson.h>

#include "actions/runtime.h"
#include "aws/creds.h"
#include "aws/endpoint.h"
#include "aws/error.h"
#include "util/buf.h"

extern const struct aws_service aws_service_ecs;
extern const struct aws_service aws_service_ecr;

struct aws_client;

/*
 * Finds credentials with the chain (aws/provider.h; secrets masked through rt), logs their
 * source. Calls re-resolve them when they expire within AWS_CREDS_REFRESH_S.
 */
int aws_client_new(struct aws_client **out, struct rt *rt, const char *region);
void aws_client_free(struct aws_client *c);
const char *aws_client_region(const struct aws_client *c);
struct rt *aws_client_rt(const struct aws_client *c);

/* Calls svc's action with body req (NULL: {}); *resp gets the parsed reply (caller decrefs).
 * On failure the message names the service and action. */
int aws_call(struct aws_client *c, const struct aws_service *svc, const char *action,
	     json_t *req, json_t **resp);

/*
 * A query-protocol call (svc->target_prefix NULL: CloudWatch): form is the urlencoded body
 * (Action=...&Version=...&...); a 2xx reply's XML is appended to xml. Signing, retries and
 * error sentences as aws_call.
 */
int aws_call_query(struct aws_client *c, const struct aws_service *svc, const char *action,
		   const char *form, struct buf *xml);

#endif
