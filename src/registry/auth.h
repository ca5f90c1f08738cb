/*
 * registry/auth: who we are to a registry. Parses WWW-Authenticate challenges, finds
 * credentials (explicit, Docker config.json auths / identitytoken, credHelpers / credsStore via
 * `docker-credential-<name> get`, then a registered provider such as native ECR), and runs the
 * Bearer token flow with one token per scope, cached and reused. Secrets are masked through the
 * runtime as soon as they are known and are never part of an error message.
 */
#ifndef CONVOY_REGISTRY_AUTH_H
#define CONVOY_REGISTRY_AUTH_H

#include "util/strlist.h"

/* One challenge from a WWW-Authenticate header. */
struct registry_challenge {
	char *scheme;  /* "bearer", "basic" (lower-case); NULL when none */
	char *realm;
	char *service;
	char *scope;
	char *error;   /* error="insufficient_scope" etc. */
};

/* Parses the first challenge of a header value (RFC 7235 auth-params, quoted strings). */
int registry_challenge_parse(struct registry_challenge *out, const char *header);
void registry_challenge_free(struct registry_challenge *c);

/* Credentials for one host. identity_token (an OAuth2 refresh token) replaces the password in
 * the token flow when set. All fields malloc'd; registry_creds_free wipes them. */
struct registry_creds {
	char *username;
	char *password;
	char *identity_token;
	char *source; /* where they came from, for messages: "--username", "config.json auths" */
};
void registry_creds_free(struct registry_creds *c);

/*
 * A credential provider called when a host has no other credentials (registered in
 * registry_opts). Fills *out and returns 0; returns E_NOTFOUND when it has none for host, or
 * another error (with the message set) when it failed.
 */
typedef int (*registry_cred_provider)(const char *host, struct registry_creds *out, void *ctx);

/* Whether host is <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]; fills account/region
 * (malloc'd) when non-NULL. */
int registry_host_is_ecr(const char *host, char **account, char **region);

/*
 * Looks host up in a Docker config directory (config_dir/config.json, or config_dir is the
 * config.json file itself; NULL: $DOCKER_CONFIG or
 * ~/.docker): credHelpers[host], then auths[host] (auth = base64 user:pass, identitytoken),
 * then credsStore. Keys match with or without scheme and path ("https://index.docker.io/v1/"
 * for docker.io). Returns 0 with *out filled, E_NOTFOUND when there are none, or an error.
 */
int registry_config_lookup(const char *config_dir, const char *host, struct registry_creds *out);
/* Same, from config.json text (unit tests, fuzzing). */
int registry_config_lookup_json(const char *json, size_t len, const char *host,
				struct registry_creds *out);

/* Runs `docker-credential-<helper> get` with host on stdin and parses {Username, Secret}. */
int registry_cred_helper_get(const char *helper, const char *host, struct registry_creds *out);

#endif
