/*
 * http: libcurl behind http_do(). See http.h for the contract.
 *
 * Redirects are followed here, not by libcurl, so that the Authorization header is dropped
 * whenever the next hop is another origin (registries redirect blob reads to object storage).
 * The operation (http_op_*) is thread-local, like the error: each worker thread's blob upload
 * is an operation of its own, and the layers above (blob, copy) join it without passing it.
 */
#include "util/env.h"
#include "http/http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/ca.h"
#include "util/err.h"
#include "util/rand.h"

#define POOL_MAX 16
#define STREAM_BUFFER (256L * 1024)
#define DEFAULT_MAX_BODY (16u * 1024 * 1024)
#define MAX_REDIRECTS 5

struct http_client {
	struct http_opts opts;
	char *user_agent;
	char *ca_file;      /* found on the first https request (ca_looked), NULL if none */
	int ca_looked;
	pthread_mutex_t lock;
	CURL *pool[POOL_MAX];
	size_t npool;
	struct http_stats stats;
	struct curl_slist *connect_to; /* CONVOY_HTTP_CONNECT_TO, see http.h */
	struct timespec born;          /* the verbose trace's time origin */
};

/*
 * CONVOY_HTTP_CONNECT_TO="host:port:addr:port[,...]": curl's --connect-to, so the end-to-end
 * tests can send a real host name (an ECR registry) to a server on loopback. The URL, the Host
 * header and every host check stay those of the name.
 */
static int connect_to_parse(struct curl_slist **out)
{
	const char *v = getenv("CONVOY_HTTP_CONNECT_TO"), *p;

	*out = NULL;
	if (!v || !*v)
		return 0;
	for (p = v; *p;) {
		size_t n = strcspn(p, ","), colons = 0;
		char *one = strndup(p, n);
		struct curl_slist *next;

		if (!one)
			goto nomem;
		for (size_t i = 0; i < n; i++)
			colons += one[i] == ':';
		if (n && colons != 3) {
			free(one);
			curl_slist_free_all(*out);
			*out = NULL;
			return err_set(E_USAGE, "CONVOY_HTTP_CONNECT_TO: '%.*s' is not "
				       "host:port:address:port", (int)n, p);
		}
		next = n ? curl_slist_append(*out, one) : *out;
		free(one);
		if (!next)
			goto nomem;
		*out = next;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
nomem:
	curl_slist_free_all(*out);
	*out = NULL;
	return err_set(E_NOMEM, "out of memory");
}

void http_opts_defaults(struct http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = env_long("CONVOY_HTTP_CONNECT_TIMEOUT_MS", 10000);
	o->low_speed_time_s = env_long("CONVOY_HTTP_LOW_SPEED_TIME", 30);
	o->low_speed_limit = env_long("CONVOY_HTTP_LOW_SPEED_LIMIT", 1024);
	o->timeout_ms = env_long("CONVOY_HTTP_TIMEOUT_MS", 0);
	o->deadline_ms = env_long("CONVOY_HTTP_DEADLINE_MS", 300000);
	o->max_retries = (unsigned)env_long("CONVOY_HTTP_RETRIES", 4);
	o->backoff_base_ms = env_long("CONVOY_HTTP_BACKOFF_MS", 500);
	o->backoff_max_ms = env_long("CONVOY_HTTP_BACKOFF_MAX_MS", 30000);
}

int http_client_new(struct http_client **out, const struct http_opts *opts)
{
	struct http_client *c = calloc(1, sizeof(*c));
	struct buf ua = BUF_INIT;

	*out = NULL;
	if (!c)
		return err_set(E_NOMEM, "out of memory");
	clock_gettime(CLOCK_MONOTONIC, &c->born);
	if (opts)
		c->opts = *opts;
	else
		http_opts_defaults(&c->opts);
	if (buf_puts(&ua, c->opts.user_agent ? c->opts.user_agent : "convoy/" CONVOY_VERSION)) {
		free(c);
		return err_code();
	}
	c->user_agent = buf_detach(&ua);
	if (connect_to_parse(&c->connect_to)) {
		free(c->user_agent);
		free(c);
		return err_code();
	}
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return 0;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->npool; i++)
		curl_easy_cleanup(c->pool[i]);
	pthread_mutex_destroy(&c->lock);
	curl_slist_free_all(c->connect_to);
	free(c->user_agent);
	free(c->ca_file);
	free(c);
}

void http_client_stats(struct http_client *c, struct http_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

static CURL *handle_get(struct http_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->npool)
		h = c->pool[--c->npool];
	pthread_mutex_unlock(&c->lock);
	if (h)
		curl_easy_reset(h);
	else
		h = curl_easy_init();
	return h;
}

static void handle_put(struct http_client *c, CURL *h)
{
	pthread_mutex_lock(&c->lock);
	if (c->npool < POOL_MAX) {
		c->pool[c->npool++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	if (h)
		curl_easy_cleanup(h);
}

void http_response_reset(struct http_response *r)
{
	strlist_clear(&r->headers);
	buf_reset(&r->body);
	free(r->url);
	r->url = NULL;
	r->status = 0;
}

void http_response_free(struct http_response *r)
{
	if (!r)
		return;
	http_response_reset(r);
	buf_free(&r->body);
}

void http_response_free_secret(struct http_response *r)
{
	if (!r)
		return;
	http_response_reset(r);
	buf_free_secret(&r->body);
}

const char *http_header(const struct http_response *r, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < r->headers.len; i++) {
		const char *h = r->headers.items[i];

		if (!strncasecmp(h, name, n) && h[n] == ':') {
			h += n + 1;
			while (*h == ' ' || *h == '\t')
				h++;
			return h;
		}
	}
	return NULL;
}

struct xfer {
	const struct http_request *req;
	struct http_response *resp;
	size_t sent;     /* in-memory body offset */
	int sink_failed; /* the write_fn asked to stop */
	int over_limit;
};

static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n, end = len;
	char *line;

	/* A new status line (after 100 Continue or a redirect) starts a new header set. */
	if (len > 5 && !strncmp(data, "HTTP/", 5)) {
		const char *sp = memchr(data, ' ', len);

		strlist_clear(&x->resp->headers);
		x->resp->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return len;
	}
	while (end && (data[end - 1] == '\r' || data[end - 1] == '\n'))
		end--;
	if (!end || !memchr(data, ':', end))
		return len;
	if (strlist_addn(&x->resp->headers, data, end))
		return 0;
	line = x->resp->headers.items[x->resp->headers.len - 1];
	for (char *p = line; *p && *p != ':'; p++)
		*p = (char)tolower((unsigned char)*p);
	return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;

	/* Only 2xx bodies go to the sink; error bodies are buffered for the message. */
	if (x->req->write_fn && x->resp->status >= 200 && x->resp->status < 300) {
		if (x->req->write_fn(data, len, x->req->write_ctx)) {
			x->sink_failed = 1;
			return 0;
		}
		return len;
	}
	if (buf_add(&x->resp->body, data, len)) {
		x->over_limit = 1;
		return 0;
	}
	return len;
}

static size_t on_read(char *dst, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t want = size * n;

	if (x->req->read_fn) {
		size_t got = x->req->read_fn(dst, want, x->req->read_ctx);

		return got == (size_t)-1 ? CURL_READFUNC_ABORT : got;
	}
	if (want > x->req->body_len - x->sent)
		want = x->req->body_len - x->sent;
	memcpy(dst, (const char *)x->req->body + x->sent, want);
	x->sent += want;
	return want;
}

static int is_retryable_status(long s)
{
	return s == 408 || s == 429 || (s >= 500 && s != 501 && s != 505);
}

long http_parse_retry_after(const char *v)
{
	char *end;
	long secs;

	if (!v || !*v)
		return -1;
	while (*v == ' ')
		v++;
	if (isdigit((unsigned char)*v)) {
		secs = strtol(v, &end, 10);
		while (*end == ' ')
			end++;
		return *end || secs < 0 ? -1 : secs * 1000;
	}
	{
		time_t when = curl_getdate(v, NULL), now = time(NULL);

		if (when == -1)
			return -1;
		return when > now ? (long)(when - now) * 1000 : 0;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static long backoff_ms(const struct http_opts *o, unsigned attempt, const struct http_response *r)
{
	const char *ra = r ? http_header(r, "retry-after") : NULL;
	long ms = ra ? http_parse_retry_after(ra) : -1;

	if (ms < 0) {
		long base = o->backoff_base_ms;

		for (unsigned i = 1; i < attempt && base < o->backoff_max_ms; i++)
			base *= 2;
		/* Full jitter between half and the whole delay. */
		ms = base / 2 + (long)(rand_unit() * (double)(base / 2 + 1));
	}
	return ms > o->backoff_max_ms ? o->backoff_max_ms : ms;
}

/* The current thread's operation; see http.h. */
struct op {
	unsigned depth;
	struct timespec start;
	long deadline_ms;
	unsigned retries_left;
	int expired;
};
static _Thread_local struct op cur_op;

void http_op_begin(struct http_client *c)
{
	if (cur_op.depth++)
		return;
	clock_gettime(CLOCK_MONOTONIC, &cur_op.start);
	cur_op.deadline_ms = c->opts.deadline_ms;
	cur_op.retries_left = c->opts.max_retries;
	cur_op.expired = 0;
}

void http_op_end(void)
{
	if (cur_op.depth)
		cur_op.depth--;
}

int http_op_expired(void)
{
	return cur_op.expired;
}

long http_op_deadline_s(void)
{
	return cur_op.deadline_ms > 0 ? (cur_op.deadline_ms + 999) / 1000 : 0;
}

/* Milliseconds left in the operation; LONG_MAX without a deadline. */
static long op_left_ms(void)
{
	struct timespec now;
	long spent;

	if (cur_op.deadline_ms <= 0)
		return LONG_MAX;
	clock_gettime(CLOCK_MONOTONIC, &now);
	spent = (long)(now.tv_sec - cur_op.start.tv_sec) * 1000 +
		(now.tv_nsec - cur_op.start.tv_nsec) / 1000000;
	return cur_op.deadline_ms - spent;
}

int http_op_retry(struct http_client *c, unsigned attempt, const struct http_response *r)
{
	long delay, left;

	if (!cur_op.retries_left)
		return 0;
	delay = backoff_ms(&c->opts, attempt, r);
	left = op_left_ms();
	if (left <= delay) {
		cur_op.expired = 1;
		return 0;
	}
	cur_op.retries_left--;
	sleep_ms(delay);
	pthread_mutex_lock(&c->lock);
	c->stats.retries++;
	pthread_mutex_unlock(&c->lock);
	return 1;
}

int http_host_is_loopback(const char *host)
{
	size_t n;

	if (!host)
		return 0;
	if (!strncmp(host, "[::1]", 5))
		return 1;
	n = strcspn(host, ":");
	if (n == 9 && !strncasecmp(host, "localhost", 9))
		return 1;
	return !strncmp(host, "127.", 4);
}

char *http_url_host_dup(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *res = NULL;
	struct buf b = BUF_INIT;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0))
		goto out;
	(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
	for (char *p = host; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (buf_puts(&b, host) || (port && buf_printf(&b, ":%s", port)))
		goto out;
	res = buf_detach(&b);
out:
	buf_free(&b);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return res;
}

char *http_url_origin_dup(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *res = NULL;
	struct buf b = BUF_INIT;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT))
		goto out;
	if (buf_printf(&b, "%s://%s:%s", scheme, host, port))
		goto out;
	for (char *p = b.data; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	res = buf_detach(&b);
out:
	buf_free(&b);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return res;
}

char *http_resolve_url_dup(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *s = NULL, *res = NULL;

	if (!u)
		return NULL;
	if (!curl_url_set(u, CURLUPART_URL, base, 0) &&
	    !curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME) &&
	    !curl_url_get(u, CURLUPART_URL, &s, 0))
		res = strdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return res;
}

int http_url_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; *s && !rc; s++) {
		unsigned char ch = (unsigned char)*s;

		if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~')
			rc = buf_putc(b, (char)ch);
		else
			rc = buf_printf(b, "%%%c%c", hex[ch >> 4], hex[ch & 15]);
	}
	return rc;
}

static int host_allowed_plain(const struct http_client *c, const char *host)
{
	if (http_host_is_loopback(host))
		return 1;
	if (c->opts.insecure_hosts)
		for (size_t i = 0; i < c->opts.insecure_hosts->len; i++)
			if (!strcasecmp(c->opts.insecure_hosts->items[i], host))
				return 1;
	return 0;
}

/* One attempt at one URL. Returns 0 when a response arrived, or an error. */
/* Query parameters that name things and may be shown; every other value is redacted. */
static const char *const shown_params[] = { "digest", "mount", "from", "n", "last", "page",
					    "per_page", "artifactType", NULL };

char *http_url_redact_dup(const char *url)
{
	struct buf b = BUF_INIT;
	const char *q = url ? strchr(url, '?') : NULL, *p;

	if (!url)
		return NULL;
	if (!q)
		return strdup(url);
	if (buf_add(&b, url, (size_t)(q - url + 1)))
		goto fail;
	for (p = q + 1; *p;) {
		size_t n = strcspn(p, "&#"), k = strcspn(p, "=&#");
		int shown = 0;

		for (size_t i = 0; shown_params[i]; i++)
			if (strlen(shown_params[i]) == k && !strncmp(p, shown_params[i], k))
				shown = 1;
		if (shown || k == n ? buf_add(&b, p, n)
				    : (buf_add(&b, p, k + 1) || buf_puts(&b, "***")))
			goto fail;
		p += n;
		if (*p == '#')
			break;
		if (*p == '&') {
			if (buf_putc(&b, '&'))
				goto fail;
			p++;
		}
	}
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

static int perform(struct http_client *c, CURL *h, const struct http_request *req, const char *url,
		   int send_auth, struct http_response *resp)
{
	struct curl_slist *hdrs = NULL;
	struct xfer x = { req, resp, 0, 0, 0 };
	struct buf authz = BUF_INIT;
	char errbuf[CURL_ERROR_SIZE] = "", *shown;
	CURLcode cc;
	int rc = 0, has_body = req->body || req->read_fn;

	http_response_reset(resp);
	resp->body.max = req->max_body ? req->max_body : DEFAULT_MAX_BODY;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->opts.low_speed_time_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, c->opts.low_speed_limit);
	{
		/* A wait for an answer ends at the operation's deadline; a streamed body (a blob)
		 * is cut by the low-speed limit only, so a large layer that moves is not. */
		long t = c->opts.timeout_ms, left = op_left_ms();

		if (!req->read_fn && !req->write_fn && left != LONG_MAX && (!t || left < t))
			t = left > 0 ? left : 1;
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, t);
	}
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, NULL);
	if (!strncasecmp(url, "https://", 8)) {
		/* The CA bundle is found on the first https request only: a run that speaks plain
		 * HTTP to a loopback registry, or none at all, never looks for it. libcurl parses it
		 * once per pooled handle and keeps it (its CA cache). */
		pthread_mutex_lock(&c->lock);
		if (!c->ca_looked) {
			c->ca_file = http_ca_find_dup();
			c->ca_looked = 1;
		}
		pthread_mutex_unlock(&c->lock);
		if (c->ca_file)
			curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	}
	if (c->connect_to)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, c->connect_to);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
	/* Streamed bodies are blobs: larger buffers mean fewer system calls and callbacks per
	 * megabyte (curl's defaults are 16 KiB down and 64 KiB up). */
	if (req->write_fn)
		curl_easy_setopt(h, CURLOPT_BUFFERSIZE, STREAM_BUFFER);
	if (req->read_fn)
		curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, STREAM_BUFFER);

	if (!strcmp(req->method, "HEAD"))
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (!strcmp(req->method, "GET"))
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		if (has_body || strcmp(req->method, "DELETE")) {
			curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
			curl_easy_setopt(h, CURLOPT_READDATA, &x);
			curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
		}
	}
	if (req->headers)
		for (size_t i = 0; i < req->headers->len; i++)
			hdrs = curl_slist_append(hdrs, req->headers->items[i]);
	/* No "Expect: 100-continue": one round trip less on every upload. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (req->auth && send_auth) {
		if (buf_printf(&authz, "Authorization: %s", req->auth)) {
			rc = err_code();
			goto out;
		}
		hdrs = curl_slist_append(hdrs, buf_cstr(&authz));
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	/* on_header records the status before the body arrives, so on_body can route it. */
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	{
		curl_off_t up = 0, down = 0;

		curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
		curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &down);
		pthread_mutex_lock(&c->lock);
		c->stats.requests++;
		c->stats.bytes_sent += (uint64_t)up;
		c->stats.bytes_received += (uint64_t)down;
		pthread_mutex_unlock(&c->lock);
	}
	if (cc == CURLE_OK) {
		resp->url = strdup(url);
		goto out;
	}
	/* Messages name the URL without its query's values: a redirect to blob storage carries
	 * a signature or a token there. */
	shown = http_url_redact_dup(url);
	if (x.sink_failed) {
		rc = err_code() ? err_code() : err_set(E_IO, "%s %s: writing the response failed",
						      req->method, shown ? shown : "");
	} else if (x.over_limit) {
		rc = err_set(E_LIMIT, "%s %s: response body over %zu bytes", req->method,
			     shown ? shown : "", resp->body.max);
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		rc = err_set(E_TIMEOUT, "%s %s: timed out (%s)", req->method, shown ? shown : "",
			     errbuf[0] ? errbuf : curl_easy_strerror(cc));
	} else if (cc == CURLE_ABORTED_BY_CALLBACK && req->read_fn) {
		rc = err_code() ? err_code() : err_set(E_IO, "%s %s: reading the body failed",
						      req->method, shown ? shown : "");
	} else {
		rc = err_set(E_NET, "%s %s: %s", req->method, shown ? shown : "",
			     errbuf[0] ? errbuf : curl_easy_strerror(cc));
	}
	free(shown);
	resp->status = 0;
out:
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	/* The header line holds a credential: wipe it. */
	buf_free_secret(&authz);
	return rc;
}

static double ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) * 1e3 + (double)(now.tv_nsec - t->tv_nsec) / 1e6;
}

/* One line per attempt: start (ms since the client was made), duration, request, outcome. */
static void trace(struct http_client *c, const struct timespec *t0, const char *method,
		  const char *url, long status, unsigned attempt)
{
	double at, took;

	char *shown;

	if (!c->opts.verbose)
		return;
	took = ms_since(t0);
	at = ms_since(&c->born) - took;
	shown = http_url_redact_dup(url);
	if (status)
		fprintf(stderr, "http: +%.1fms %.1fms %s %s -> %ld%s\n", at, took, method,
			shown ? shown : "", status, attempt > 1 ? " (retry)" : "");
	else
		fprintf(stderr, "http: +%.1fms %.1fms %s %s -> %s\n", at, took, method,
			shown ? shown : "", err_msg());
	free(shown);
}

int http_do(struct http_client *c, const struct http_request *req, struct http_response *resp)
{
	char *url = strdup(req->url), *origin = http_url_origin_dup(req->url);
	CURL *h = handle_get(c);
	struct timespec t0;
	int rc = 0, send_auth = 1;
	unsigned attempt = 0, redirects = 0;

	http_op_begin(c);
	resp->attempts = 0;
	if (!url || !origin || !h) {
		rc = err_set(E_USAGE, "invalid URL '%s'", req->url);
		goto out;
	}
	for (;;) {
		char *host = http_url_host_dup(url), *here = http_url_origin_dup(url);

		if (!host || !here) {
			free(host);
			free(here);
			rc = err_set(E_USAGE, "invalid URL '%s'", url);
			goto out;
		}
		/* Credentials stay with their origin: scheme, host and port. */
		send_auth = !strcmp(here, origin);
		free(here);
		if (req->auth && send_auth && !strncasecmp(url, "http://", 7) &&
		    !host_allowed_plain(c, host)) {
			rc = err_set(E_USAGE,
				     "refusing to send credentials over plain HTTP to %s (use https, "
				     "or name the host in --insecure-registry)", host);
			free(host);
			goto out;
		}
		free(host);
		if (op_left_ms() <= 0) {
			char *shown = http_url_redact_dup(url);

			cur_op.expired = 1;
			rc = err_set(E_TIMEOUT, "%s %s: not sent, the operation's %ld s deadline "
				     "(--timeout) has passed", req->method, shown ? shown : "",
				     http_op_deadline_s());
			free(shown);
			goto out;
		}

		attempt++;
		resp->attempts = attempt;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = perform(c, h, req, url, send_auth, resp);
		trace(c, &t0, req->method, url, rc ? 0 : resp->status, attempt);

		if (!rc && resp->status >= 300 && resp->status < 400 && resp->status != 304 &&
		    (req->flags & HTTP_FOLLOW) && http_header(resp, "location")) {
			char *next = http_resolve_url_dup(url, http_header(resp, "location"));

			if (!next || ++redirects > MAX_REDIRECTS) {
				free(next);
				rc = err_set(E_HTTP, "%s %s: too many or invalid redirects",
					     req->method, req->url);
				goto out;
			}
			free(url);
			url = next;
			if (req->rewind_fn && req->read_fn && req->rewind_fn(req->read_ctx)) {
				rc = err_code();
				goto out;
			}
			attempt--;
			continue;
		}
		{
			int retryable = rc ? (rc == E_NET || rc == E_TIMEOUT)
					   : is_retryable_status(resp->status);

			if (!retryable || (req->flags & HTTP_NO_RETRY))
				break;
			if (req->read_fn && (!req->rewind_fn || req->rewind_fn(req->read_ctx)))
				break;
			if (!http_op_retry(c, attempt, rc ? NULL : resp))
				break;
			err_clear();
			rc = 0;
		}
	}
	if (rc && http_op_expired())
		err_wrap(rc, "gave up at the %ld s deadline (--timeout) after %u attempt%s",
			 http_op_deadline_s(), attempt, attempt > 1 ? "s" : "");
	else if (rc && attempt > 1)
		err_wrap(rc, "after %u attempts", attempt);
out:
	http_op_end();
	if (h)
		handle_put(c, h);
	free(url);
	free(origin);
	return rc;
}
