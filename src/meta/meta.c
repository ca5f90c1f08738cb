/*
 * meta: metadata-action's Meta class (getVersion, getTags, getLabels, getAnnotations) in C.
 * See meta.h. Order of evaluation, priorities, `latest` rules and warnings follow
 * docker/metadata-action src/meta.ts so that a workflow can switch with a `uses:` change.
 */
#include "meta/meta.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "meta/check.h"
#include "meta/datefmt.h"
#include "meta/pep440.h"
#include "meta/regex.h"
#include "meta/sanitize.h"
#include "meta/semver.h"
#include "meta/template.h"
#include "util/buf.h"
#include "util/err.h"

enum mode { MODE_GLOBAL, MODE_SCHEDULE, MODE_SEMVER, MODE_PEP440 };

struct rctx {
	const struct meta_context *c;
	struct strlist *warnings;
	enum mode mode;
	const struct meta_semver *sv;
	const char *pep_raw;
	const struct meta_pep440 *pv;
};

static int warnf(struct strlist *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warnf(struct strlist *w, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (!rc && (rc = strlist_take(w, buf_detach(&b))))
		buf_free(&b);
	return rc ? err_set(E_NOMEM, "out of memory") : 0;
}

static const char *after_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s && !strncmp(s, prefix, n) ? s + n : NULL;
}

int meta_short_sha(const struct meta_context *c, struct buf *out)
{
	size_t n = strlen(c->sha ? c->sha : "");
	long l = c->short_sha_len;

	if (l < 0)
		l = 0;
	if ((size_t)l < n)
		n = (size_t)l;
	return buf_add(out, c->sha ? c->sha : "", n);
}

static int is_default_branch(const struct meta_context *c)
{
	const char *ref = c->ref ? c->ref : "";
	const char *branch = after_prefix(ref, "refs/heads/");
	const char *ev = c->event_name ? c->event_name : "";

	if (!branch)
		branch = ref; /* JS replace() leaves non-branch refs as they are */
	if (!*branch)
		return 0;
	if (c->payload_default_branch && !strcmp(c->payload_default_branch, branch))
		return 1;
	return strstr(ev, "create") || strstr(ev, "discussion") || strstr(ev, "issues") ||
	       strstr(ev, "schedule");
}

static int render_date(struct rctx *r, const struct meta_tpl_call *call, long long ms,
		       struct buf *out)
{
	const char *tz = "UTC";
	struct meta_instant t;
	char abbr[64];

	for (size_t i = 0; i < call->nhash; i++) {
		if (strcmp(call->hash_keys[i], "tz"))
			return err_set(E_USAGE, "{{%s}}: unknown %s attribute (expected tz)", call->name,
				       call->hash_keys[i]);
		tz = call->hash_vals[i];
	}
	if (!call->nparams)
		return err_set(E_USAGE, "{{%s}} needs a format, e.g. {{%s 'YYYYMMDD'}}", call->name,
			       call->name);
	t.ms = ms;
	if (meta_tz_offset(tz, ms, &t.offset_s, abbr, sizeof(abbr))) {
		int rc = warnf(r->warnings, "%s; using UTC", err_msg());

		if (rc)
			return rc;
		t.offset_s = 0;
		strcpy(abbr, "UTC");
	}
	t.abbr = abbr;
	return meta_date_format(out, call->params[0], &t);
}

static int put_opt(struct buf *out, const char *s)
{
	return buf_puts(out, s ? s : "");
}

static int join_list(struct buf *out, const struct strlist *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (buf_printf(out, "%s%s", i ? "," : "", l->items[i]))
			return E_NOMEM;
	return buf_puts(out, "");
}

static int resolve(void *vctx, const struct meta_tpl_call *call, struct buf *out)
{
	struct rctx *r = vctx;
	const struct meta_context *c = r->c;
	const char *n = call->name, *ref = c->ref ? c->ref : "", *v;

	if (r->mode == MODE_SEMVER) {
		const struct meta_semver *s = r->sv;

		if (!strcmp(n, "major"))
			return buf_printf(out, "%llu", s->major);
		if (!strcmp(n, "minor"))
			return buf_printf(out, "%llu", s->minor);
		if (!strcmp(n, "patch"))
			return buf_printf(out, "%llu", s->patch);
		if (!strcmp(n, "version"))
			return buf_puts(out, s->version);
		if (!strcmp(n, "raw"))
			return buf_puts(out, s->raw);
		if (!strcmp(n, "prerelease"))
			return join_list(out, &s->prerelease);
		if (!strcmp(n, "build"))
			return join_list(out, &s->build);
		if (!strcmp(n, "loose"))
			return buf_puts(out, "true");
		return META_TPL_UNDEFINED;
	}
	if (r->mode == MODE_PEP440) {
		const struct meta_pep440 *p = r->pv;

		if (!strcmp(n, "raw"))
			return buf_puts(out, r->pep_raw);
		if (!strcmp(n, "version"))
			return buf_puts(out, p->normalized);
		if (!strcmp(n, "major"))
			return buf_printf(out, "%llu", p->release[0]);
		if (!strcmp(n, "minor"))
			return buf_printf(out, "%llu", p->nrelease > 1 ? p->release[1] : 0);
		if (!strcmp(n, "patch"))
			return buf_printf(out, "%llu", p->nrelease > 2 ? p->release[2] : 0);
		return META_TPL_UNDEFINED;
	}
	if (!strcmp(n, "date"))
		return render_date(r, call, c->now_ms, out);
	if (!strcmp(n, "commit_date"))
		return render_date(r, call, c->commit_ms, out);
	/* convoy extras, available everywhere */
	if (!strcmp(n, "run_number"))
		return put_opt(out, c->run_number);
	if (!strcmp(n, "run_id"))
		return put_opt(out, c->run_id);
	if (!strcmp(n, "run_attempt"))
		return put_opt(out, c->run_attempt);
	if (!strcmp(n, "short_sha"))
		return meta_short_sha(c, out);
	if (r->mode == MODE_SCHEDULE)
		return META_TPL_UNDEFINED;
	if (!strcmp(n, "branch"))
		return put_opt(out, after_prefix(ref, "refs/heads/"));
	if (!strcmp(n, "tag"))
		return put_opt(out, after_prefix(ref, "refs/tags/"));
	if (!strcmp(n, "sha"))
		return meta_short_sha(c, out);
	if (!strcmp(n, "base_ref")) {
		if (after_prefix(ref, "refs/tags/") && c->payload_base_ref) {
			v = after_prefix(c->payload_base_ref, "refs/heads/");
			return buf_puts(out, v ? v : c->payload_base_ref);
		}
		if (after_prefix(ref, "refs/pull/") && c->payload_pr_base_ref)
			return buf_puts(out, c->payload_pr_base_ref);
		return buf_puts(out, "");
	}
	if (!strcmp(n, "is_default_branch"))
		return buf_puts(out, is_default_branch(c) ? "true" : "false");
	if (!strcmp(n, "is_not_default_branch"))
		return buf_puts(out, is_default_branch(c) ? "false" : "true");
	return META_TPL_UNDEFINED;
}

static int render(struct rctx *r, const char *tpl, struct buf *out)
{
	return meta_tpl_render(tpl, resolve, r, out);
}

int meta_render_global(const struct meta_context *c, const char *expr, struct buf *out,
		       struct strlist *warnings)
{
	struct rctx r = { c, warnings, MODE_GLOBAL, NULL, NULL, NULL };

	return render(&r, expr, out);
}

struct engine {
	const struct meta_context *c;
	const struct meta_inputs *in;
	struct meta_result *out;
	int latest_set;
};

/* setValue: the tag's prefix/suffix when given, else the flavor's; both are expressions. */
static int set_value(struct engine *e, const struct meta_tag *t, const char *val, struct buf *out)
{
	struct rctx r = { e->c, &e->out->warnings, MODE_GLOBAL, NULL, NULL, NULL };
	const char *p = meta_tag_attr(t, "prefix"), *s = meta_tag_attr(t, "suffix");
	int rc;

	if (!p && *e->in->flavor->prefix)
		p = e->in->flavor->prefix;
	if (!s && *e->in->flavor->suffix)
		s = e->in->flavor->suffix;
	if ((rc = buf_puts(out, "")) || (p && (rc = render(&r, p, out))) ||
	    (rc = buf_puts(out, val)) || (s && (rc = render(&r, s, out))))
		return rc;
	return 0;
}

static int flavor_latest(const struct engine *e, int auto_value)
{
	const char *l = e->in->flavor->latest;

	return !strcmp(l, "auto") ? auto_value : !strcmp(l, "true");
}

/* setVersion: sanitise, then the first value is the version, the others partials. */
static int set_version(struct engine *e, const char *val, int latest)
{
	struct meta_result *o = e->out;
	char *v;
	int rc;

	if (!*val)
		return 0;
	if (!(v = meta_sanitize_compat_dup(val)))
		return err_set(E_NOMEM, "out of memory");
	if ((rc = meta_sanitize_registry(&v, &o->warnings))) {
		free(v);
		return rc;
	}
	if (!v)
		return 0;
	if (!o->version) {
		o->version = v;
	} else if (strcmp(v, o->version)) {
		if (!strlist_contains(&o->partial, v)) {
			if ((rc = strlist_take(&o->partial, v))) {
				free(v);
				return rc;
			}
		} else {
			free(v);
		}
	} else {
		free(v);
	}
	if (!e->latest_set) {
		o->latest = latest;
		e->latest_set = 1;
	}
	return 0;
}

static int set_value_version(struct engine *e, const struct meta_tag *t, const char *val,
			     int latest)
{
	struct buf b = BUF_INIT;
	int rc = set_value(e, t, val, &b);

	if (!rc)
		rc = set_version(e, buf_cstr(&b), latest);
	buf_free(&b);
	return rc;
}

/* Compiles "/re/flags" as a RegExp literal, anything else as new RegExp(s). */
static int compile_pattern(const struct meta_tag *t, const char *pat, struct meta_regex **re)
{
	size_t n = strlen(pat);
	int rc;

	if (n > 2 && pat[0] == '/') {
		const char *last = strrchr(pat, '/');

		if (last > pat + 1) {
			char *body = strndup(pat + 1, (size_t)(last - pat - 1));

			if (!body)
				return err_set(E_NOMEM, "out of memory");
			rc = meta_regex_compile(re, body, last + 1);
			free(body);
			goto out;
		}
	}
	rc = meta_regex_compile(re, pat, "");
out:
	if (rc)
		return err_wrap(rc, "input 'tags': entry '%s'", t->entry);
	return 0;
}

/* The value a semver/pep440/match tag works on: its value= expression or the git tag. */
static int source_value(struct engine *e, const struct meta_tag *t, struct buf *out, int *skip)
{
	const char *value = meta_tag_attr(t, "value");
	const char *tag = after_prefix(e->c->ref, "refs/tags/");

	*skip = 0;
	if (!tag && !*value) {
		*skip = 1;
		return 0;
	}
	if (*value) {
		struct rctx r = { e->c, &e->out->warnings, MODE_GLOBAL, NULL, NULL, NULL };

		return render(&r, value, out);
	}
	return buf_puts(out, tag);
}

static void replace_slashes(struct buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == '/')
			b->data[i] = '-';
}

/* The optional match= of semver/pep440: replaces the value with group 1 when it matches. */
static int apply_match(struct engine *e, const struct meta_tag *t, struct buf *v, int *skip)
{
	const char *m = meta_tag_attr(t, "match");
	struct meta_regex *re = NULL;
	long caps[2 * META_REGEX_MAX_GROUPS];
	int rc, r;

	*skip = 0;
	if (!m || !*m)
		return 0;
	if ((rc = meta_regex_compile(&re, m, "")))
		return err_wrap(rc, "input 'tags': entry '%s': match", t->entry);
	r = meta_regex_exec(re, buf_cstr(v), caps);
	meta_regex_free(re);
	if (r < 0)
		return err_wrap(r, "input 'tags': entry '%s'", t->entry);
	if (!r)
		return warnf(&e->out->warnings, "%s does not match %s.", m, buf_cstr(v));
	if (caps[2] < 0) {
		*skip = 1;
		return warnf(&e->out->warnings, "Group 1 does not exist for %s match.", m);
	}
	{
		char *g = strndup(buf_cstr(v) + caps[2], (size_t)(caps[3] - caps[2]));

		if (!g)
			return err_set(E_NOMEM, "out of memory");
		buf_reset(v);
		rc = buf_puts(v, g);
		free(g);
	}
	return rc;
}

static int proc_schedule(struct engine *e, const struct meta_tag *t)
{
	struct rctx r = { e->c, &e->out->warnings, MODE_SCHEDULE, NULL, NULL, NULL };
	struct buf b = BUF_INIT;
	int rc;

	if (!strstr(e->c->event_name ? e->c->event_name : "", "schedule"))
		return 0;
	rc = render(&r, meta_tag_attr(t, "pattern"), &b);
	if (!rc)
		rc = set_value_version(e, t, buf_cstr(&b), flavor_latest(e, 0));
	buf_free(&b);
	return rc;
}

static int proc_semver(struct engine *e, const struct meta_tag *t)
{
	struct buf v = BUF_INIT, b = BUF_INIT;
	struct meta_semver sv;
	int rc, skip, ok, latest = 0;
	const char *pattern = meta_tag_attr(t, "pattern");

	memset(&sv, 0, sizeof(sv));
	if ((rc = source_value(e, t, &v, &skip)) || skip)
		goto out;
	if ((rc = apply_match(e, t, &v, &skip)) || skip)
		goto out;
	replace_slashes(&v);
	if ((ok = meta_semver_parse(buf_cstr(&v), &sv)) < 0) {
		rc = ok;
		goto out;
	}
	if (!ok) {
		rc = warnf(&e->out->warnings, "%s is not a valid semver. More info: https://semver.org/",
			   buf_cstr(&v));
		goto out;
	}
	{
		struct rctx r = { e->c, &e->out->warnings, MODE_SEMVER, &sv, NULL, NULL };

		if (sv.prerelease.len)
			rc = render(&r, meta_tpl_is_single(pattern, "raw") ? pattern : "{{version}}", &b);
		else
			rc = render(&r, pattern, &b), latest = 1;
	}
	if (!rc)
		rc = set_value_version(e, t, buf_cstr(&b), flavor_latest(e, latest));
out:
	meta_semver_free(&sv);
	buf_free(&v);
	buf_free(&b);
	return rc;
}

static int proc_pep440(struct engine *e, const struct meta_tag *t)
{
	struct buf v = BUF_INIT, b = BUF_INIT;
	struct meta_pep440 pv;
	int rc, skip, ok, latest = 0;
	const char *pattern = meta_tag_attr(t, "pattern");

	memset(&pv, 0, sizeof(pv));
	if ((rc = source_value(e, t, &v, &skip)) || skip)
		goto out;
	if ((rc = apply_match(e, t, &v, &skip)) || skip)
		goto out;
	replace_slashes(&v);
	if ((ok = meta_pep440_parse(buf_cstr(&v), &pv)) < 0) {
		rc = ok;
		goto out;
	}
	if (!ok) {
		rc = warnf(&e->out->warnings,
			   "%s does not conform to PEP 440. More info: "
			   "https://www.python.org/dev/peps/pep-0440",
			   buf_cstr(&v));
		goto out;
	}
	if (pv.is_prerelease || pv.is_postrelease || pv.is_devrelease) {
		rc = buf_puts(&b, meta_tpl_is_single(pattern, "raw") ? buf_cstr(&v) : pv.normalized);
	} else {
		struct rctx r = { e->c, &e->out->warnings, MODE_PEP440, NULL, buf_cstr(&v), &pv };

		rc = render(&r, pattern, &b);
		latest = 1;
	}
	if (!rc)
		rc = set_value_version(e, t, buf_cstr(&b), flavor_latest(e, latest));
out:
	meta_pep440_free(&pv);
	buf_free(&v);
	buf_free(&b);
	return rc;
}

static int proc_match(struct engine *e, const struct meta_tag *t)
{
	struct buf v = BUF_INIT;
	struct meta_regex *re = NULL;
	long caps[2 * META_REGEX_MAX_GROUPS];
	const char *pattern = meta_tag_attr(t, "pattern");
	unsigned long group = strtoul(meta_tag_attr(t, "group"), NULL, 10);
	int rc, skip, m;

	if ((rc = source_value(e, t, &v, &skip)) || skip)
		goto out;
	if ((rc = compile_pattern(t, pattern, &re)))
		goto out;
	m = meta_regex_exec(re, buf_cstr(&v), caps);
	if (m < 0) {
		rc = err_wrap(m, "input 'tags': entry '%s'", t->entry);
		goto out;
	}
	if (!m) {
		rc = warnf(&e->out->warnings, "%s does not match %s.", pattern, buf_cstr(&v));
		goto out;
	}
	if (group > meta_regex_groups(re) || caps[2 * group] < 0) {
		rc = warnf(&e->out->warnings, "Group %s does not exist for %s pattern.",
			   meta_tag_attr(t, "group"), pattern);
		goto out;
	}
	{
		char *g = strndup(buf_cstr(&v) + caps[2 * group],
				  (size_t)(caps[2 * group + 1] - caps[2 * group]));

		if (!g) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
		rc = set_value_version(e, t, g, flavor_latest(e, 1));
		free(g);
	}
out:
	meta_regex_free(re);
	buf_free(&v);
	return rc;
}

static int proc_ref(struct engine *e, const struct meta_tag *t)
{
	const char *ev = meta_tag_attr(t, "event"), *ref = e->c->ref ? e->c->ref : "", *v;

	if (!strcmp(ev, "branch")) {
		if (!(v = after_prefix(ref, "refs/heads/")))
			return 0;
		return set_value_version(e, t, v, flavor_latest(e, 0));
	}
	if (!strcmp(ev, "tag")) {
		if (!(v = after_prefix(ref, "refs/tags/")))
			return 0;
		return set_value_version(e, t, v, flavor_latest(e, 1));
	}
	if (!(v = after_prefix(ref, "refs/pull/")))
		return 0;
	{
		char *pr = strdup(v);
		size_t n;
		int rc;

		if (!pr)
			return err_set(E_NOMEM, "out of memory");
		n = strlen(pr);
		if (n >= 6 && !strcmp(pr + n - 6, "/merge"))
			pr[n - 6] = '\0';
		rc = set_value_version(e, t, pr, flavor_latest(e, 0));
		free(pr);
		return rc;
	}
}

static int proc_edge(struct engine *e, const struct meta_tag *t)
{
	const char *branch = after_prefix(e->c->ref, "refs/heads/");
	const char *want = meta_tag_attr(t, "branch");

	if (!branch)
		return 0;
	if (!*want)
		want = e->c->repo_default_branch ? e->c->repo_default_branch : "";
	if (strcmp(want, branch))
		return 0;
	return set_value_version(e, t, "edge", flavor_latest(e, 0));
}

static int proc_raw(struct engine *e, const struct meta_tag *t)
{
	struct rctx r = { e->c, &e->out->warnings, MODE_GLOBAL, NULL, NULL, NULL };
	struct buf b = BUF_INIT;
	int rc = render(&r, meta_tag_attr(t, "value"), &b);

	if (!rc)
		rc = set_value_version(e, t, buf_cstr(&b), flavor_latest(e, 0));
	buf_free(&b);
	return rc;
}

static int proc_sha(struct engine *e, const struct meta_tag *t)
{
	struct buf b = BUF_INIT;
	int rc;

	if (!e->c->sha || !*e->c->sha)
		return 0;
	if (!strcmp(meta_tag_attr(t, "format"), "short"))
		rc = meta_short_sha(e->c, &b);
	else
		rc = buf_puts(&b, e->c->sha);
	if (!rc)
		rc = set_value_version(e, t, buf_cstr(&b), flavor_latest(e, 0));
	buf_free(&b);
	return rc;
}

static int proc_run(struct engine *e, const struct meta_tag *t)
{
	const char *f = meta_tag_attr(t, "format");
	const char *v = !strcmp(f, "id") ? e->c->run_id
			: !strcmp(f, "attempt") ? e->c->run_attempt : e->c->run_number;

	if (!v || !*v)
		return 0;
	return set_value_version(e, t, v, flavor_latest(e, 0));
}

static int check_enable(struct engine *e, const struct meta_tag *t, int *enabled)
{
	struct rctx r = { e->c, &e->out->warnings, MODE_GLOBAL, NULL, NULL, NULL };
	struct buf b = BUF_INIT;
	int rc = render(&r, meta_tag_attr(t, "enable"), &b);

	if (rc) {
		rc = err_wrap(rc, "input 'tags': entry '%s': enable", t->entry);
	} else if (strcmp(buf_cstr(&b), "true") && strcmp(buf_cstr(&b), "false")) {
		rc = err_set(E_USAGE,
			     "input 'tags': entry '%s': invalid value for enable: '%s' (the "
			     "attribute must be, or render to, true or false)",
			     t->entry, buf_cstr(&b));
	} else {
		*enabled = !strcmp(buf_cstr(&b), "true");
	}
	buf_free(&b);
	return rc;
}

static int add_tags(struct meta_result *o, const struct meta_flavor *fl, const char *image,
		    struct strlist *dst)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i <= o->partial.len + (size_t)(o->latest ? 1 : 0) && !rc; i++) {
		char *latest = NULL;
		const char *v;

		if (i == 0) {
			v = o->version;
		} else if (i <= o->partial.len) {
			v = o->partial.items[i - 1];
		} else {
			struct buf l = BUF_INIT;

			if ((rc = buf_printf(&l, "%slatest%s", fl->prefix_latest ? fl->prefix : "",
					     fl->suffix_latest ? fl->suffix : "")))
				break;
			latest = meta_sanitize_compat_dup(buf_cstr(&l));
			buf_free(&l);
			if (!latest || (rc = meta_sanitize_registry(&latest, &o->warnings))) {
				free(latest);
				rc = rc ? rc : err_set(E_NOMEM, "out of memory");
				break;
			}
			if (!latest)
				break;
			v = latest;
		}
		buf_reset(&b);
		if (!(rc = buf_printf(&b, "%s%s%s", image ? image : "", image ? ":" : "", v)))
			rc = strlist_add(dst, buf_cstr(&b));
		free(latest);
	}
	buf_free(&b);
	return rc;
}

static int add_label(struct strlist *l, const char *key, const char *val)
{
	struct buf b = BUF_INIT;
	int rc = buf_printf(&b, "%s=%s", key, val ? val : "");

	if (!rc && (rc = strlist_take(l, buf_detach(&b))))
		buf_free(&b);
	return rc;
}

/* getOCIAnnotationsWithCustoms: defaults, then custom entries; later keys win; sorted. */
static int build_labels(struct engine *e, const struct strlist *extra, struct strlist *out)
{
	const struct meta_context *c = e->c;
	struct strlist all = STRLIST_INIT;
	struct buf b = BUF_INIT;
	int rc;

	if ((rc = meta_date_iso(&b, c->now_ms)))
		goto out;
	if ((rc = add_label(&all, "org.opencontainers.image.title", c->repo_name)) ||
	    (rc = add_label(&all, "org.opencontainers.image.description", c->repo_description)) ||
	    (rc = add_label(&all, "org.opencontainers.image.url", c->repo_html_url)) ||
	    (rc = add_label(&all, "org.opencontainers.image.source", c->repo_html_url)) ||
	    (rc = add_label(&all, "org.opencontainers.image.version", e->out->version)) ||
	    (rc = add_label(&all, "org.opencontainers.image.created", buf_cstr(&b))) ||
	    (rc = add_label(&all, "org.opencontainers.image.revision", c->sha)) ||
	    (rc = add_label(&all, "org.opencontainers.image.licenses", c->repo_license)))
		goto out;
	for (size_t i = 0; extra && i < extra->len; i++) {
		buf_reset(&b);
		if ((rc = meta_render_global(c, extra->items[i], &b, &e->out->warnings)))
			goto out;
		if ((rc = strlist_add(&all, buf_cstr(&b))))
			goto out;
	}
	/* a Map keyed by the text before the first '=': first position, last value */
	for (size_t i = 0; i < all.len; i++) {
		const char *eq = strchr(all.items[i], '=');
		size_t kl;
		int replaced = 0;

		if (!eq)
			continue;
		kl = (size_t)(eq - all.items[i]);
		for (size_t j = 0; j < out->len; j++) {
			if (!strncmp(out->items[j], all.items[i], kl + 1)) {
				char *d = strdup(all.items[i]);

				if (!d) {
					rc = err_set(E_NOMEM, "out of memory");
					goto out;
				}
				free(out->items[j]);
				out->items[j] = d;
				replaced = 1;
				break;
			}
		}
		if (!replaced && (rc = strlist_add(out, all.items[i])))
			goto out;
	}
	meta_labels_sort(out);
out:
	strlist_clear(&all);
	buf_free(&b);
	return rc;
}

int meta_compute(const struct meta_context *c, const struct meta_inputs *in,
		 struct meta_result *out)
{
	struct engine e = { c, in, out, 0 };
	struct strlist raw = STRLIST_INIT;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = meta_check_inputs(in, &out->warnings)))
		goto fail;
	for (size_t i = 0; i < in->nimages && !rc; i++) {
		char *name = strdup(in->images[i].name);
		const char *why;

		if (!name)
			return err_set(E_NOMEM, "out of memory");
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!meta_image_name_valid(name, &why))
			rc = err_set(E_USAGE, "input 'images': invalid image name '%s': %s",
				     in->images[i].name, why);
		else if (in->images[i].enable)
			rc = strlist_add(&out->images, name);
		free(name);
	}
	for (size_t i = 0; i < in->ntags && !rc; i++) {
		const struct meta_tag *t = &in->tags[i];
		int enabled = 0;

		if ((rc = check_enable(&e, t, &enabled)) || !enabled)
			continue;
		switch (t->type) {
		case META_SCHEDULE: rc = proc_schedule(&e, t); break;
		case META_SEMVER: rc = proc_semver(&e, t); break;
		case META_PEP440: rc = proc_pep440(&e, t); break;
		case META_MATCH: rc = proc_match(&e, t); break;
		case META_EDGE: rc = proc_edge(&e, t); break;
		case META_REF: rc = proc_ref(&e, t); break;
		case META_RAW: rc = proc_raw(&e, t); break;
		case META_SHA: rc = proc_sha(&e, t); break;
		case META_RUN: rc = proc_run(&e, t); break;
		}
		if (rc && rc != E_NOMEM && strncmp(err_msg(), "input '", 7))
			rc = err_wrap(rc, "input 'tags': entry '%s'", t->entry);
	}
	if (rc)
		goto fail;
	if (out->version) {
		if ((rc = add_tags(out, in->flavor, NULL, &out->tag_names)))
			goto fail;
		if (out->images.len) {
			for (size_t i = 0; i < out->images.len && !rc; i++)
				rc = add_tags(out, in->flavor, out->images.items[i], &out->tags);
		} else {
			rc = add_tags(out, in->flavor, NULL, &out->tags);
		}
		if (rc)
			goto fail;
	}
	if ((rc = build_labels(&e, in->labels, &out->labels)) ||
	    (rc = build_labels(&e, in->annotations, &raw)))
		goto fail;
	{
		const char *lv = in->annotation_levels && *in->annotation_levels
					 ? in->annotation_levels : "manifest";

		while (!rc) {
			const char *comma = strchr(lv, ',');
			size_t n = comma ? (size_t)(comma - lv) : strlen(lv);

			for (size_t i = 0; i < raw.len && !rc; i++) {
				struct buf b = BUF_INIT;

				if (!(rc = buf_printf(&b, "%.*s:%s", (int)n, lv, raw.items[i])))
					rc = strlist_add(&out->annotations, buf_cstr(&b));
				buf_free(&b);
			}
			if (!comma)
				break;
			lv = comma + 1;
		}
	}
	strlist_clear(&raw);
	if (rc)
		goto fail;
	return 0;
fail:
	strlist_clear(&raw);
	meta_result_free(out);
	return rc;
}

void meta_result_free(struct meta_result *r)
{
	if (!r)
		return;
	free(r->version);
	strlist_clear(&r->partial);
	strlist_clear(&r->tags);
	strlist_clear(&r->tag_names);
	strlist_clear(&r->images);
	strlist_clear(&r->labels);
	strlist_clear(&r->annotations);
	strlist_clear(&r->warnings);
	memset(r, 0, sizeof(*r));
}

/*
 * localeCompare uses ICU's root collation: punctuation before digits before letters, case
 * ignored at first (a < B < c), lower case first on a tie. This primary-weight table covers
 * ASCII, which is what label keys are made of.
 */
static int primary(unsigned char c)
{
	static const char punct[] = " \t\n\r_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
	const char *p;

	if (c >= '0' && c <= '9')
		return 100 + (c - '0');
	if (isalpha(c))
		return 200 + (tolower(c) - 'a');
	if (c && (p = strchr(punct, (char)c)))
		return 1 + (int)(p - punct);
	return 300 + c;
}

int meta_locale_compare(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	size_t i;

	for (i = 0; x[i] && y[i]; i++) {
		int d = primary(x[i]) - primary(y[i]);

		if (d)
			return d < 0 ? -1 : 1;
	}
	if (x[i] || y[i])
		return x[i] ? 1 : -1;
	for (i = 0; x[i]; i++) {
		if (x[i] != y[i]) {
			if (isalpha(x[i]) && isalpha(y[i]))
				return islower(x[i]) ? -1 : 1;
			return x[i] < y[i] ? -1 : 1;
		}
	}
	return 0;
}

static int label_key_cmp(const char *a, const char *b)
{
	const char *ea = strchr(a, '='), *eb = strchr(b, '=');
	char *ka = strndup(a, ea ? (size_t)(ea - a) : strlen(a));
	char *kb = strndup(b, eb ? (size_t)(eb - b) : strlen(b));
	int r = ka && kb ? meta_locale_compare(ka, kb) : 0;

	free(ka);
	free(kb);
	return r;
}

void meta_labels_sort(struct strlist *l)
{
	for (size_t i = 1; i < l->len; i++) {
		char *x = l->items[i];
		size_t j = i;

		while (j > 0 && label_key_cmp(l->items[j - 1], x) > 0) {
			l->items[j] = l->items[j - 1];
			j--;
		}
		l->items[j] = x;
	}
}
