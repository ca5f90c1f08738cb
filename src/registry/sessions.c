/* registry/sessions: registry sessions by host, sharing one http client. See sessions.h. */
#include "registry/sessions.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

struct registry_sessions {
	pthread_mutex_t lock;
	struct registry_opts opts;
	struct http_opts hopts;
	struct http_client *http;
	struct strlist insecure; /* a copy: the caller's list may go before the sessions */
	struct registry **regs;
	size_t n;
};

int registry_sessions_new(struct registry_sessions **out, const struct registry_opts *o)
{
	struct registry_sessions *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return err_set(E_NOMEM, "out of memory");
	pthread_mutex_init(&s->lock, NULL);
	s->opts = *o;
	for (size_t i = 0; o->insecure_hosts && i < o->insecure_hosts->len; i++)
		if ((rc = strlist_add(&s->insecure, o->insecure_hosts->items[i]))) {
			registry_sessions_free(s);
			return rc;
		}
	s->opts.insecure_hosts = &s->insecure;
	if (o->http_opts)
		s->hopts = *o->http_opts;
	else
		http_opts_defaults(&s->hopts);
	s->hopts.insecure_hosts = &s->insecure;
	s->hopts.verbose |= o->verbose;
	if ((rc = http_client_new(&s->http, &s->hopts))) {
		registry_sessions_free(s);
		return rc;
	}
	s->opts.http = s->http;
	s->opts.http_opts = &s->hopts;
	*out = s;
	return 0;
}

void registry_sessions_free(struct registry_sessions *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		registry_close(s->regs[i]);
	free(s->regs);
	http_client_free(s->http);
	strlist_clear(&s->insecure);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int registry_sessions_get(struct registry_sessions *s, const char *host, struct registry **out)
{
	struct registry **grown, *r = NULL;
	int rc = 0;

	*out = NULL;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n && !*out; i++)
		if (!strcmp(registry_host(s->regs[i]), host))
			*out = s->regs[i];
	if (*out)
		goto out;
	if ((rc = registry_open(&r, host, &s->opts)))
		goto out;
	/* docker.io is opened as its API host: look it up under both names next time. */
	for (size_t i = 0; i < s->n && !*out; i++)
		if (!strcmp(registry_host(s->regs[i]), registry_host(r)))
			*out = s->regs[i];
	if (*out) {
		registry_close(r);
		goto out;
	}
	if (!(grown = realloc(s->regs, (s->n + 1) * sizeof(*grown)))) {
		registry_close(r);
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	s->regs = grown;
	s->regs[s->n++] = r;
	*out = r;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void registry_sessions_stats(struct registry_sessions *s, struct http_stats *out)
{
	http_client_stats(s->http, out);
}
