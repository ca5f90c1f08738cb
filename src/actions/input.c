/* input: flags and INPUT_* variables declared as data. See input.h. */
#include "actions/input.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/suggest.h"

static char *trim_dup(const char *s)
{
	const char *e;
	char *d;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	d = malloc((size_t)(e - s) + 1);
	if (d) {
		memcpy(d, s, (size_t)(e - s));
		d[e - s] = '\0';
	}
	return d;
}

/* The runner's name for an input's variable: INPUT_ + upper-case, spaces to '_'. */
static char *env_name_dup(const char *name)
{
	struct buf b = BUF_INIT;

	if (buf_puts(&b, "INPUT_"))
		return NULL;
	for (const char *p = name; *p; p++)
		if (buf_putc(&b, *p == ' ' ? '_' : (char)toupper((unsigned char)*p)))
			return buf_free(&b), NULL;
	return buf_detach(&b);
}

static const struct input_def *find_def(const struct input_def *defs, const char *name,
					size_t len, size_t *idx)
{
	for (size_t i = 0; defs[i].name; i++) {
		if (strlen(defs[i].name) == len && !strncmp(defs[i].name, name, len)) {
			*idx = i;
			return &defs[i];
		}
	}
	return NULL;
}

/* The input a bare word on the command line sets, if the command has one. */
static const struct input_def *operand_def(const struct input_def *defs, size_t *idx)
{
	for (size_t i = 0; defs[i].name; i++) {
		if (defs[i].flags & IN_OPERAND) {
			*idx = i;
			return &defs[i];
		}
	}
	return NULL;
}

/* "unknown option '--imags' for 'tags'; did you mean '--images'?" */
static int unknown_option(const struct rt *rt, const struct input_def *defs, const char *name,
			  size_t len)
{
	const char *cmd = rt->command ? rt->command : "convoy", *near = NULL;
	const char *extra[] = { "format", "verbose", "help" };
	const char **names;
	size_t n = 0, k = 0;

	while (defs[n].name)
		n++;
	names = calloc(n + 4, sizeof(*names));
	if (names) {
		for (size_t i = 0; i < n; i++)
			names[k++] = defs[i].name;
		for (size_t i = 0; i < 3; i++)
			names[k++] = extra[i];
		near = suggest_nearest(name, len, names, k);
	}
	free(names);
	if (near)
		return err_set(E_USAGE, "unknown option '--%.*s' for '%s'; did you mean '--%s'? (see "
					"'convoy help %s')", (int)len, name, cmd, near, cmd);
	return err_set(E_USAGE, "unknown option '--%.*s' for '%s' (see 'convoy help %s')", (int)len,
		       name, cmd, cmd);
}

static int set_value(struct inputs *in, size_t i, const char *v, int append)
{
	char *nv;

	if (append && in->values[i]) {
		struct buf b = BUF_INIT;

		if (buf_printf(&b, "%s\n%s", in->values[i], v))
			return buf_free(&b), err_code();
		nv = buf_detach(&b);
	} else {
		nv = strdup(v);
	}
	if (!nv)
		return err_set(E_NOMEM, "out of memory");
	free(in->values[i]);
	in->values[i] = nv;
	return 0;
}

int inputs_parse(struct rt *rt, const struct input_def *defs, int argc, char **argv,
		 struct inputs *in)
{
	unsigned char *from_flag;
	size_t n = 0;
	int rc = 0;

	memset(in, 0, sizeof(*in));
	while (defs[n].name)
		n++;
	in->defs = defs;
	in->n = n;
	in->values = calloc(n + 1, sizeof(char *));
	from_flag = calloc(n + 1, 1);
	if (!in->values || !from_flag) {
		free(from_flag);
		return err_set(E_NOMEM, "out of memory");
	}

	for (int a = 0; a < argc; a++) {
		const char *arg = argv[a], *name, *eq, *val = NULL;
		const struct input_def *d;
		size_t i, len;

		if (!strcmp(arg, "--")) {
			for (a++; a < argc; a++)
				if ((rc = strlist_add(&in->args, argv[a])))
					goto out;
			break;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			in->help = 1;
			continue;
		}
		if (strncmp(arg, "--", 2) || !arg[2]) {
			/* One operand at most, for a command that declares it (IN_OPERAND); any
			 * other stray word is most often the value of a switch ("--allow-skip
			 * false" would mean true), so it is refused. */
			const char *prev = a > 0 ? argv[a - 1] : NULL;
			const struct input_def *pd =
				prev && !strncmp(prev, "--", 2) && !strchr(prev, '=')
					? find_def(defs, prev + 2, strlen(prev + 2), &i)
					: NULL;

			size_t oi = 0;
			const struct input_def *od = operand_def(defs, &oi);

			if (od && !from_flag[oi] && !(pd && (pd->flags & IN_BOOL))) {
				if ((rc = set_value(in, oi, arg, 0)))
					goto out;
				from_flag[oi] = 1;
				continue;
			}
			if (pd && (pd->flags & IN_BOOL))
				rc = err_set(E_USAGE, "unexpected argument '%s' after the switch '%s': "
						      "write --%s=%s (or --no-%s)",
					     arg, prev, pd->name, arg, pd->name);
			else
				rc = err_set(E_USAGE, "unexpected argument '%s' for '%s': options are "
						      "--name value or --name=value (see 'convoy help "
						      "%s')",
					     arg, rt->command ? rt->command : "convoy",
					     rt->command ? rt->command : "");
			goto out;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (len == 6 && !strncmp(name, "format", 6)) {
			val = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : NULL);
			int listing = rt->command && !strcmp(rt->command, "history");

			if (val && listing && (!strcmp(val, "markdown") || !strcmp(val, "jsonl"))) {
				rt->format = strcmp(val, "jsonl") ? RT_MARKDOWN : RT_JSONL;
				continue;
			}
			if (!val || (strcmp(val, "json") && strcmp(val, "text"))) {
				rc = err_set(E_USAGE, "--format: expected 'text' or 'json'%s, got '%s'",
					     listing ? " (or, for history, 'markdown' or 'jsonl')" : "",
					     val ? val : "");
				goto out;
			}
			rt->format = strcmp(val, "json") ? RT_TEXT : RT_JSON;
			continue;
		}
		if (len == 7 && !strncmp(name, "verbose", 7)) {
			rt->verbose = 1;
			continue;
		}
		d = find_def(defs, name, len, &i);
		if (!d && len > 3 && !strncmp(name, "no-", 3) &&
		    (d = find_def(defs, name + 3, len - 3, &i)) && (d->flags & IN_BOOL) && !eq) {
			if ((rc = set_value(in, i, "false", 0)))
				goto out;
			from_flag[i] = 1;
			continue;
		}
		if (!d) {
			rc = unknown_option(rt, defs, name, len);
			goto out;
		}
		if (eq)
			val = eq + 1;
		else if (d->flags & IN_BOOL)
			val = "true";
		else if (a + 1 < argc)
			val = argv[++a];
		else {
			rc = err_set(E_USAGE, "option '--%s' needs a value", d->name);
			goto out;
		}
		if ((rc = set_value(in, i, val, (d->flags & IN_MULTI) && from_flag[i])))
			goto out;
		from_flag[i] = 1;
	}

	for (size_t i = 0; i < n; i++) {
		const char *env;
		char *ename;

		if (from_flag[i] || (defs[i].flags & IN_FLAG_ONLY))
			continue;
		ename = env_name_dup(defs[i].name);
		if (!ename) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		env = getenv(ename);
		free(ename);
		if (env && *env) {
			char *t = trim_dup(env);

			if (!t) {
				rc = err_set(E_NOMEM, "out of memory");
				goto out;
			}
			free(in->values[i]);
			in->values[i] = t;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (in->values[i] && !*in->values[i]) {
			free(in->values[i]);
			in->values[i] = NULL;
		}
		if (!in->values[i] && defs[i].def && (rc = set_value(in, i, defs[i].def, 0)))
			goto out;
		if (in->values[i] && (defs[i].flags & IN_SECRET) && (rc = rt_mask(rt, in->values[i])))
			goto out;
	}
	if (!in->help) {
		for (size_t i = 0; i < n; i++) {
			if ((defs[i].flags & IN_REQUIRED) && !in->values[i]) {
				rc = err_set(E_USAGE, "input '%s' is required (flag --%s)",
					     defs[i].name, defs[i].name);
				goto out;
			}
		}
	}
out:
	free(from_flag);
	return rc;
}

int inputs_set_default(struct inputs *in, const char *name, const char *value)
{
	const struct input_def *d = find_def(in->defs, name, strlen(name), &(size_t){ 0 });
	size_t i = d ? (size_t)(d - in->defs) : 0;

	if (!d)
		return err_set(E_INTERNAL, "no input '%s'", name);
	return in->values[i] ? 0 : set_value(in, i, value, 0);
}

void inputs_free(struct inputs *in)
{
	if (!in || !in->values)
		return;
	for (size_t i = 0; i < in->n; i++)
		free(in->values[i]);
	free(in->values);
	in->values = NULL;
	strlist_clear(&in->args);
}

const char *inputs_get(const struct inputs *in, const char *name)
{
	for (size_t i = 0; i < in->n; i++)
		if (!strcmp(in->defs[i].name, name))
			return in->values[i];
	return NULL;
}

int inputs_get_bool(const struct inputs *in, const char *name, int *out)
{
	const char *v = inputs_get(in, name);

	*out = 0;
	if (!v)
		return 0;
	/* The YAML 1.2 core schema booleans, as @actions/core getBooleanInput accepts. */
	if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE")) {
		*out = 1;
		return 0;
	}
	if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE"))
		return 0;
	return err_set(E_USAGE, "input '%s': expected true or false, got '%s'", name, v);
}

int inputs_get_uint(const struct inputs *in, const char *name, unsigned long min,
		    unsigned long max, unsigned long *out)
{
	const char *v = inputs_get(in, name);
	char *end;
	unsigned long n;

	if (!v)
		return 0;
	if (!isdigit((unsigned char)*v))
		goto bad;
	n = strtoul(v, &end, 10);
	if (*end || n < min || n > max)
		goto bad;
	*out = n;
	return 0;
bad:
	return err_set(E_USAGE, "input '%s': expected a whole number from %lu to %lu, got '%s'",
		       name, min, max, v);
}

struct list_ctx {
	unsigned flags;
	struct strlist *out;
};

static int push_item(struct strlist *out, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return n ? strlist_addn(out, s, n) : 0;
}

static int push_split(struct strlist *out, const char *s)
{
	const char *c;
	int rc;

	while ((c = strchr(s, ','))) {
		if ((rc = push_item(out, s, (size_t)(c - s))))
			return rc;
		s = c + 1;
	}
	return push_item(out, s, strlen(s));
}

static int list_record(struct strlist *fields, void *vctx)
{
	struct list_ctx *ctx = vctx;
	int rc = 0;

	if (fields->len == 1) {
		if (ctx->flags & LIST_IGNORE_COMMA)
			return push_item(ctx->out, fields->items[0], strlen(fields->items[0]));
		return push_split(ctx->out, fields->items[0]);
	}
	if (!(ctx->flags & LIST_IGNORE_COMMA)) {
		for (size_t i = 0; i < fields->len && !rc; i++)
			rc = push_item(ctx->out, fields->items[i], strlen(fields->items[i]));
		return rc;
	}
	{
		char *joined = strlist_join_dup(fields, ",");

		if (!joined)
			return err_set(E_NOMEM, "out of memory");
		rc = push_item(ctx->out, joined, strlen(joined));
		free(joined);
	}
	return rc;
}

int list_parse(const char *text, unsigned flags, struct strlist *out)
{
	struct list_ctx ctx = { flags, out };

	if (!text || !*text)
		return 0;
	return csv_parse(text, strlen(text), (flags & LIST_COMMENTS) ? CSV_COMMENTS : 0,
			 list_record, &ctx);
}

int inputs_get_list(const struct inputs *in, const char *name, unsigned flags,
		    struct strlist *out)
{
	int rc = list_parse(inputs_get(in, name), flags, out);

	if (rc)
		return err_wrap(rc, "input '%s'", name);
	return 0;
}

void inputs_usage(FILE *f, const char *cmd, const char *summary, const struct input_def *defs)
{
	size_t oi = 0;
	const struct input_def *od = operand_def(defs, &oi);

	fprintf(f, "usage: convoy %s ", cmd);
	for (const char *c = od ? od->name : ""; *c; c++)
		fputc(*c == '-' ? '_' : toupper((unsigned char)*c), f);
	fprintf(f, "%s[options]\n\n%s\n\noptions (flag, or INPUT_<NAME> under "
		   "GitHub Actions):\n", od ? " " : "", summary);
	for (size_t i = 0; defs[i].name; i++) {
		fprintf(f, "  --%-22s %s", defs[i].name, defs[i].help ? defs[i].help : "");
		if (defs[i].def && *defs[i].def)
			fprintf(f, " (default: %s)", defs[i].def);
		if (defs[i].flags & IN_REQUIRED)
			fprintf(f, " (required)");
		fputc('\n', f);
	}
	fprintf(f, "  --%-22s %s\n", "format text|json", "output format outside Actions");
	fprintf(f, "  --%-22s %s\n", "verbose", "debug logging");
}
