/*
 * rollback: promotes a stage's previous digest (per the ledger) back into it, as a recorded
 * promotion of kind "rollback" (convoy rollback --stage prod). When the stage's tag was moved
 * outside convoy, the rollback goes to the digest convoy last promoted there, and says so.
 */
#include <stdlib.h>

#include "actions/command.h"
#include "actions/context.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "cmd/gh_deployment.h"
#include "cmd/promote_common.h"
#include "util/err.h"

const char cmd_rollback_summary[] = "Promote a stage's previous digest back into it (recorded)";
const struct input_def cmd_rollback_inputs[] = {
	{ "stage", IN_REQUIRED, NULL, "the stage to roll back" },
	{ "dry-run", IN_BOOL, "false", "show what would change, change nothing" },
	PROMOTE_COMMON_INPUTS,
	GH_DEPLOYMENT_INPUTS,
	{ NULL, 0, NULL, NULL },
};

/* The rollback went to the newest recorded digest: the tag was at one convoy did not put. */
static int report_untracked(struct rt *rt, const struct promote_result *res)
{
	const char *was = res->previous_digest ? res->previous_digest : "(unset)";

	wf_warning(rt, NULL, "rollback: %s's tag was at %s, which no convoy promotion recorded "
			     "(moved outside convoy?); %s %s, the image convoy last promoted to %s",
		   res->to, was, res->dry_run ? "would go back to" : "went back to", res->digest,
		   res->to);
	return summary_add(rt, "> ⚠️ %s's tag was at `%s`, which no convoy promotion recorded "
			       "(moved outside convoy?): the rollback %s `%s`, the image convoy "
			       "last promoted there.\n\n",
			   res->to, was, res->dry_run ? "would go back to" : "went back to",
			   res->digest);
}

int cmd_rollback(struct rt *rt, int argc, char **argv)
{
	struct gh_context gh = { 0 };
	struct pipeline p = { 0 };
	struct registry_sessions *r = NULL;
	struct promote_opts o = { 0 };
	struct promote_result res = { 0 };
	struct inputs in;
	char *run_url = NULL;
	int rc = inputs_parse(rt, cmd_rollback_inputs, argc, argv, &in);

	if (rc || (rc = inputs_get_bool(&in, "dry-run", &o.dry_run)) ||
	    (rc = gh_context_load(&gh)) || (rc = promote_cli_setup(rt, &in, &p, &r)))
		goto out;
	run_url = gh_context_run_url_dup(&gh);
	o.pipeline = &p;
	o.to = inputs_get(&in, "stage");
	o.rollback = 1;
	o.actor = gh.actor ? gh.actor : getenv("USER");
	o.gh_repository = gh.repository;
	o.run_url = run_url;
	o.commit = gh.sha;
	rc = promote_run(r, &o, &res);
	if (!rc)
		rc = promote_cli_report(rt, &res, run_url, "Rollback");
	else if (res.unverified)
		(void)promote_cli_report_unverified(rt, &res, "Rollback");
	if (!rc && res.rollback_untracked)
		rc = report_untracked(rt, &res);
	if (!o.dry_run && res.digest && res.ntargets && !res.unchanged && (!rc || res.unverified))
		promote_cli_gh_deployment(rt, &in, &p, &res, !rc, "rollback");
	promote_cli_stats(rt, r);
out:
	promote_result_free(&res);
	registry_sessions_free(r);
	pipeline_free(&p);
	gh_context_free(&gh);
	free(run_url);
	inputs_free(&in);
	return rc;
}
