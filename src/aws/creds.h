/*
 * aws/creds: the credentials and region, found as the AWS CLI and
 * aws-actions/configure-aws-credentials leave them: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
 * AWS_SESSION_TOKEN (an empty token is no token), else the shared credentials file
 * (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE or "default");
 * region from the caller, AWS_REGION, AWS_DEFAULT_REGION, then the profile's "region".
 */
#ifndef CONVOY_AWS_CREDS_H
#define CONVOY_AWS_CREDS_H

#include <stddef.h>

struct aws_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL: none */
	char *region;
	char *source;        /* "environment", "shared credentials file ~/.aws/credentials [ci]" */
};

/* Loads credentials and region; region_override (e.g. --region) wins when non-empty. */
int aws_creds_load(struct aws_creds *out, const char *region_override);
/* Parses shared-credentials INI text for profile (pure; for tests). Fills only what it finds. */
int aws_creds_parse_ini(struct aws_creds *out, const char *text, size_t len, const char *profile);
/* Wipes the secrets and frees. */
void aws_creds_free(struct aws_creds *c);

#endif
