/*
 * plan_comment: posts a Terraform/OpenTofu plan as one sticky pull-request comment per stack.
 * Reads the plan text (file or stdin: plans exceed the argument limit, so never an input
 * value), renders it with plan/, finds the stack's comment by its hidden marker through
 * github/, and updates it in place (or recreates it, or leaves it when unchanged).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/command.h"
#include "actions/context.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "github/client.h"
#include "github/comments.h"
#include "github/pulls.h"
#include "plan/plan.h"
#include "util/err.h"

#define PLAN_MAX_BYTES (256u * 1024 * 1024)

const char cmd_plan_comment_summary[] = "Post a Terraform plan as one sticky pull-request comment";
const struct input_def cmd_plan_comment_inputs[] = {
	{ "plan-file", 0, NULL,
	  "file with the output of `terraform plan` ('-' or unset: standard input)" },
	{ "plan-json", 0, NULL, "file with `terraform show -json <planfile>`, for exact counts" },
	{ "name", 0, NULL, "stack name in the title and marker (default: working directory name)" },
	{ "pr", 0, NULL, "pull request number (default: from the event, or the pushed commit)" },
	{ "github-token", IN_SECRET, NULL,
	  "token allowed to write pull-request comments (default: $GITHUB_TOKEN, $GH_TOKEN)" },
	{ "recreate", IN_BOOL, "false", "delete and create the comment so it moves to the bottom" },
	{ "skip-unchanged", IN_BOOL, "false", "leave the comment alone when the plan is unchanged" },
	{ "run-url", 0, NULL, "link to the full log (default: this workflow run)" },
	{ "fail-on-error", IN_BOOL, "true",
	  "fail the step when the plan failed (after the comment is written)" },
	{ NULL, 0, NULL, NULL },
};

static int read_plan(const char *path, struct buf *text)
{
	int rc;

	if (!path || !strcmp(path, "-")) {
		if (isatty(STDIN_FILENO))
			return err_set(E_USAGE, "input 'plan-file': not set and standard input is a "
						"terminal: give the file with `terraform plan` "
						"output, or pipe it in");
		rc = buf_read_fd(text, STDIN_FILENO, PLAN_MAX_BYTES);
		if (rc)
			return err_wrap(rc, "input 'plan-file': reading standard input");
	} else if ((rc = buf_read_file(text, path, PLAN_MAX_BYTES))) {
		/* A plan file that is not there is a bad argument, not a failed run. */
		return err_wrap(rc == E_LIMIT ? rc : E_USAGE, "input 'plan-file'");
	}
	for (size_t i = 0; i < text->len; i++)
		if (!strchr(" \t\r\n", text->data[i]))
			return 0;
	return err_set(E_USAGE, "input 'plan-file': the plan %s%s is empty: expected the output "
				"of `terraform plan`", path && strcmp(path, "-") ? "in " : "from ",
		       path && strcmp(path, "-") ? path : "standard input");
}

/*
 * The token: the input (flag or INPUT_GITHUB-TOKEN), else GITHUB_TOKEN, else GH_TOKEN (the
 * GitHub CLI's name), masked before anything can print it. Asked for only once the arguments
 * and the plan are known to be good, so a newcomer fixes one thing at a time.
 */
static int find_token(struct rt *rt, const struct inputs *in, const char **token)
{
	static const char *const vars[] = { "GITHUB_TOKEN", "GH_TOKEN" };

	*token = inputs_get(in, "github-token");
	for (size_t i = 0; !*token && i < sizeof(vars) / sizeof(*vars); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			*token = v;
	}
	if (*token)
		return rt_mask(rt, *token);
	if (rt->actions)
		return err_set(E_USAGE, "input 'github-token' is empty: give the step\n"
					"  with:\n"
					"    github-token: ${{ secrets.GITHUB_TOKEN }}\n"
					"and the job `permissions: pull-requests: write`");
	return err_set(E_USAGE, "no GitHub token: give --github-token TOKEN, or set GITHUB_TOKEN "
				"or GH_TOKEN (a token allowed to write pull-request comments)");
}

/* The stack name: the input, else the working directory's last component. */
static int stack_name(const char *in, struct buf *out)
{
	char *cwd;
	const char *base;
	int rc;

	if (in)
		return buf_puts(out, in);
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return err_set(E_IO, "input 'name': not set and the working directory is unknown");
	base = strrchr(cwd, '/');
	base = base && base[1] ? base + 1 : cwd;
	rc = buf_puts(out, base);
	free(cwd);
	return rc;
}

static int find_pr(struct rt *rt, const struct inputs *in, const struct gh_context *ctx,
		   struct github_client *gh, long *pr)
{
	unsigned long n = 0;
	json_t *num;
	int rc;

	if ((rc = inputs_get_uint(in, "pr", 1, LONG_MAX, &n)))
		return rc;
	if (n) {
		*pr = (long)n;
		return 0;
	}
	num = gh_event_get(ctx, "pull_request.number");
	if (json_is_integer(num)) {
		*pr = (long)json_integer_value(num);
		return 0;
	}
	if (ctx->sha && ctx->event_name && !strcmp(ctx->event_name, "push")) {
		rt_info(rt, "looking up the pull request of commit %s", ctx->sha);
		if ((rc = github_pulls_for_commit(gh, ctx->repository, ctx->sha, pr)))
			return rc;
		if (*pr)
			return 0;
		return err_set(E_NOTFOUND, "no open pull request contains commit %s: nothing to "
					   "comment on (give input 'pr')", ctx->sha);
	}
	return err_set(E_USAGE, "no pull request found: the event '%s' has none; give input 'pr' "
				"or run on pull_request, pull_request_target or push",
		       ctx->event_name ? ctx->event_name : "(none)");
}

/* The outputs, in the order of action.yml; keep marks them for a failing step too. */
static int set_outputs(struct rt *rt, const struct plan *p, const struct github_comment *cm,
		       int keep)
{
	const struct {
		const char *name;
		long v;
	} counts[] = {
		{ "add", p->add },	   { "change", p->change }, { "destroy", p->destroy },
		{ "replace", p->replace }, { "import", p->import }, { "move", p->move },
		{ "forget", p->forget },
	};
	char n[32];
	int rc;

	snprintf(n, sizeof(n), "%lld", cm->id);
	if ((rc = out_set(rt, "comment-id", n)) ||
	    (rc = out_set(rt, "comment-url", cm->html_url)))
		return rc;
	for (size_t i = 0; i < sizeof(counts) / sizeof(*counts); i++) {
		snprintf(n, sizeof(n), "%ld", counts[i].v);
		if ((rc = out_set(rt, counts[i].name, n)))
			return rc;
	}
	if ((rc = out_set(rt, "has-changes", plan_has_changes(p) ? "true" : "false")) ||
	    (rc = out_set(rt, "failed", p->failed ? "true" : "false")))
		return rc;
	for (size_t i = 0; keep && i < rt->out_names.len; i++)
		if ((rc = out_keep_on_failure(rt, rt->out_names.items[i])))
			return rc;
	return 0;
}

int cmd_plan_comment(struct rt *rt, int argc, char **argv)
{
	struct inputs in;
	struct gh_context ctx;
	struct plan plan;
	struct buf text = BUF_INIT, json = BUF_INIT, name = BUF_INIT, marker = BUF_INIT,
		   body = BUF_INIT;
	struct github_client *gh = NULL;
	struct github_comment cm = { 0 }, existing = { 0 };
	const char *token = NULL, *sha;
	char *run_url = NULL;
	int rc, recreate = 0, skip = 0, found = 0, truncated = 0, ctx_loaded = 0;
	int fail_on_error = 1;
	unsigned long pr_in = 0;
	long pr = 0;

	plan_init(&plan);
	/* Everything the command can check by itself comes before the token and the API. */
	if ((rc = inputs_parse(rt, cmd_plan_comment_inputs, argc, argv, &in)))
		goto out;
	if ((rc = inputs_get_bool(&in, "recreate", &recreate)) ||
	    (rc = inputs_get_bool(&in, "skip-unchanged", &skip)) ||
	    (rc = inputs_get_bool(&in, "fail-on-error", &fail_on_error)) ||
	    (rc = inputs_get_uint(&in, "pr", 1, LONG_MAX, &pr_in)))
		goto out;
	if ((rc = read_plan(inputs_get(&in, "plan-file"), &text)) ||
	    (rc = plan_parse(&plan, text.data, text.len)))
		goto out;
	if (inputs_get(&in, "plan-json")) {
		if ((rc = buf_read_file(&json, inputs_get(&in, "plan-json"), PLAN_MAX_BYTES))) {
			rc = err_wrap(rc == E_LIMIT ? rc : E_USAGE, "input 'plan-json'");
			goto out;
		}
		if ((rc = plan_apply_json(&plan, json.data, json.len)))
			goto out;
	}
	if ((rc = stack_name(inputs_get(&in, "name"), &name)) ||
	    (rc = find_token(rt, &in, &token)))
		goto out;
	if ((rc = gh_context_load(&ctx)))
		goto out;
	ctx_loaded = 1;
	if (!ctx.repository) {
		rc = err_set(E_USAGE, "GITHUB_REPOSITORY is not set: run under GitHub Actions or "
				      "export GITHUB_REPOSITORY=owner/name");
		goto out;
	}

	/* The plan in the log, where it cannot inject workflow commands. */
	wf_group(rt, "terraform plan");
	wf_echo_untrusted(rt, buf_cstr(&plan.text));
	wf_endgroup(rt);

	if ((rc = github_client_new(&gh, ctx.api_url, token, NULL)) ||
	    (rc = find_pr(rt, &in, &ctx, gh, &pr)))
		goto out;
	sha = gh_event_str(&ctx, "pull_request.head.sha");
	if (!sha)
		sha = ctx.sha;
	run_url = inputs_get(&in, "run-url") ? strdup(inputs_get(&in, "run-url"))
					     : gh_context_run_url_dup(&ctx);
	{
		struct plan_render_opts o = {
			.name = buf_cstr(&name),
			.sha = sha,
			.run_url = run_url,
			.hash = plan_hash(&plan, buf_cstr(&name)),
		};

		if ((rc = plan_render_markdown(&plan, &o, &body, &truncated)) ||
		    (rc = plan_marker(&marker, buf_cstr(&name))))
			goto out;
		if ((rc = github_comment_find(gh, ctx.repository, pr, buf_cstr(&marker), &existing,
					      &found)))
			goto out;
		if (found && skip && plan_hash_in_body(existing.body) == o.hash) {
			rt_info(rt, "plan of '%s' unchanged: comment %lld left alone",
				buf_cstr(&name), existing.id);
			cm = existing;
			memset(&existing, 0, sizeof(existing));
		} else if (found && recreate) {
			if ((rc = github_comment_delete(gh, ctx.repository, existing.id)) ||
			    (rc = github_comment_create(gh, ctx.repository, pr, buf_cstr(&body),
							&cm)))
				goto out;
			rt_info(rt, "recreated the comment of '%s' on #%ld: %s", buf_cstr(&name), pr,
				cm.html_url);
		} else if (found) {
			if ((rc = github_comment_update(gh, ctx.repository, existing.id,
							buf_cstr(&body), &cm)))
				goto out;
			rt_info(rt, "updated the comment of '%s' on #%ld: %s", buf_cstr(&name), pr,
				cm.html_url);
		} else {
			if ((rc = github_comment_create(gh, ctx.repository, pr, buf_cstr(&body),
							&cm)))
				goto out;
			rt_info(rt, "created the comment of '%s' on #%ld: %s", buf_cstr(&name), pr,
				cm.html_url);
		}
	}
	if (truncated)
		wf_notice(rt, "plan shortened",
			  "the plan of '%s' was shortened to fit GitHub's comment limit",
			  buf_cstr(&name));
	if ((rc = summary_add(rt, "%s\n", buf_cstr(&body))) ||
	    (rc = set_outputs(rt, &plan, &cm, plan.failed && fail_on_error)))
		goto out;
	/* The comment shows the failure to the reviewers; the red step shows it to the author. */
	if (plan.failed && fail_on_error) {
		const char *e = plan.errors.len ? plan.errors.items[0] : "Error: (no message)";

		if (!strncmp(e, "Error: ", 7))
			e += 7;
		rc = err_set(E_FAILED, "the plan of '%s' failed: %.*s; the comment shows it: %s "
				       "(fail-on-error: false lets the step pass)",
			     buf_cstr(&name), (int)strcspn(e, "\n"), e, cm.html_url);
		goto out;
	}
out:
	github_comment_free(&cm);
	github_comment_free(&existing);
	github_client_free(gh);
	free(run_url);
	if (ctx_loaded)
		gh_context_free(&ctx);
	plan_free(&plan);
	buf_free(&text);
	buf_free(&json);
	buf_free(&name);
	buf_free(&marker);
	buf_free(&body);
	inputs_free(&in);
	return rc;
}
