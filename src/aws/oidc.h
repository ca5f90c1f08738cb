/*
 * aws/oidc: role-to-assume with GitHub's OIDC token, as aws-actions/configure-aws-credentials
 * does it: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=sts.amazonaws.com with
 * "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" answers {"value": "<JWT>"}; the JWT
 * (masked at once) goes to STS AssumeRoleWithWebIdentity. The runner sets both variables only
 * for a job with `permissions: id-token: write`.
 */
#ifndef CONVOY_AWS_OIDC_H
#define CONVOY_AWS_OIDC_H

#include "actions/runtime.h"
#include "aws/creds.h"
#include "aws/sts.h"
#include "http/http.h"

int aws_oidc_github_creds(struct aws_creds *out, struct rt *rt, struct http_client *http,
			  const char *region, const struct aws_sts_role *role);

#endif
