/*
 * aws/creds: AWS credentials as values, and the pure parsing behind the credential chain
 * (aws/provider.h finds them): the shared credentials and config files' profiles (INI), the
 * JSON a credential_process prints, the JSON the container and EC2 instance metadata
 * endpoints answer, and the ISO 8601 times they expire at. No I/O here: the unit tests feed
 * text.
 */
#ifndef CONVOY_AWS_CREDS_H
#define CONVOY_AWS_CREDS_H

#include <stddef.h>

struct aws_creds {
	char *access_key_id;
	char *secret_access_key;
	char *session_token; /* NULL: none */
	char *region;
	char *source;        /* "environment", "web identity (role arn:...)": never a secret */
	long long expiration; /* Unix seconds; 0: the credentials do not expire */
	int reused;           /* the run's earlier credentials, not fetched again */
};

/* One profile's keys, merged from ~/.aws/config and ~/.aws/credentials (strings or NULL). */
struct aws_profile {
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	char *region;
	char *role_arn;
	char *source_profile;
	char *external_id;
	char *duration_seconds;
	char *role_session_name;
	char *credential_process;
	char *web_identity_token_file;
	char *credential_source;
};

/*
 * Reads profile's section of INI text into out, a key at a time (what is found replaces what
 * out had: parse the config file, then the credentials file, whose keys win). Sections are
 * "[name]" or, as ~/.aws/config spells them, "[profile name]". E_NOTFOUND: no such section.
 */
int aws_profile_parse(struct aws_profile *out, const char *text, size_t len, const char *profile);
/* Wipes the secrets and frees. */
void aws_profile_free(struct aws_profile *p);

/* The shared credentials file's keys and region for profile (aws_profile_parse; for tests). */
int aws_creds_parse_ini(struct aws_creds *out, const char *text, size_t len, const char *profile);

/*
 * What a credential_process prints: {"Version": 1, "AccessKeyId", "SecretAccessKey",
 * "SessionToken", "Expiration"}. what names the process in the message ("credential_process of
 * profile ci"); the message never quotes the text (it holds secrets).
 */
int aws_creds_parse_process_json(struct aws_creds *out, const char *text, size_t len,
				 const char *what);
/* The container credentials and IMDS reply: {"AccessKeyId", "SecretAccessKey", "Token",
 * "Expiration"} (IMDS adds "Code": "Success"). Same message rules. */
int aws_creds_parse_endpoint_json(struct aws_creds *out, const char *text, size_t len,
				  const char *what);

/* "2026-12-08T00:47:49Z", with optional fraction and "+hh:mm" offset, to Unix seconds. */
int aws_time_parse(const char *s, long long *out);

/* A deep copy of src into *dst (which must be empty). */
int aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src);
/* Copies a string into *dst (freeing, wiped, what it held). */
int aws_creds_set(char **dst, const char *s, size_t n);
/* Wipes the secrets and frees. */
void aws_creds_free(struct aws_creds *c);

#endif
