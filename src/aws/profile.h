/*
 * aws/profile: credentials from a named profile of the shared files, as the SDKs read them:
 * ~/.aws/config (AWS_CONFIG_FILE; "[profile name]") and ~/.aws/credentials
 * (AWS_SHARED_CREDENTIALS_FILE; "[name]"), the credentials file's keys winning. A profile has
 * static keys, or role_arn with source_profile (STS AssumeRole signed with the source
 * profile's credentials, which may itself be a role: a chain; a loop is an error), with
 * web_identity_token_file, or with credential_source = Environment; external_id,
 * duration_seconds and role_session_name go to AssumeRole; or a credential_process (run by
 * /bin/sh, its JSON read, its output never shown).
 */
#ifndef CONVOY_AWS_PROFILE_H
#define CONVOY_AWS_PROFILE_H

#include "actions/runtime.h"
#include "aws/creds.h"
#include "http/http.h"

/*
 * Credentials of profile. E_NOTFOUND (no message) when neither file has it and asked is 0
 * (the default profile was not asked for by name: the chain goes on).
 */
int aws_profile_creds(struct aws_creds *out, struct rt *rt, struct http_client *http,
		      const char *region, const char *profile, int asked);
/* The profile's region (config file, then credentials file) into *out (malloc'd), or NULL. */
int aws_profile_region_dup(char **out, const char *profile);

#endif
