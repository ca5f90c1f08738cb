/*
 * context: the GitHub Actions run context: GITHUB_* variables and the event payload.
 * Under Actions this is authoritative; commands fill gaps from git outside Actions.
 */
#ifndef CONVOY_ACTIONS_CONTEXT_H
#define CONVOY_ACTIONS_CONTEXT_H

#include <jansson.h>

struct gh_context {
	const char *event_name;   /* GITHUB_EVENT_NAME */
	const char *event_path;
	const char *ref;          /* GITHUB_REF */
	const char *sha;          /* GITHUB_SHA */
	const char *repository;   /* owner/name */
	const char *run_number;
	const char *run_id;
	const char *run_attempt;
	const char *server_url;   /* default https://github.com */
	const char *api_url;      /* default https://api.github.com */
	const char *workspace;
	const char *actor;
	const char *head_ref;
	const char *base_ref;
	const char *workflow;
	json_t *event;            /* payload, {} when there is none */
};

/* Reads the environment; a set but missing or malformed GITHUB_EVENT_PATH is an error. */
int gh_context_load(struct gh_context *c);
void gh_context_free(struct gh_context *c);
/* "<server>/<repo>/actions/runs/<id>" (malloc'd) or NULL when unknown. */
char *gh_context_run_url_dup(const struct gh_context *c);
/* A string at a dotted path in the payload ("pull_request.head.sha"), or NULL. */
const char *gh_event_str(const struct gh_context *c, const char *path);
json_t *gh_event_get(const struct gh_context *c, const char *path);

#endif
