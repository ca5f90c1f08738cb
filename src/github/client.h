/*
 * github/client: a small GitHub REST client on http/. It speaks the conventions once:
 * GITHUB_API_URL (GitHub Enterprise Server), Authorization: Bearer, Accept:
 * application/vnd.github+json, X-GitHub-Api-Version, JSON bodies, pagination through the Link
 * header, retries of secondary rate limits (403/429 with Retry-After, or x-ratelimit-remaining 0
 * until x-ratelimit-reset) on top of http/'s 5xx retries, and errors that explain what to fix
 * (401 token, 403/404 permissions and fork pull requests, 422 validation).
 * Used by plan-comment (comments, pulls) and reusable by any command (repos, deployments).
 */
#ifndef CONVOY_GITHUB_CLIENT_H
#define CONVOY_GITHUB_CLIENT_H

#include <jansson.h>

#include "http/http.h"

#define GITHUB_API_VERSION "2022-11-28"
#define GITHUB_DEFAULT_API "https://api.github.com"

struct github_client;

/* api_url NULL: GITHUB_DEFAULT_API. token may be NULL (anonymous). opts NULL: defaults. */
int github_client_new(struct github_client **out, const char *api_url, const char *token,
		      const struct http_opts *opts);
void github_client_free(struct github_client *c);

#define GITHUB_ALLOW_404 1u /* a 404 is an answer (status set), not an error */

struct github_response {
	long status;
	json_t *json;   /* parsed body, NULL when empty */
	char *next_url; /* rel="next" from the Link header, NULL on the last page */
};

/*
 * Sends method to path ("/repos/o/r/issues/1/comments?per_page=100", relative to the API URL)
 * or to an absolute URL under the API URL (a Link next page). body may be NULL. A 2xx returns 0;
 * other statuses return E_AUTH / E_NOTFOUND / E_HTTP with an explanation set.
 */
int github_request(struct github_client *c, const char *method, const char *path, json_t *body,
		   unsigned flags, struct github_response *resp);
void github_response_free(struct github_response *r);

/* Called per array element of each page; return 1 to stop, 0 to go on, <0 on error. */
typedef int (*github_item_fn)(json_t *item, void *ctx);
/* GETs path and its following pages (Link rel="next"), at most max_pages (0: 100). */
int github_list(struct github_client *c, const char *path, unsigned max_pages, github_item_fn fn,
		void *ctx);


/* The explanation for an error status (pure: tests call it). what: "listing comments of #3". */
int github_explain_status(long status, const char *what, const char *message, int rate_limited);

/* Appends "/repos/<owner>/<name>" for "owner/name", both escaped; E_USAGE if malformed. */
int github_repo_path(struct buf *b, const char *repo);

/* Requests made and retries for rate limits (tests and bench). */
unsigned github_client_rate_limit_retries(const struct github_client *c);

#endif
