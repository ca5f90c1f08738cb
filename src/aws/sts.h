/*
 * aws/sts: the two STS calls the credential chain makes, in the query protocol (form POST,
 * Version 2011-06-15, XML reply) at the STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL,
 * else https://sts.<region>.amazonaws.com): AssumeRole, signed with the source credentials
 * (a profile's role_arn + source_profile), and AssumeRoleWithWebIdentity, unsigned (GitHub's
 * OIDC token, a web identity token file). The session's secret and token are masked through
 * rt as soon as the reply is parsed. Refusals become sentences naming the role.
 */
#ifndef CONVOY_AWS_STS_H
#define CONVOY_AWS_STS_H

#include <stddef.h>

#include "actions/runtime.h"
#include "aws/creds.h"
#include "http/http.h"

extern const struct aws_service aws_service_sts;

struct aws_sts_role {
	const char *role_arn;
	const char *session_name; /* NULL: "convoy" */
	const char *external_id;  /* NULL: none */
	unsigned long duration_s; /* 0: STS's default (3600) */
};

/* AssumeRole signed with creds `with` (its region signs); *out gets the session. */
int aws_sts_assume_role(struct rt *rt, struct http_client *http, const char *region,
			const struct aws_creds *with, const struct aws_sts_role *role,
			struct aws_creds *out);
/* AssumeRoleWithWebIdentity with the (already masked) token; *out gets the session. */
int aws_sts_assume_role_with_web_identity(struct rt *rt, struct http_client *http,
					  const char *region, const char *token,
					  const struct aws_sts_role *role, struct aws_creds *out);

/* The <Credentials> of an AssumeRole* reply (pure). E_AUTH when a field is missing. */
int aws_sts_parse_credentials(struct aws_creds *out, const char *xml, size_t len);

#endif
