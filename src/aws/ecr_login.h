/*
 * aws/ecr_login: native ECR login. A registry_cred_provider (registry/auth.h) for hosts
 * <account>.dkr.ecr.<region>.amazonaws.com: calls GetAuthorizationToken in the host's region
 * for the host's account and hands back AWS + the (masked) password.
 * Register it with: opts.cred_provider = aws_ecr_cred_provider; opts.cred_ctx = rt;
 */
#ifndef CONVOY_AWS_ECR_LOGIN_H
#define CONVOY_AWS_ECR_LOGIN_H

#include "registry/auth.h"

/* ctx: the struct rt * (for masking), may be NULL. */
int aws_ecr_cred_provider(const char *host, struct registry_creds *out, void *ctx);

#endif
