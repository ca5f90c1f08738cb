/*
 * aws/provider: the credential chain, in the AWS SDKs' order, each source in its own file:
 *   0. role-to-assume (rt->aws_role_arn, the commands' input): GitHub OIDC (aws/oidc.h);
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN; empty is none);
 *   2. AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (+ AWS_ROLE_SESSION_NAME) (aws/webid.h);
 *   3. profile AWS_PROFILE (or default) of ~/.aws/config and ~/.aws/credentials, with role
 *      chains and credential_process (aws/profile.h);
 *   4. the container credentials endpoint (aws/container.h);
 *   5. EC2 instance metadata, IMDSv2 (aws/imds.h).
 * The first source that is configured decides: its failure is the error (the chain does not
 * go on past a broken source). Region: the caller's, AWS_REGION, AWS_DEFAULT_REGION, then the
 * profile's "region". Every secret is masked through rt as soon as it is known. What the chain
 * found is kept in rt for the command's later clients (push's CreateRepository and ECR login,
 * promote's registries) until it nears expiry: one OIDC exchange per run, not one per client.
 */
#ifndef CONVOY_AWS_PROVIDER_H
#define CONVOY_AWS_PROVIDER_H

#include "actions/runtime.h"
#include "aws/creds.h"
#include "http/http.h"

/* Refresh credentials that expire within this many seconds (the SDKs use 5 to 15 minutes). */
#define AWS_CREDS_REFRESH_S 300

/* Resolves credentials and region; region_override (--region) wins when non-empty. rt may be
 * NULL (then nothing is masked); http carries the STS and runner calls. */
int aws_creds_resolve(struct aws_creds *out, struct rt *rt, struct http_client *http,
		      const char *region_override);

#endif
