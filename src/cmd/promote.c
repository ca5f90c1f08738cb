/*
 * promote: moves one digest to a stage (convoy promote --to qa [--version tag | --digest d]).
 * Under workflow_dispatch, to/version/digest/allow-skip also come from the payload's inputs.
 */
#include <stdlib.h>
#include <string.h>

#include "actions/context.h"
#include "cmd/cmd.h"
#include "cmd/gh_deployment.h"
#include "cmd/promote_common.h"
#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "registry/carry.h"
#include "registry/reference.h"
#include "sign/image.h"
#include "util/err.h"

const char cmd_promote_summary[] = "Promote one image digest to the next stage (dev -> qa -> prod)";
const struct input_def cmd_promote_inputs[] = {
	{ "to", 0, NULL, "target stage (required)" },
	{ "from", 0, NULL, "source stage (default: the stage before --to)" },
	{ "from-image", 0, NULL, "one-off source image (host/repo:tag or @digest) instead of a stage" },
	{ "version", 0, NULL, "a tag in the source repository (sha-1a2b3c4); renders {{version}}" },
	{ "digest", 0, NULL, "the exact digest to promote (sha256:...)" },
	{ "allow-skip", IN_BOOL, "false", "allow a digest that never was in the previous stage" },
	{ "dry-run", IN_BOOL, "false", "show what would change, change nothing" },
	{ "override", 0, NULL, "the reason to promote inside a freeze span of the stage (recorded with the actor; allowed-actors may limit who)" },
	{ "sign-key", 0, NULL, "private key (PEM file, env://VAR, cosign encrypted key): sign the digest in every target repository and sign the ledger record" },
	{ "signature-storage", 0, "both", "where signatures go: tag (sha256-<hex>.sig), referrer or both" },
	{ "referrers", 0, "all", "artifacts referring to the digest to carry into the target: all, none, or a comma list of signature, in-toto, spdx, cyclonedx, sbom, sig, att or artifact types" },
	PROMOTE_COMMON_INPUTS,
	GH_DEPLOYMENT_INPUTS,
	{ NULL, 0, NULL, NULL },
};

/* workflow_dispatch: a payload input fills what the flags and INPUT_* left unset. */
static const char *dispatch_input(const struct gh_context *gh, const struct inputs *in,
				  const char *name, char *boolbuf)
{
	const char *v = inputs_get(in, name);
	json_t *j;

	if (v || !gh->event_name || strcmp(gh->event_name, "workflow_dispatch"))
		return v;
	j = json_object_get(json_object_get(gh->event, "inputs"), name);
	if (json_is_string(j) && *json_string_value(j))
		return json_string_value(j);
	if (json_is_boolean(j) && boolbuf) {
		strcpy(boolbuf, json_is_true(j) ? "true" : "false");
		return boolbuf;
	}
	return NULL;
}

static int parse_bool(const char *name, const char *v, int *out)
{
	*out = 0;
	if (!v || !strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE"))
		return 0;
	if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE")) {
		*out = 1;
		return 0;
	}
	return err_set(E_USAGE, "input '%s': expected true or false, got '%s'", name, v);
}

/* --sign-key: a signature for each target repository's identity (as the Kubernetes image
 * promoter does), so that a verifier of the target's name accepts it. */
static int sign_targets(struct rt *rt, struct registry_sessions *rs,
			const struct promote_result *res, const struct sign_key *key,
			enum sign_storage storage)
{
	int rc = 0;

	for (size_t i = 0; i < res->ntargets && !rc; i++) {
		struct registry_ref ref = { 0 };
		struct registry *reg;

		if (!(rc = registry_ref_parse_repo(&ref, res->targets[i].repository)) &&
		    !(rc = registry_sessions_get(rs, registry_ref_api_host(&ref), &reg)) &&
		    !(rc = sign_image(reg, ref.path, res->targets[i].repository, res->digest, key,
				      storage, NULL)))
			rt_info(rt, "signed %s@%s with key %s (no Rekor entry: offline)",
				res->targets[i].repository, res->digest, sign_key_id(key));
		registry_ref_free(&ref);
	}
	return rc;
}

/* The referrers carried (a dry run: to carry): a log line, the `referrers` output (a count),
 * a job summary line. */
static int report_referrers(struct rt *rt, const struct promote_result *res)
{
	struct buf line = BUF_INIT, n = BUF_INIT;
	char *kinds = strlist_join_dup(&res->referrer_kinds, ", ");
	int rc;

	if ((rc = buf_printf(&n, "%zu", res->dry_run ? res->referrers_found
						      : res->referrers_copied)))
		goto out;
	if (res->dry_run && res->referrers_carried) {
		rc = buf_printf(&line, "would carry %zu%s%s%s", res->referrers_found,
				kinds && *kinds ? " (" : "", kinds ? kinds : "",
				kinds && *kinds ? ")" : "");
		if (!rc) {
			rt_info(rt, "referrers: %s", buf_cstr(&line));
			rc = summary_add(rt, "Referrers: %s\n\n", buf_cstr(&line));
		}
	} else if (!res->dry_run && !res->unchanged) {
		if (!res->referrers_carried)
			rc = buf_puts(&line, res->ntargets && strcmp(res->source, res->targets[0].repository)
						     ? "not carried (--referrers none)"
						     : "in place (the same repository)");
		else
			rc = buf_printf(&line, "%zu copied%s%s%s", res->referrers_copied,
					kinds && *kinds ? " (" : "", kinds ? kinds : "",
					kinds && *kinds ? ")" : "");
		if (!rc && res->referrers_present)
			rc = buf_printf(&line, ", %zu already there", res->referrers_present);
		if (!rc && res->referrers_refused_n)
			rc = buf_printf(&line, ", %zu refused by the target (subject is an image "
					       "index)", res->referrers_refused_n);
		for (size_t i = 0; !rc && i < res->referrers_refused.len; i++)
			wf_warning(rt, NULL,
				   "referrers not carried into %s: the registry refuses a manifest "
				   "whose subject is an image index (as ECR does, "
				   "aws/containers-roadmap#2783), and a referrer cannot be rewritten "
				   "without changing its digest; the image and its other referrers "
				   "were promoted", res->referrers_refused.items[i]);
		if (!rc) {
			rt_info(rt, "referrers: %s", buf_cstr(&line));
			rc = summary_add(rt, "Referrers: %s\n\n", buf_cstr(&line));
		}
	}
	if (!rc)
		rc = out_set(rt, "referrers", buf_cstr(&n));
out:
	free(kinds);
	buf_free(&line);
	buf_free(&n);
	return rc;
}

int cmd_promote(struct rt *rt, int argc, char **argv)
{
	struct gh_context gh = { 0 };
	struct pipeline p = { 0 };
	struct registry_sessions *r = NULL;
	struct promote_opts o = { 0 };
	struct promote_result res = { 0 };
	struct sign_key *key = NULL;
	struct registry_carry_filter carry = { 0 };
	enum sign_storage storage = SIGN_STORAGE_BOTH;
	struct inputs in;
	char boolbuf[8];
	char *run_url = NULL;
	const char *skip;
	int rc = inputs_parse(rt, cmd_promote_inputs, argc, argv, &in);

	if (rc)
		goto out;
	if ((rc = gh_context_load(&gh)))
		goto out;
	o.to = dispatch_input(&gh, &in, "to", NULL);
	o.version = dispatch_input(&gh, &in, "version", NULL);
	o.digest = dispatch_input(&gh, &in, "digest", NULL);
	o.from = inputs_get(&in, "from");
	o.override = dispatch_input(&gh, &in, "override", NULL);
	if (o.override && !*o.override)
		o.override = NULL;
	o.from_image = inputs_get(&in, "from-image");
	/* allow-skip defaults to "false", so the payload is consulted only when it is false. */
	skip = inputs_get(&in, "allow-skip");
	if (skip && !strcmp(skip, "false") && gh.event_name &&
	    !strcmp(gh.event_name, "workflow_dispatch")) {
		json_t *j = json_object_get(json_object_get(gh.event, "inputs"), "allow-skip");

		if (json_is_boolean(j))
			skip = strcpy(boolbuf, json_is_true(j) ? "true" : "false");
		else if (json_is_string(j) && *json_string_value(j))
			skip = json_string_value(j);
	}
	if ((rc = parse_bool("allow-skip", skip, &o.allow_skip)) ||
	    (rc = inputs_get_bool(&in, "dry-run", &o.dry_run)))
		goto out;
	if (!o.to) {
		rc = err_set(E_USAGE, "input 'to' is required: the stage to promote to (flag --to)");
		goto out;
	}
	if (o.version && o.digest) {
		rc = err_set(E_USAGE, "inputs 'version' and 'digest' exclude each other: give one");
		goto out;
	}
	if (o.digest && (strncmp(o.digest, "sha256:", 7) || strlen(o.digest) != 71 ||
			 strspn(o.digest + 7, "0123456789abcdef") != 64)) {
		rc = err_set(E_USAGE, "input 'digest': '%s' is not sha256:<64 lower-case hex>",
			     o.digest);
		goto out;
	}
	if (o.version && !pipeline_tag_valid(o.version)) {
		rc = err_set(E_USAGE, "input 'version': '%s' is not a valid tag", o.version);
		goto out;
	}
	if (o.from && o.from_image) {
		rc = err_set(E_USAGE, "inputs 'from' and 'from-image' exclude each other");
		goto out;
	}
	if ((rc = sign_storage_parse(inputs_get(&in, "signature-storage"),
				     "input 'signature-storage'", &storage)))
		goto out;
	if ((rc = registry_carry_filter_parse(&carry, inputs_get(&in, "referrers"),
					      "input 'referrers'")))
		goto out;
	if (inputs_get(&in, "sign-key") &&
	    (rc = sign_key_load(&key, inputs_get(&in, "sign-key"), 1, "input 'sign-key'")))
		goto out;
	if ((rc = promote_cli_setup(rt, &in, &p, &r)))
		goto out;
	o.sign_key = key;
	o.referrers = &carry;
	run_url = gh_context_run_url_dup(&gh);
	o.pipeline = &p;
	o.actor = gh.actor ? gh.actor : getenv("USER");
	o.gh_repository = gh.repository;
	o.run_url = run_url;
	o.commit = gh.sha;
	rc = promote_run(r, &o, &res);
	if (!rc || (res.digest && res.ntargets && rc == E_CONFLICT && res.moved.len)) {
		int rrc = promote_cli_report(rt, &res, run_url, "Promotion");

		if (!rrc)
			rrc = report_referrers(rt, &res);

		rc = rc ? rc : rrc;
	} else if (res.unverified) {
		(void)promote_cli_report_unverified(rt, &res, "Promotion");
	} else if (res.digest && (res.gate == GATE_REFUSED || res.verify_refused ||
				  res.gates_refused)) {
		/* A refusal still tells the job summary why. */
		(void)promote_cli_report_refusal(rt, &res);
	}
	if (!o.dry_run && res.digest && res.ntargets && !res.unchanged && (!rc || res.unverified))
		promote_cli_gh_deployment(rt, &in, &p, &res, !rc, "promotion");
	/* After the report: the promotion stands (and is recorded) even if a signature fails. */
	if (!rc && key && !o.dry_run && (rc = sign_targets(rt, r, &res, key, storage)))
		rc = err_wrap(rc, "promoted %s, but signing it failed", res.digest);
	if (!rc && res.record_signed)
		rt_info(rt, "ledger: the record is an in-toto statement signed with key %s",
			sign_key_id(key));
	promote_cli_stats(rt, r);
out:
	promote_result_free(&res);
	sign_key_free(key);
	registry_carry_filter_free(&carry);
	registry_sessions_free(r);
	pipeline_free(&p);
	gh_context_free(&gh);
	free(run_url);
	inputs_free(&in);
	return rc;
}
