/* context: GITHUB_* variables and the event payload. See context.h. */
#include "actions/context.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

#define EVENT_MAX (64u * 1024 * 1024) /* the runner caps payloads far below this */

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

int gh_context_load(struct gh_context *c)
{
	json_error_t jerr;
	struct buf b = BUF_INIT;
	int rc;

	memset(c, 0, sizeof(*c));
	c->event_name = env_or("GITHUB_EVENT_NAME", NULL);
	c->event_path = env_or("GITHUB_EVENT_PATH", NULL);
	c->ref = env_or("GITHUB_REF", NULL);
	c->sha = env_or("GITHUB_SHA", NULL);
	c->repository = env_or("GITHUB_REPOSITORY", NULL);
	c->run_number = env_or("GITHUB_RUN_NUMBER", NULL);
	c->run_id = env_or("GITHUB_RUN_ID", NULL);
	c->run_attempt = env_or("GITHUB_RUN_ATTEMPT", NULL);
	c->server_url = env_or("GITHUB_SERVER_URL", "https://github.com");
	c->api_url = env_or("GITHUB_API_URL", "https://api.github.com");
	c->workspace = env_or("GITHUB_WORKSPACE", NULL);
	c->actor = env_or("GITHUB_ACTOR", NULL);
	c->head_ref = env_or("GITHUB_HEAD_REF", NULL);
	c->base_ref = env_or("GITHUB_BASE_REF", NULL);
	c->workflow = env_or("GITHUB_WORKFLOW", NULL);

	if (!c->event_path) {
		c->event = json_object();
		return c->event ? 0 : err_set(E_NOMEM, "out of memory");
	}
	if ((rc = buf_read_file(&b, c->event_path, EVENT_MAX))) {
		rc = err_set(E_USAGE, "GITHUB_EVENT_PATH: cannot read the event payload: %s",
			     err_msg());
		goto out;
	}
	c->event = json_loadb(buf_cstr(&b), b.len, 0, &jerr);
	if (!c->event) {
		rc = err_set(E_USAGE,
			     "GITHUB_EVENT_PATH %s: the event payload is not valid JSON (line %d: %s)",
			     c->event_path, jerr.line, jerr.text);
		goto out;
	}
	if (!json_is_object(c->event)) {
		rc = err_set(E_USAGE, "GITHUB_EVENT_PATH %s: the event payload must be a JSON object",
			     c->event_path);
		json_decref(c->event);
		c->event = NULL;
	}
out:
	buf_free(&b);
	return rc;
}

void gh_context_free(struct gh_context *c)
{
	if (!c)
		return;
	json_decref(c->event);
	c->event = NULL;
}

char *gh_context_run_url_dup(const struct gh_context *c)
{
	struct buf b = BUF_INIT;

	if (!c->repository || !c->run_id)
		return NULL;
	if (buf_printf(&b, "%s/%s/actions/runs/%s", c->server_url, c->repository, c->run_id))
		return buf_free(&b), NULL;
	return buf_detach(&b);
}

json_t *gh_event_get(const struct gh_context *c, const char *path)
{
	json_t *cur = c->event;
	char key[256];

	while (cur && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key) || !json_is_object(cur))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		path += n + (dot ? 1 : 0);
	}
	return cur;
}

const char *gh_event_str(const struct gh_context *c, const char *path)
{
	json_t *v = gh_event_get(c, path);

	return json_is_string(v) ? json_string_value(v) : NULL;
}
