/* output: step outputs in the runner's heredoc file format. See output.h. */
#include "actions/output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/rand.h"

static int set_pair(struct strlist *names, struct strlist *values, const char *name,
		    const char *value)
{
	int rc;

	for (size_t i = 0; i < names->len; i++) {
		if (!strcmp(names->items[i], name)) {
			char *v = strdup(value ? value : "");

			if (!v)
				return err_set(E_NOMEM, "out of memory");
			free(values->items[i]);
			values->items[i] = v;
			return 0;
		}
	}
	if ((rc = strlist_add(names, name)))
		return rc;
	return strlist_add(values, value ? value : "");
}

int out_set(struct rt *rt, const char *name, const char *value)
{
	return set_pair(&rt->out_names, &rt->out_values, name, value);
}

int out_set_json(struct rt *rt, const char *name, const char *value, const char *json)
{
	int rc = out_set(rt, name, value);

	return rc ? rc : set_pair(&rt->json_names, &rt->json_values, name, json ? json : "null");
}

int out_keep_on_failure(struct rt *rt, const char *name)
{
	return strlist_contains(&rt->out_keep, name) ? 0 : strlist_add(&rt->out_keep, name);
}

int out_export_env(struct rt *rt, const char *name, const char *value)
{
	return set_pair(&rt->env_names, &rt->env_values, name, value);
}

int out_format_heredoc(struct buf *b, const char *name, const char *value, const char *delim)
{
	if (strstr(name, delim) || strstr(value, delim))
		return err_set(E_INTERNAL, "output %s: the value contains the delimiter %s", name,
			       delim);
	if (!*name || strchr(name, '\n') || strchr(name, '\r'))
		return err_set(E_INTERNAL, "output name '%s' is invalid", name);
	return buf_printf(b, "%s<<%s\n%s\n%s\n", name, delim, value, delim);
}

int out_write_file(const char *path, const struct strlist *names, const struct strlist *values)
{
	struct buf b = BUF_INIT;
	char uuid[37], delim[64];
	FILE *f = NULL;
	int rc;

	if ((rc = rand_uuid(uuid)))
		return rc;
	(void)snprintf(delim, sizeof(delim), "ghadelimiter_%s", uuid);
	/* Format everything first: a refused value must leave the file untouched. */
	for (size_t i = 0; i < names->len; i++)
		if ((rc = out_format_heredoc(&b, names->items[i], values->items[i], delim)))
			goto out;
	f = fopen(path, "a");
	if (!f) {
		rc = err_set(E_IO, "opening %s: %s", path, strerror(errno));
		goto out;
	}
	if (fwrite(b.data ? b.data : "", 1, b.len, f) != b.len) {
		rc = err_set(E_IO, "writing %s: %s", path, strerror(errno));
		fclose(f);
		goto out;
	}
	if (fclose(f))
		rc = err_set(E_IO, "writing %s: %s", path, strerror(errno));
out:
	buf_free(&b);
	return rc;
}
