/*
 * aws/webid: credentials from a web identity token file (EKS's IRSA, AWS_ROLE_ARN +
 * AWS_WEB_IDENTITY_TOKEN_FILE, a profile's web_identity_token_file): the file's token, masked,
 * exchanged with STS AssumeRoleWithWebIdentity (aws/sts.h).
 */
#ifndef CONVOY_AWS_WEBID_H
#define CONVOY_AWS_WEBID_H

#include "actions/runtime.h"
#include "aws/creds.h"
#include "aws/sts.h"
#include "http/http.h"

/* what names the setting in messages ("AWS_WEB_IDENTITY_TOKEN_FILE", "profile ci's ..."). */
int aws_webid_creds(struct aws_creds *out, struct rt *rt, struct http_client *http,
		    const char *region, const struct aws_sts_role *role, const char *token_file,
		    const char *what);

#endif
