/*
 * http: the one libcurl wrapper. Every request in convoy goes through http_do(): it applies the
 * timeouts (connect, low-speed, total), retries connection errors, 408, 429 and 5xx with
 * exponential backoff and jitter (honouring Retry-After) within one deadline and one retry budget
 * per operation (struct http_op below), follows redirects itself so that credentials never
 * travel to another origin, refuses to send credentials over plain HTTP to a
 * non-loopback host that was not declared insecure, finds the CA bundle, counts requests and
 * bytes, and traces (without headers) when verbose. Thread-safe: handles are pooled per client.
 */
#ifndef CONVOY_HTTP_HTTP_H
#define CONVOY_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/strlist.h"

struct http_client;
struct http_response;

struct http_opts {
	long connect_timeout_ms;   /* default 10 s */
	long low_speed_time_s;     /* abort when below low_speed_limit for this long; default 30 */
	long low_speed_limit;      /* bytes/s; default 1024 (a slow drip is a stall) */
	long timeout_ms;           /* one request; 0 = none (large blobs); default 0 */
	long deadline_ms;          /* one operation, all its attempts (--timeout); 0 = none;
				      default 300 s */
	unsigned max_retries;      /* retries per operation, across layers (--retries); default 4 */
	long backoff_base_ms;      /* first retry delay; default 500 */
	long backoff_max_ms;       /* cap on one delay, including Retry-After; default 30000 */
	const char *user_agent;    /* default "convoy/<version>" */
	const struct strlist *insecure_hosts; /* host[:port] allowed over plain HTTP */
	int verbose;               /* trace method, URL, status, time to stderr */
};

/*
 * Opts from defaults overridden by CONVOY_HTTP_* environment variables (tests, users).
 * CONVOY_HTTP_CONNECT_TO ("host:port:address:port", comma-separated) is read by
 * http_client_new(): connections to host:port go to address:port instead (curl's --connect-to;
 * the end-to-end tests point an ECR host name at a registry on loopback).
 */
void http_opts_defaults(struct http_opts *o);

int http_client_new(struct http_client **out, const struct http_opts *opts);
void http_client_free(struct http_client *c);

/*
 * An operation: every request this thread makes between http_op_begin() and http_op_end()
 * (a blob upload's POST, PUT, PATCHes and fresh starts; a copy's attempts) shares one deadline
 * (opts.deadline_ms from the first begin) and one retry budget (opts.max_retries), so retries
 * are counted once whichever layer retries. Nested begins join the outer operation; an
 * http_do() outside any operation is one of its own. No attempt starts after the deadline,
 * and a request's wait for an answer is cut at it; a body that streams (a blob) is cut by the
 * low-speed limit instead, so a large layer that moves is never cut short.
 */
void http_op_begin(struct http_client *c);
void http_op_end(void);
/*
 * Whether the operation may make attempt+1: budget left and time for the backoff delay
 * (Retry-After of r when given). Then it takes one retry from the budget, sleeps the delay and
 * returns 1; else 0 (http_op_expired() tells whether the deadline was the reason).
 */
int http_op_retry(struct http_client *c, unsigned attempt, const struct http_response *r);
int http_op_expired(void);
/* The deadline of the current operation in seconds (for messages), 0 when none. */
long http_op_deadline_s(void);

/* Streaming request body: return bytes written to dst (0 = end), or (size_t)-1 on error. */
typedef size_t (*http_read_fn)(char *dst, size_t n, void *ctx);
/* Rewinds a streaming body for a retry; return 0 or an error code (then no retry). */
typedef int (*http_rewind_fn)(void *ctx);
/* Streaming response body sink: return 0 to continue, non-zero to abort. */
typedef int (*http_write_fn)(const char *data, size_t n, void *ctx);

#define HTTP_NO_RETRY 1u        /* do not retry (non-idempotent without a safe outcome) */
#define HTTP_FOLLOW 2u          /* follow redirects (up to 5), dropping auth across origins */
#define HTTP_RETRY_ON_ANY_5XX 0u /* (default: 5xx, 408, 429 and transport errors retry) */

struct http_request {
	const char *method;        /* "GET", "HEAD", "PUT", ... */
	const char *url;
	const struct strlist *headers; /* "Name: value" lines */
	const char *auth;          /* Authorization header value (never traced; dropped on a
				      redirect to another host) */
	const void *body;          /* in-memory body ... */
	size_t body_len;
	http_read_fn read_fn;      /* ... or a streaming body of body_len bytes */
	http_rewind_fn rewind_fn;
	void *read_ctx;
	http_write_fn write_fn;    /* stream the response body instead of buffering it */
	void *write_ctx;
	size_t max_body;           /* limit for a buffered response body; default 16 MiB */
	unsigned flags;
};

struct http_response {
	long status;
	struct strlist headers;    /* "name: value", names lower-cased, of the final response */
	struct buf body;
	char *url;                 /* final URL after redirects */
	unsigned attempts;
};

/*
 * Performs the request. Returns 0 when an HTTP response arrived (any status: the caller decides;
 * a retryable status is returned after the last retry), or E_NET / E_TIMEOUT / E_USAGE with the
 * message set when no response came. resp must be released with http_response_free().
 */
int http_do(struct http_client *c, const struct http_request *req, struct http_response *resp);
void http_response_free(struct http_response *r);
/* The same for a reply that may hold secrets (tokens, credentials): its body is wiped. */
void http_response_free_secret(struct http_response *r);
void http_response_reset(struct http_response *r);

/* The first value of a header (name case-insensitive), or NULL. */
const char *http_header(const struct http_response *r, const char *name);

/* Counters since the client was created (bench/ prints them). */
struct http_stats {
	uint64_t requests;
	uint64_t retries;
	uint64_t bytes_sent;
	uint64_t bytes_received;
};
void http_client_stats(struct http_client *c, struct http_stats *out);

/* Resolves ref (absolute or relative) against base; malloc'd result or NULL. */
char *http_resolve_url_dup(const char *base, const char *ref);
/* The URL for a log or a message: every query value but those that name things (digest,
 * mount, from, n, last, page, per_page, artifactType) as "***" (signed blob URLs, upload
 * state). malloc'd. */
char *http_url_redact_dup(const char *url);
/* scheme://host:port of a URL, lower-case, with the scheme's default port when none is given,
 * malloc'd; NULL when the URL does not parse. Credentials go only to the origin they belong to. */
char *http_url_origin_dup(const char *url);
/* Host (and :port when present) of a URL, malloc'd, lower-case. */
char *http_url_host_dup(const char *url);
/* Whether a host (with optional port) is loopback: localhost, 127.x, [::1]. */
int http_host_is_loopback(const char *host);
/* Percent-encodes s for a query or path component into b. */
int http_url_escape(struct buf *b, const char *s);
/* The URL of relation rel ("next") in a Link header value (RFC 8288), as written (relative
 * or absolute), malloc'd, or NULL. */
char *http_link_find_dup(const char *link, const char *rel);
/* Parses a Retry-After value (seconds or HTTP date) into milliseconds from now; -1 if bad. */
long http_parse_retry_after(const char *v);

#endif
