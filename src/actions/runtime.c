/* runtime: the context created in main() and passed down. See runtime.h. */
#include "actions/runtime.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "util/err.h"
#include "util/rand.h"

int rt_init(struct rt *rt)
{
	const char *ga = getenv("GITHUB_ACTIONS");
	const char *dbg = getenv("RUNNER_DEBUG");

	memset(rt, 0, sizeof(*rt));
	rt->actions = ga && !strcmp(ga, "true");
	rt->verbose = dbg && !strcmp(dbg, "1");
	rt->format = RT_TEXT;
	rt->out = stdout;
	rt->log = rt->actions ? stdout : stderr;
	buf_init(&rt->summary, SUMMARY_MAX);
	return rand_hex(rt->stop_token, 16);
}

void rt_free(struct rt *rt)
{
	if (!rt)
		return;
	strlist_clear(&rt->secrets);
	strlist_clear(&rt->out_names);
	strlist_clear(&rt->out_values);
	strlist_clear(&rt->out_keep);
	strlist_clear(&rt->json_names);
	strlist_clear(&rt->json_values);
	strlist_clear(&rt->env_names);
	strlist_clear(&rt->env_values);
	buf_free(&rt->summary);
	free(rt->aws_role_arn);
	free(rt->aws_role_session_name);
	rt->aws_role_arn = rt->aws_role_session_name = NULL;
	if (rt->aws_cache_free)
		rt->aws_cache_free(rt->aws_cache);
	rt->aws_cache = NULL;
}

/*
 * Shorter values are not masked: a one-character token masked letter by letter turns every
 * "x" of the log into "***". The runner skips the secrets it knows when they are this short,
 * and no real credential is.
 */
#define RT_MASK_MIN_LEN 4

int rt_mask(struct rt *rt, const char *secret)
{
	if (!secret || strlen(secret) < RT_MASK_MIN_LEN || strlist_contains(&rt->secrets, secret))
		return 0;
	/* Announce before anything else can print it. */
	wf_add_mask(rt, secret);
	return strlist_add(&rt->secrets, secret);
}

char *rt_redact_dup(const struct rt *rt, const char *s)
{
	struct buf b = BUF_INIT;
	const char *p = s;

	if (!s)
		return NULL;
	while (*p) {
		size_t best = 0;

		for (size_t i = 0; i < rt->secrets.len; i++) {
			size_t n = strlen(rt->secrets.items[i]);

			if (n > best && !strncmp(p, rt->secrets.items[i], n))
				best = n;
		}
		if (best) {
			if (buf_puts(&b, "***"))
				goto fail;
			p += best;
		} else {
			if (buf_putc(&b, *p++))
				goto fail;
		}
	}
	return buf_detach(&b);
fail:
	buf_free(&b);
	return NULL;
}

__attribute__((format(printf, 3, 0)))
static void rt_vlog(struct rt *rt, const char *prefix, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT;
	char *clean;

	if (buf_vprintf(&b, fmt, ap))
		goto out;
	clean = rt_redact_dup(rt, buf_cstr(&b));
	if (clean) {
		fprintf(rt->log, "%s%s\n", prefix, clean);
		fflush(rt->log);
		free(clean);
	}
out:
	buf_free(&b);
}

void rt_info(struct rt *rt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vlog(rt, "", fmt, ap);
	va_end(ap);
}

void rt_debug(struct rt *rt, const char *fmt, ...)
{
	va_list ap;

	if (!rt->verbose)
		return;
	va_start(ap, fmt);
	rt_vlog(rt, rt->actions ? "::debug::" : "debug: ", fmt, ap);
	va_end(ap);
}

static int print_outputs(struct rt *rt, const struct strlist *names, const struct strlist *values)
{
	if (rt->format == RT_MARKDOWN || rt->format == RT_JSONL)
		return 0; /* the listing itself was the output (history) */
	if (rt->format == RT_JSON) {
		json_t *o = json_object();
		char *s;

		for (size_t i = 0; i < names->len; i++) {
			json_t *v = NULL;

			/* a list or a JSON output is a real JSON value, not JSON inside a string */
			for (size_t j = 0; !v && j < rt->json_names.len; j++)
				if (!strcmp(rt->json_names.items[j], names->items[i]))
					v = json_loads(rt->json_values.items[j], JSON_DECODE_ANY, NULL);
			json_object_set_new(o, names->items[i], v ? v : json_string(values->items[i]));
		}
		s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (!s)
			return err_set(E_NOMEM, "out of memory");
		fprintf(rt->out, "%s\n", s);
		free(s);
		return 0;
	}
	for (size_t i = 0; i < names->len; i++) {
		const char *v = values->items[i];

		if (strchr(v, '\n')) {
			fprintf(rt->out, "%s:\n", names->items[i]);
			for (const char *p = v; *p;) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);

				fprintf(rt->out, "  %.*s\n", (int)n, p);
				p += n + (nl ? 1 : 0);
			}
		} else {
			fprintf(rt->out, "%s: %s\n", names->items[i], v);
		}
	}
	return 0;
}

/* Writes the outputs named in keep (a failed command) to GITHUB_OUTPUT or stdout. */
static int write_kept_outputs(struct rt *rt)
{
	struct strlist names = STRLIST_INIT, values = STRLIST_INIT;
	const char *path = rt->actions ? getenv("GITHUB_OUTPUT") : NULL;
	int rc = 0;

	for (size_t i = 0; i < rt->out_names.len && !rc; i++)
		if (strlist_contains(&rt->out_keep, rt->out_names.items[i]) &&
		    !(rc = strlist_add(&names, rt->out_names.items[i])))
			rc = strlist_add(&values, rt->out_values.items[i]);
	if (!rc && names.len)
		rc = path && *path ? out_write_file(path, &names, &values)
				   : print_outputs(rt, &names, &values);
	strlist_clear(&names);
	strlist_clear(&values);
	return rc;
}

int rt_finish(struct rt *rt, int rc)
{
	const char *path;
	int wrc;

	if (rc != 0) {
		(void)write_kept_outputs(rt); /* the command's error is the one to report */
	} else {
		path = rt->actions ? getenv("GITHUB_OUTPUT") : NULL;
		if (path && *path)
			rc = out_write_file(path, &rt->out_names, &rt->out_values);
		else
			rc = print_outputs(rt, &rt->out_names, &rt->out_values);
		path = rt->actions ? getenv("GITHUB_ENV") : NULL;
		if (!rc && path && *path && rt->env_names.len)
			rc = out_write_file(path, &rt->env_names, &rt->env_values);
	}
	wrc = summary_write(rt);
	return rc ? rc : wrc;
}
