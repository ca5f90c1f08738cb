/* check: parse every expression before computing anything. See check.h. */
#include "meta/check.h"

#include <string.h>

#include "meta/tag.h"
#include "meta/template.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/suggest.h"

/* The names each kind of expression defines: resolve() in meta.c answers exactly these. */
static const char *const global_names[] = {
	"date", "commit_date", "run_number", "run_id", "run_attempt", "short_sha", "branch",
	"tag", "sha", "base_ref", "is_default_branch", "is_not_default_branch", NULL,
};
static const char *const schedule_names[] = {
	"date", "commit_date", "run_number", "run_id", "run_attempt", "short_sha", NULL,
};
static const char *const semver_names[] = {
	"major", "minor", "patch", "version", "raw", "prerelease", "build", "loose", NULL,
};
static const char *const pep440_names[] = {
	"raw", "version", "major", "minor", "patch", NULL,
};

struct checker {
	const char *const *names;
	const char *input; /* "tags", "flavor", "labels", "annotations" */
	const char *entry;
	struct strlist *warnings;
};

static int known(const char *const *names, const char *n)
{
	for (; *names; names++)
		if (!strcmp(*names, n))
			return 1;
	return 0;
}

static int warn_unknown(struct checker *k, const char *name)
{
	const char *near = suggest_nearest(name, strlen(name), k->names, 0);
	struct buf b = BUF_INIT;
	int rc;

	for (size_t i = 0; i < k->warnings->len; i++) /* once per entry and name */
		if (strstr(k->warnings->items[i], k->entry) &&
		    strstr(k->warnings->items[i], name))
			return 0;
	rc = buf_printf(&b, "input '%s': entry '%s': '{{%s}}' is not a name defined here and "
			"renders empty, as in metadata-action", k->input, k->entry, name);
	if (!rc && near)
		rc = buf_printf(&b, "; did you mean '{{%s}}'?", near);
	else if (!rc && strspn(name, "YMDdHhmsSAaZXxQWwEeGgo") == strlen(name))
		rc = buf_printf(&b, "; a date format is written in quotes: '%s'", name);
	if (!rc && (rc = strlist_take(k->warnings, buf_detach(&b))))
		buf_free(&b);
	return rc ? err_set(E_NOMEM, "out of memory") : 0;
}

/* The resolver of a dry render: defines the names of its kind with an empty value. */
static int resolve_check(void *vctx, const struct meta_tpl_call *call, struct buf *out)
{
	struct checker *k = vctx;
	int rc;

	(void)out;
	if (!known(k->names, call->name)) {
		if (call->nparams || call->nhash)
			return META_TPL_UNDEFINED; /* the template names the missing helper */
		return (rc = warn_unknown(k, call->name)) ? rc : META_TPL_UNDEFINED;
	}
	if (strcmp(call->name, "date") && strcmp(call->name, "commit_date"))
		return 0;
	for (size_t i = 0; i < call->nhash; i++)
		if (strcmp(call->hash_keys[i], "tz"))
			return err_set(E_USAGE, "{{%s}}: unknown %s attribute (expected tz)",
				       call->name, call->hash_keys[i]);
	if (!call->nparams)
		return err_set(E_USAGE, "{{%s}} needs a format, e.g. {{%s 'YYYYMMDD'}}", call->name,
			       call->name);
	return 0;
}

static int check_expr(struct checker *k, const char *expr, const char *const *names)
{
	struct buf out = BUF_INIT;
	int rc;

	if (!expr || !*expr)
		return 0;
	k->names = names;
	rc = meta_tpl_render(expr, resolve_check, k, &out);
	buf_free(&out);
	if (rc && rc != E_NOMEM)
		rc = err_wrap(rc, "input '%s': entry '%s'", k->input, k->entry);
	return rc;
}

static int check_tag(struct checker *k, const struct meta_tag *t)
{
	static const char *const global_attrs[] = { "prefix", "suffix", "enable", "value" };
	const char *const *pattern_names = NULL;
	int rc = 0;

	k->input = "tags";
	k->entry = t->entry;
	for (size_t i = 0; i < sizeof(global_attrs) / sizeof(*global_attrs) && !rc; i++)
		rc = check_expr(k, meta_tag_attr(t, global_attrs[i]), global_names);
	switch (t->type) {
	case META_SEMVER: pattern_names = semver_names; break;
	case META_PEP440: pattern_names = pep440_names; break;
	case META_SCHEDULE: pattern_names = schedule_names; break;
	default: break; /* match's pattern is a regular expression, not a template */
	}
	if (!rc && pattern_names)
		rc = check_expr(k, meta_tag_attr(t, "pattern"), pattern_names);
	return rc;
}

static int check_list(struct checker *k, const char *input, const struct strlist *l)
{
	int rc = 0;

	k->input = input;
	for (size_t i = 0; l && i < l->len && !rc; i++) {
		k->entry = l->items[i];
		rc = check_expr(k, l->items[i], global_names);
	}
	return rc;
}

int meta_check_inputs(const struct meta_inputs *in, struct strlist *warnings)
{
	struct checker k = { NULL, NULL, NULL, warnings };
	int rc = 0;

	for (size_t i = 0; i < in->ntags && !rc; i++)
		rc = check_tag(&k, &in->tags[i]);
	if (!rc && in->flavor) {
		k.input = "flavor";
		k.entry = "prefix";
		rc = check_expr(&k, in->flavor->prefix, global_names);
		k.entry = "suffix";
		if (!rc)
			rc = check_expr(&k, in->flavor->suffix, global_names);
	}
	if (!rc)
		rc = check_list(&k, "labels", in->labels);
	if (!rc)
		rc = check_list(&k, "annotations", in->annotations);
	return rc;
}
