/* registry/internal: the session struct and helpers shared by client.c, manifest.c, blob.c,
 * errors.c. */
#ifndef CONVOY_REGISTRY_INTERNAL_H
#define CONVOY_REGISTRY_INTERNAL_H

#include <pthread.h>

#include "registry/client.h"

struct registry_token {
	char *scope;  /* "repository:a/b:pull,push[ repository:c/d:pull]" */
	char *header; /* "Bearer ..." */
};

struct registry {
	char *host;
	struct buf base; /* "https://host" */
	struct registry_opts opts;
	struct http_opts hopts;
	struct http_client *http;
	int own_http;
	pthread_mutex_t lock; /* challenge, creds, tokens */
	int pinged;
	int creds_loaded;
	struct registry_challenge chal;
	struct registry_creds creds;
	struct registry_token *tokens;
	size_t ntokens;
};

/* "repository:<repo>:<actions>" plus " repository:<from>:pull" for mounts, into b. */
int registry_scope(struct buf *b, const char *repo, const char *actions, const char *from_repo);
/* Performs req with auth for scope; on 401 learns the challenge and retries once. */
int registry_do_scoped(struct registry *r, const char *scope, struct http_request *req,
		       struct http_response *resp);
/* *foreign = 1 when url is on another origin (scheme, host, port) than the registry's. */
int registry_url_is_foreign(const struct registry *r, const char *url, int *foreign);
/* base URL + printf path into b. */
int registry_url(struct registry *r, struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
