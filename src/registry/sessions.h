/*
 * registry/sessions: one registry session per host for commands that talk to several
 * registries (promote: dev in one account, prod in another). Sessions are opened on first use
 * with the same options (credentials, insecure hosts, credential provider) and share one http
 * client, so connections are pooled and requests counted in one place. Thread-safe.
 */
#ifndef CONVOY_REGISTRY_SESSIONS_H
#define CONVOY_REGISTRY_SESSIONS_H

#include "http/http.h"
#include "registry/client.h"

struct registry_sessions;

/* o: options for every session (o->http is ignored: the set owns one shared client; the
 * insecure host list is copied). */
int registry_sessions_new(struct registry_sessions **out, const struct registry_opts *o);
void registry_sessions_free(struct registry_sessions *s);
/* The session for host, opened on first use (owned by the set). */
int registry_sessions_get(struct registry_sessions *s, const char *host, struct registry **out);
void registry_sessions_stats(struct registry_sessions *s, struct http_stats *out);

#endif
