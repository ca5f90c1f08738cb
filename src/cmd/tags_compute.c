/*
 * tags_compute: gathers the context for meta_compute() and runs it. See tags_compute.h.
 * Mirrors metadata-action's getContextFromWorkflow / getContextFromGit and its repo data.
 */
#include "cmd/tags_compute.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "actions/command.h"
#include "actions/context.h"
#include "git/repo.h"
#include "github/client.h"
#include "github/repo.h"
#include "http/http.h"
#include "meta/datefmt.h"
#include "meta/semver.h"
#include "meta/tag.h"
#include "util/buf.h"
#include "util/err.h"

struct owned {
	struct gh_context gh;
	struct convoy_git_facts git;
	struct github_repo repo;
	struct buf ref, pr_ref;
	char *repo_name;
	char *html_url;
	int have_gh, have_git;
};

static int env_true(const char *name)
{
	const char *v = getenv(name);

	return v && (!strcasecmp(v, "true") || !strcmp(v, "1"));
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int clock_ms(long long *ms)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (!e || !*e) {
		*ms = now_ms();
		return 0;
	}
	errno = 0;
	v = strtoll(e, &end, 10);
	if (errno || *end || !isdigit((unsigned char)*e))
		return err_set(E_USAGE, "SOURCE_DATE_EPOCH: expected seconds since the epoch, got '%s'",
			       e);
	*ms = v * 1000;
	return 0;
}

static int short_sha_len(long *out)
{
	const char *e = getenv("DOCKER_METADATA_SHORT_SHA_LENGTH");
	char *end;
	double d;

	*out = 7;
	if (!e || !*e)
		return 0;
	d = strtod(e, &end);
	while (isspace((unsigned char)*end))
		end++;
	if (*end || end == e)
		return err_set(E_USAGE, "DOCKER_METADATA_SHORT_SHA_LENGTH is not a valid number: %s", e);
	*out = d < 0 ? 0 : d > 64 ? 64 : (long)d;
	return 0;
}

/* The commit date metadata-action uses: the payload's commit entry for sha, else git. */
static long long payload_commit_ms(const struct gh_context *gh, const char *sha)
{
	json_t *commits = gh_event_get(gh, "commits"), *head = gh_event_get(gh, "head_commit");
	long long ms = 0;
	size_t i;
	json_t *c;

	if (!sha)
		return 0;
	json_array_foreach(commits, i, c) {
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *ts = json_string_value(json_object_get(c, "timestamp"));

		if (id && ts && !strcmp(id, sha) && !meta_date_parse_iso(ts, &ms))
			return ms;
	}
	if (json_is_object(head)) {
		const char *id = json_string_value(json_object_get(head, "id"));
		const char *ts = json_string_value(json_object_get(head, "timestamp"));

		if (id && ts && !strcmp(id, sha) && !meta_date_parse_iso(ts, &ms))
			return ms;
	}
	err_clear();
	return 0;
}

/* The tag a detached HEAD is "on": the highest semver tag, else the first by name. */
static const char *best_tag(const struct strlist *tags)
{
	struct meta_semver best, v;
	const char *pick = tags->len ? tags->items[0] : NULL;
	int have = 0;

	memset(&best, 0, sizeof(best));
	for (size_t i = 0; i < tags->len; i++) {
		if (meta_semver_parse(tags->items[i], &v) != 1)
			continue;
		if (!have || meta_semver_compare(&v, &best) > 0) {
			meta_semver_free(&best);
			best = v;
			pick = tags->items[i];
			have = 1;
		} else {
			meta_semver_free(&v);
		}
	}
	meta_semver_free(&best);
	return pick;
}

static const char *basename_of(const char *s)
{
	const char *p = strrchr(s, '/');

	return p ? p + 1 : s;
}

static char *workdir_name_dup(const char *workdir)
{
	size_t n = strlen(workdir);
	char *d = strdup(workdir), *p;

	if (!d)
		return NULL;
	while (n > 1 && d[n - 1] == '/')
		d[--n] = '\0';
	p = strrchr(d, '/');
	if (p && p[1]) {
		char *r = strdup(p + 1);

		free(d);
		return r;
	}
	return d;
}

/* Whether s has an expression naming what only git (or the event) knows: {{branch}}, ... */
static int expr_uses_git(const char *s)
{
	static const char *const names[] = { "branch", "tag", "sha", "short_sha", "base_ref",
					      "is_default_branch", "is_not_default_branch",
					      "commit_date", NULL };

	for (const char *m = s ? strstr(s, "{{") : NULL; m; m = strstr(m + 2, "{{")) {
		const char *p = m + 2;
		size_t n;

		while (*p == '{' || *p == '&' || *p == '~' || isspace((unsigned char)*p))
			p++;
		n = strcspn(p, " \t}~");
		for (size_t i = 0; names[i]; i++)
			if (strlen(names[i]) == n && !strncmp(p, names[i], n))
				return 1;
	}
	return 0;
}

/*
 * Whether the tags need the commit: anything but type=raw (and convoy's type=run, which
 * needs only the run) reads the ref or the sha, and so does an expression such as
 * {{branch}}. Without a git repository, `push --tags type=raw,value=1.2` still runs.
 */
static int tags_need_git(const struct meta_tag *t, size_t nt, const struct meta_flavor *fl,
			 const struct strlist *labels)
{
	if (!nt || expr_uses_git(fl->prefix) || expr_uses_git(fl->suffix))
		return 1;
	for (size_t i = 0; i < nt; i++) {
		if (t[i].type != META_RAW && t[i].type != META_RUN)
			return 1;
		for (size_t k = 0; k < t[i].vals.len; k++)
			if (expr_uses_git(t[i].vals.items[k]))
				return 1;
	}
	for (size_t i = 0; i < labels->len; i++)
		if (expr_uses_git(labels->items[i]))
			return 1;
	return 0;
}

static int load_context(struct rt *rt, const struct inputs *in, struct owned *o,
			struct meta_context *c, int need_git)
{
	const char *src = inputs_get(in, "context");
	int workflow;
	const char *cwd_repo;
	int rc;

	if (!src)
		src = rt->actions ? "workflow" : "git";
	if (strcmp(src, "workflow") && strcmp(src, "git"))
		return err_set(E_USAGE, "input 'context': '%s' is not a context source (expected "
					"workflow or git)", src);
	workflow = !strcmp(src, "workflow");
	/* the event payload is read whenever it is given: a bad one is an error either way */
	if ((rc = gh_context_load(&o->gh)))
		return rc;
	o->have_gh = 1;
	cwd_repo = o->gh.workspace ? o->gh.workspace : ".";
	rc = convoy_git_facts_read(cwd_repo, o->gh.sha, &o->git);
	if (rc == 0) {
		o->have_git = 1;
	} else if (!workflow && need_git) {
		return err_wrap(rc, "input 'context': git");
	} else {
		rt_debug(rt, "no git facts: %s", err_msg());
		err_clear();
	}
	c->event_name = o->gh.event_name ? o->gh.event_name : "";
	if (workflow) {
		json_t *num = gh_event_get(&o->gh, "number");

		c->ref = o->gh.ref ? o->gh.ref : "";
		c->sha = o->gh.sha ? o->gh.sha : "";
		if (strstr(c->event_name, "pull_request_target")) {
			if ((rc = buf_printf(&o->pr_ref, "refs/pull/%lld/merge",
					     json_is_integer(num) ? (long long)json_integer_value(num)
								  : 0LL)))
				return rc;
			c->ref = buf_cstr(&o->pr_ref);
		}
		if (env_true("DOCKER_METADATA_PR_HEAD_SHA") && strstr(c->event_name, "pull_request")) {
			const char *h = gh_event_str(&o->gh, "pull_request.head.sha");

			if (h)
				c->sha = h;
		}
		c->payload_base_ref = gh_event_str(&o->gh, "base_ref");
		c->payload_pr_base_ref = gh_event_str(&o->gh, "pull_request.base.ref");
		c->payload_default_branch = gh_event_str(&o->gh, "repository.default_branch");
		c->commit_ms = payload_commit_ms(&o->gh, c->sha);
		if (!c->commit_ms && o->have_git)
			c->commit_ms = o->git.sha_time_ms;
	} else {
		const struct convoy_git_facts *g = &o->git;

		if (!o->have_git) {
			rc = buf_puts(&o->ref, ""); /* only raw and run tags: no commit needed */
		} else if (g->branch && !g->detached) {
			rc = buf_printf(&o->ref, "refs/heads/%s", g->branch);
		} else if (g->tags_at_head.len) {
			rc = buf_printf(&o->ref, "refs/tags/%s", best_tag(&g->tags_at_head));
		} else if (g->branches_at_head.len) {
			rc = buf_printf(&o->ref, "refs/heads/%s", g->branches_at_head.items[0]);
		} else {
			rc = buf_puts(&o->ref, "");
			wf_warning(rt, NULL, "detached HEAD with no tag or branch: only sha, raw and run "
					     "tags apply");
		}
		if (rc)
			return rc;
		c->ref = buf_cstr(&o->ref);
		c->sha = g->head_sha ? g->head_sha : "";
		c->commit_ms = g->head_time_ms;
		c->payload_default_branch = g->default_branch;
	}
	c->run_number = o->gh.run_number;
	c->run_id = o->gh.run_id;
	c->run_attempt = o->gh.run_attempt;
	return 0;
}

static int load_repo(struct rt *rt, const struct inputs *in, struct owned *o,
		     struct meta_context *c)
{
	const char *token = inputs_get(in, "github-token");
	const char *repository = o->gh.repository;
	struct github_client *gc = NULL;
	struct http_opts opts;
	json_t *prepo = gh_event_get(&o->gh, "repository");

	if (token && repository) {
		int rc;

		http_opts_defaults(&opts);
		opts.verbose = rt->verbose;
		opts.max_retries = 2;
		if (!(rc = github_client_new(&gc, o->gh.api_url, token, &opts)))
			rc = github_repo_get(gc, repository, &o->repo);
		github_client_free(gc);
		if (!rc) {
			c->repo_name = o->repo.name;
			c->repo_description = o->repo.description;
			c->repo_html_url = o->repo.html_url;
			c->repo_license = o->repo.license;
			c->repo_default_branch = o->repo.default_branch;
			return 0;
		}
		wf_warning(rt, NULL, "repository data unavailable (%s); labels use what the event and "
				     "git provide", err_msg());
		err_clear();
	}
	if (json_is_object(prepo)) {
		c->repo_name = json_string_value(json_object_get(prepo, "name"));
		c->repo_description = json_string_value(json_object_get(prepo, "description"));
		c->repo_html_url = json_string_value(json_object_get(prepo, "html_url"));
		c->repo_license = json_string_value(
			json_object_get(json_object_get(prepo, "license"), "spdx_id"));
		c->repo_default_branch = json_string_value(json_object_get(prepo, "default_branch"));
	}
	if (!c->repo_name && repository)
		c->repo_name = basename_of(repository);
	if (!c->repo_name && o->have_git && o->git.workdir) {
		if (!(o->repo_name = workdir_name_dup(o->git.workdir)))
			return err_set(E_NOMEM, "out of memory");
		c->repo_name = o->repo_name;
	}
	if (!c->repo_html_url && repository) {
		struct buf b = BUF_INIT;

		if (buf_printf(&b, "%s/%s", o->gh.server_url, repository))
			return err_set(E_NOMEM, "out of memory");
		o->html_url = buf_detach(&b);
		c->repo_html_url = o->html_url;
	}
	if (!c->repo_default_branch)
		c->repo_default_branch = c->payload_default_branch
					 ? c->payload_default_branch
					 : (o->have_git ? o->git.default_branch : NULL);
	return 0;
}

static json_t *str_array(const struct strlist *l)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < l->len; i++)
		json_array_append_new(a, json_string(l->items[i]));
	return a;
}

/* JSON.stringify({tags, 'tag-names', labels, annotations}) as metadata-action prints it. */
static int build_json(const struct meta_result *m, char **out)
{
	json_t *root = json_object(), *labels = json_object();
	int rc = 0;

	if (!root || !labels) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < m->labels.len; i++) {
		const char *l = m->labels.items[i], *eq = strchr(l, '=');
		size_t vl;
		char *k, *v;

		if (!eq)
			continue;
		vl = strcspn(eq + 1, "\n\r"); /* /([^=]*)=(.*)/: '.' stops at a line break */
		k = strndup(l, (size_t)(eq - l));
		v = strndup(eq + 1, vl);
		if (k && v)
			json_object_set_new(labels, k, json_string(v));
		free(k);
		free(v);
	}
	json_object_set_new(root, "tags", str_array(&m->tags));
	json_object_set_new(root, "tag-names", str_array(&m->tag_names));
	json_object_set(root, "labels", labels);
	json_object_set_new(root, "annotations", str_array(&m->annotations));
	*out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!*out)
		rc = err_set(E_NOMEM, "out of memory");
out:
	json_decref(labels);
	json_decref(root);
	return rc;
}

static void owned_free(struct owned *o)
{
	if (o->have_gh)
		gh_context_free(&o->gh);
	convoy_git_facts_free(&o->git);
	github_repo_free(&o->repo);
	buf_free(&o->ref);
	buf_free(&o->pr_ref);
	free(o->repo_name);
	free(o->html_url);
}

int tags_compute(struct rt *rt, const struct inputs *in, struct tags_result *out)
{
	struct strlist images = STRLIST_INIT, tags = STRLIST_INIT, flavor = STRLIST_INIT,
		       labels = STRLIST_INIT, annotations = STRLIST_INIT;
	struct meta_tag *t = NULL;
	struct meta_image *im = NULL;
	size_t nt = 0, ni = 0;
	struct meta_flavor fl;
	struct meta_context c;
	struct meta_inputs mi;
	struct owned o;
	const unsigned lf = LIST_IGNORE_COMMA | LIST_COMMENTS;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&fl, 0, sizeof(fl));
	memset(&c, 0, sizeof(c));
	memset(&o, 0, sizeof(o));
	if ((rc = inputs_get_list(in, "images", lf, &images)) ||
	    (rc = inputs_get_list(in, "tags", lf, &tags)) ||
	    (rc = inputs_get_list(in, "flavor", lf, &flavor)) ||
	    (rc = inputs_get_list(in, "labels", lf, &labels)) ||
	    (rc = inputs_get_list(in, "annotations", lf, &annotations)))
		goto out;
	if ((rc = meta_images_parse(&images, &im, &ni)) || (rc = meta_tags_parse(&tags, &t, &nt)) ||
	    (rc = meta_flavor_parse(&flavor, &fl)))
		goto out;
	if ((rc = clock_ms(&c.now_ms)) || (rc = short_sha_len(&c.short_sha_len)))
		goto out;
	if ((rc = load_context(rt, in, &o, &c, tags_need_git(t, nt, &fl, &labels))) ||
	    (rc = load_repo(rt, in, &o, &c)))
		goto out;
	if (!c.commit_ms)
		c.commit_ms = c.now_ms;
	rt_debug(rt, "context: event=%s ref=%s sha=%s", c.event_name, c.ref, c.sha);
	memset(&mi, 0, sizeof(mi));
	mi.tags = t;
	mi.ntags = nt;
	mi.flavor = &fl;
	mi.images = im;
	mi.nimages = ni;
	mi.labels = &labels;
	mi.annotations = &annotations;
	mi.annotation_levels = getenv("DOCKER_METADATA_ANNOTATIONS_LEVELS");
	if ((rc = meta_compute(&c, &mi, &out->meta)))
		goto out;
	for (size_t i = 0; i < out->meta.warnings.len; i++)
		wf_warning(rt, NULL, "%s", out->meta.warnings.items[i]);
	rc = build_json(&out->meta, &out->json);
out:
	owned_free(&o);
	meta_tags_free(t, nt);
	meta_images_free(im, ni);
	meta_flavor_free(&fl);
	strlist_clear(&images);
	strlist_clear(&tags);
	strlist_clear(&flavor);
	strlist_clear(&labels);
	strlist_clear(&annotations);
	if (rc)
		tags_result_free(out);
	return rc;
}

void tags_result_free(struct tags_result *r)
{
	if (!r)
		return;
	meta_result_free(&r->meta);
	free(r->json);
	r->json = NULL;
}
