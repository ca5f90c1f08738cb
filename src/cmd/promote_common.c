/* promote_common: shared command-layer code of promote, history, rollback. See the header. */
#include "cmd/promote_common.h"

#include <stdlib.h>
#include <string.h>

#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/gh_deployment.h"
#include "aws/ecr_login.h"
#include "util/err.h"

int promote_cli_sessions(struct rt *rt, const struct inputs *in, struct registry_sessions **r)
{
	struct strlist insecure = STRLIST_INIT;
	struct registry_opts ro = { 0 };
	struct http_opts ho;
	int rc;

	*r = NULL;
	http_opts_defaults(&ho);
	if ((rc = net_inputs_apply(in, &ho)) || (rc = aws_inputs_apply(rt, in)) ||
	    (rc = inputs_get_list(in, "insecure-registry", LIST_COMMENTS, &insecure)))
		return rc;
	ro.http_opts = &ho;
	ro.username = inputs_get(in, "username");
	ro.password = inputs_get(in, "password");
	if (!ro.username != !ro.password) {
		rc = err_set(E_USAGE, "inputs 'username' and 'password' go together: give both");
		goto out;
	}
	ro.config_dir = inputs_get(in, "registry-config");
	ro.insecure_hosts = &insecure;
	ro.cred_provider = aws_ecr_cred_provider; /* native ECR: no login step */
	ro.cred_ctx = rt;
	ro.rt = rt;
	ro.lazy_auth = 1;
	ro.verbose = rt->verbose;
	rc = registry_sessions_new(r, &ro);
out:
	strlist_clear(&insecure);
	return rc;
}

int promote_cli_setup(struct rt *rt, const struct inputs *in, struct pipeline *p,
		      struct registry_sessions **r)
{
	const char *spec = inputs_get(in, "stages");
	int rc;

	*r = NULL;
	memset(p, 0, sizeof(*p));
	if (spec)
		rc = pipeline_parse_spec(p, spec, "stages");
	else
		rc = pipeline_load_file(p, inputs_get(in, "pipeline-file"));
	if (!rc)
		rc = promote_cli_sessions(rt, in, r);
	if (rc)
		pipeline_free(p);
	return rc;
}

static const char *short_digest(const char *d, char *out, size_t n)
{
	if (!d || !*d)
		return "(none)";
	snprintf(out, n, "%.19s", d); /* sha256: + 12 hex: display only */
	return out;
}

/* Whether a tag of t was read back at another digest than the promoted one. */
static int target_moved(const struct promote_result *res, const struct promote_target *t)
{
	for (size_t k = 0; k < t->after.len; k++)
		if (strcmp(t->after.items[k], res->digest))
			return 1;
	return 0;
}

int promote_cli_report(struct rt *rt, const struct promote_result *res, const char *run_url,
		       const char *title)
{
	struct buf tags = BUF_INIT, image = BUF_INIT;
	const char *verb = res->dry_run ? "would promote" : res->unchanged ? "unchanged:" : "promoted";
	char s1[24], s2[24];
	int rc = 0;

	for (size_t i = 0; i < res->ntargets && !rc; i++)
		for (size_t k = 0; k < res->targets[i].tags.len && !rc; k++)
			rc = buf_printf(&tags, "%s%s:%s", tags.len ? "\n" : "",
					res->targets[i].repository, res->targets[i].tags.items[k]);
	if (!rc && res->ntargets)
		rc = buf_printf(&image, "%s@%s", res->targets[0].repository, res->digest);
	if (rc)
		goto out;

	rt_info(rt, "gate: %s", gate_decision_str(res->gate));
	for (size_t i = 0; i < res->ntargets; i++) {
		const struct promote_target *t = &res->targets[i];

		for (size_t k = 0; k < t->tags.len; k++) {
			const char *now = k < t->after.len ? t->after.items[k] : NULL;

			rt_info(rt, "%s %s -> %s:%s (was %s)%s%s%s", verb, res->digest,
				t->repository, t->tags.items[k],
				t->before.items[k][0] ? t->before.items[k] : "unset",
				now && strcmp(now, res->digest) ? "; now at " : "",
				now && strcmp(now, res->digest) ? (now[0] ? now : "(deleted)") : "",
				now && strcmp(now, res->digest) ? " (moved by a concurrent run)" : "");
		}
	}
	if (res->recorded_late)
		rt_info(rt, "ledger: the tags were at %s already but no promotion to %s was recorded: "
			    "recorded now (previous digest unknown)", res->digest, res->to);
	for (size_t i = 0; i < res->skipped_tags.len; i++)
		wf_notice(rt, NULL, "tag '%s' not written: give --version to render it",
			  res->skipped_tags.items[i]);
	if (!res->dry_run)
		rt_info(rt, "blobs: %zu mounted, %zu copied, %zu already there; %zu manifest puts; "
			    "ledger via %s%s", res->blobs_mounted, res->blobs_copied,
			res->blobs_present, res->manifests_put,
			res->ledger_api ? "the referrers API" : "the referrers tag schema",
			res->ledger_subject_refused ? " (the registry refuses a subject that is "
						      "an image index)" : "");

	if ((rc = out_set(rt, "digest", res->digest)) || (rc = out_set(rt, "image", buf_cstr(&image))) ||
	    (rc = out_set(rt, "from", res->from)) || (rc = out_set(rt, "to", res->to)) ||
	    (rc = out_set(rt, "previous-digest", res->previous_digest ? res->previous_digest : "")) ||
	    (rc = out_set(rt, "tags", buf_cstr(&tags))))
		goto out;

	if ((rc = summary_add(rt, "### %s%s: %s → %s\n\n", title, res->dry_run ? " (dry run)" : "",
			      res->from[0] ? res->from : res->source, res->to)))
		goto out;
	if ((rc = summary_add(rt, "Gate: **%s**\n\n", gate_decision_str(res->gate))) ||
	    (rc = promote_cli_report_gates(rt, res)) || (rc = promote_cli_report_verify(rt, res)) ||
	    (rc = summary_add(rt, "| Stage | Repository | Tags | Digest before | Digest after | Run |\n"
				  "| --- | --- | --- | --- | --- | --- |\n")))
		goto out;
	for (size_t i = 0; i < res->ntargets && !rc; i++) {
		const struct promote_target *t = &res->targets[i];
		char *joined = strlist_join_dup(&t->tags, ", ");

		rc = summary_add(rt, "| ");
		if (!rc)
			rc = summary_add_cell(rt, res->to);
		if (!rc)
			rc = summary_add(rt, " | ");
		if (!rc)
			rc = summary_add_cell(rt, t->repository);
		if (!rc)
			rc = summary_add(rt, " | ");
		if (!rc)
			rc = summary_add_cell(rt, joined ? joined : "");
		/* After: what the tags were read back at (a concurrent run may have moved one). */
		if (!rc)
			rc = summary_add(rt, " | `%s` | `%s`%s | ",
					 short_digest(t->before.items[0], s1, sizeof(s1)),
					 short_digest(t->after.len ? t->after.items[0] : res->digest,
						      s2, sizeof(s2)),
					 target_moved(res, t) ? " ⚠️ moved" : "");
		if (!rc && run_url)
			rc = summary_add(rt, "[run](%s)", run_url);
		if (!rc)
			rc = summary_add(rt, " |\n");
		free(joined);
	}
	if (!rc)
		rc = summary_add(rt, "\nDigest: `%s`\n\n", res->digest);
	if (!rc && res->moved.len) {
		rc = summary_add(rt, "**Moved by a concurrent run after this promotion wrote "
				     "them** (the promotion is recorded; check which run should win):\n\n");
		for (size_t i = 0; i < res->moved.len && !rc; i++) {
			wf_warning(rt, "tag moved concurrently", "%s", res->moved.items[i]);
			rc = summary_add(rt, "- ");
			if (!rc)
				rc = summary_add_cell(rt, res->moved.items[i]);
			if (!rc)
				rc = summary_add(rt, "\n");
		}
		if (!rc)
			rc = summary_add(rt, "\n");
	}
out:
	buf_free(&tags);
	buf_free(&image);
	return rc;
}

int promote_cli_report_unverified(struct rt *rt, const struct promote_result *res,
				  const char *title)
{
	int rc = summary_add(rt, "### %s: %s → %s failed after the tags were written\n\n"
				 "| Repository | Tag | Was | Written |\n| --- | --- | --- | --- |\n",
			     title, res->from[0] ? res->from : res->source, res->to);

	for (size_t i = 0; i < res->ntargets && !rc; i++) {
		const struct promote_target *t = &res->targets[i];

		for (size_t k = 0; k < t->tags.len && !rc; k++) {
			const char *was = k < t->before.len ? t->before.items[k] : "";

			rc = summary_add(rt, "| ");
			if (!rc)
				rc = summary_add_cell(rt, t->repository);
			if (!rc)
				rc = summary_add(rt, " | ");
			if (!rc)
				rc = summary_add_cell(rt, t->tags.items[k]);
			if (!rc)
				rc = summary_add(rt, " | `%s` | `%s` |\n", was[0] ? was : "unset",
						 res->digest);
		}
	}
	if (!rc)
		rc = summary_add(rt, "\nThe tags could not be read back after the write. %s\n\n",
				 res->recorded ? "The promotion is recorded in the ledger."
					       : "The ledger record may be missing: running the "
						 "promotion again records it.");
	return rc;
}

void promote_cli_gh_deployment(struct rt *rt, const struct inputs *in, const struct pipeline *p,
				const struct promote_result *res, int ok, const char *what)
{
	struct gh_deployment *d = NULL;
	const struct pipeline_stage *s = pipeline_stage_find(p, res->to, NULL);
	json_t *payload = json_pack("{s:s, s:s, s:s, s:[]}", "digest", res->digest, "from",
				    res->from[0] ? res->from : res->source, "to", res->to, "tags");
	json_t *tags = json_object_get(payload, "tags");
	struct buf desc = BUF_INIT;
	int last = s && s == &p->stages[p->nstages - 1];

	for (size_t i = 0; tags && i < res->ntargets; i++)
		for (size_t k = 0; k < res->targets[i].tags.len; k++) {
			struct buf t = BUF_INIT;

			if (!buf_printf(&t, "%s:%s", res->targets[i].repository,
					res->targets[i].tags.items[k]))
				json_array_append_new(tags, json_string(buf_cstr(&t)));
			buf_free(&t);
		}
	if (buf_printf(&desc, "%s of %.19s", what, res->digest))
		err_clear();
	gh_deployment_begin(rt, in, res->to, res->revision, payload, last, buf_cstr(&desc), 0, &d);
	gh_deployment_end(rt, d, ok, s && s->deploy.health_url ? s->deploy.health_url : NULL,
			  buf_cstr(&desc));
	buf_free(&desc);
}

int promote_cli_report_gates(struct rt *rt, const struct promote_result *res)
{
	int rc = 0;

	if (!res->gate_verdicts.len)
		return 0;
	rc = summary_add(rt, "| Gate | Result | Detail |\n| --- | --- | --- |\n");
	for (size_t i = 0; i < res->gate_verdicts.len && !rc; i++) {
		const char *v = res->gate_verdicts.items[i], *a = strstr(v, ": "), *b;

		if (!a || !(b = strstr(a + 2, ": ")))
			continue;
		rt_info(rt, "gate %s", v);
		rc = summary_add(rt, "| %.*s | **%.*s** | ", (int)(a - v), v, (int)(b - a - 2), a + 2);
		if (!rc)
			rc = summary_add_cell(rt, b + 2);
		if (!rc)
			rc = summary_add(rt, " |\n");
	}
	if (!rc && res->override)
		wf_notice(rt, "freeze overridden", "%s", res->override);
	return rc ? rc : summary_add(rt, "\n");
}

int promote_cli_report_verify(struct rt *rt, const struct promote_result *res)
{
	const char *v = res->verify_refused ? "refused" : res->verify_passed ? "passed" : "warning";
	int rc;

	if (!res->verify_detail)
		return 0;
	if (!res->verify_passed && !res->verify_refused)
		wf_warning(rt, "verification (mode warn)", "stage %s: %s", res->to,
			   res->verify_detail);
	else if (res->verify_passed)
		rt_info(rt, "verify: %s", res->verify_detail);
	if ((rc = summary_add(rt, "| Verification | Result | Detail |\n| --- | --- | --- |\n"
				  "| signatures%s | **%s** | ",
			      res->verify_detail && strstr(res->verify_detail, "record") ? " + record"
											 : "",
			      v)) ||
	    (rc = summary_add_cell(rt, res->verify_detail)))
		return rc;
	return summary_add(rt, " |\n\n");
}

int promote_cli_report_refusal(struct rt *rt, const struct promote_result *res)
{
	int rc = summary_add(rt, "### Promotion: %s → %s refused\n\nGate: **%s**\n\n",
			     res->from[0] ? res->from : res->source, res->to,
			     res->verify_refused ? "refused: verification failed"
			     : res->gates_refused ? "refused: a time or health gate"
						 : gate_decision_str(res->gate));

	if (!rc)
		rc = promote_cli_report_gates(rt, res);
	if (!rc)
		rc = promote_cli_report_verify(rt, res);
	if (!rc)
		rc = summary_add(rt, "Digest: `%s`\n\nNothing was changed.\n\n", res->digest);
	return rc;
}

void promote_cli_stats(struct rt *rt, struct registry_sessions *r)
{
	struct http_stats st;
	const char *e = getenv("CONVOY_STATS");

	if (!r || !e || strcmp(e, "1"))
		return;
	registry_sessions_stats(r, &st);
	fprintf(rt->log, "convoy-stats: requests=%llu bytes_sent=%llu bytes_received=%llu\n",
		(unsigned long long)st.requests, (unsigned long long)st.bytes_sent,
		(unsigned long long)st.bytes_received);
}
