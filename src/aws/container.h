/*
 * aws/container: the container credentials endpoint (ECS tasks, EKS Pod Identity, CodeBuild):
 * AWS_CONTAINER_CREDENTIALS_FULL_URI, or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI on
 * http://169.254.170.2, with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read each time: it
 * rotates) or AWS_CONTAINER_AUTHORIZATION_TOKEN as the Authorization header. The reply is
 * {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}.
 */
#ifndef CONVOY_AWS_CONTAINER_H
#define CONVOY_AWS_CONTAINER_H

#include "actions/runtime.h"
#include "aws/creds.h"

/* E_NOTFOUND (no message) when neither variable is set. */
int aws_container_creds(struct aws_creds *out, struct rt *rt);

/* A credential endpoint's reply (this one's, or IMDS's, which has the same shape) into out:
 * parsed, its secrets masked at once (rt may be NULL), the source set to what. */
int aws_creds_take_reply(struct aws_creds *out, struct rt *rt, const char *body, size_t len,
			 const char *what);

#endif
