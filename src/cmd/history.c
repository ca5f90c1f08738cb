/*
 * history: the promotions recorded for a stage, newest first (convoy history --stage prod),
 * with a warning when the stage's tag is at a digest no promotion recorded there.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "cmd/promote_common.h"
#include "sign/key.h"
#include "util/err.h"

const char cmd_history_summary[] = "List the promotions recorded for a stage, newest first";
const struct input_def cmd_history_inputs[] = {
	{ "stage", IN_REQUIRED, NULL, "the stage whose history to list" },
	{ "limit", 0, "20", "at most this many records (1-1000)" },
	{ "verify", IN_MULTI, NULL, "public key (PEM file or env://VAR; repeat for several): show which records are signed statements valid by a key; fails when one is signed but not valid" },
	PROMOTE_COMMON_INPUTS,
	{ NULL, 0, NULL, NULL },
};

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* --verify: each record's signature state ("valid", "unsigned", "invalid") and detail. */
struct verify_state {
	struct sign_key **keys;
	size_t nkeys;
	size_t invalid;
	struct buf why;
};

static int verify_record(struct registry_sessions *r, const struct pipeline *p,
			 const char *stage, const struct ledger_record *e, struct verify_state *vs,
			 const char **state, struct buf *detail)
{
	const char *kid = NULL;
	int rc = promote_record_verify(r, p, stage, e, vs->keys, vs->nkeys, &kid);

	buf_reset(detail);
	if (!rc) {
		*state = "valid";
		return buf_printf(detail, "signed by key %s", kid);
	}
	if (rc != E_NOTFOUND && rc != E_INTEGRITY)
		return rc;
	*state = rc == E_NOTFOUND ? "unsigned" : "invalid";
	rc = buf_puts(detail, err_msg());
	err_clear();
	if (!rc && !strcmp(*state, "invalid") && !vs->invalid++)
		rc = buf_puts(&vs->why, buf_cstr(detail));
	return rc;
}

static int has_promotion(const struct ledger_records *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!ledger_record_is_deploy(&l->items[i]))
			return 1;
	return 0;
}

int cmd_history(struct rt *rt, int argc, char **argv)
{
	struct ledger_records l = { 0 };
	struct pipeline p = { 0 };
	struct registry_sessions *r = NULL;
	struct verify_state vs = { 0 };
	struct strlist keyspecs = STRLIST_INIT;
	struct buf detail = BUF_INIT;
	struct inputs in;
	unsigned long limit = 20;
	char *current = NULL, *js = NULL;
	json_t *arr = NULL;
	const char *stage;
	size_t mark = 0;
	int untracked = 0;
	int rc = inputs_parse(rt, cmd_history_inputs, argc, argv, &in);

	if (rc || (rc = inputs_get_uint(&in, "limit", 1, 1000, &limit)))
		goto out;
	stage = inputs_get(&in, "stage");
	if ((rc = inputs_get_list(&in, "verify", LIST_IGNORE_COMMA, &keyspecs)))
		goto out;
	if (keyspecs.len && !(vs.keys = calloc(keyspecs.len, sizeof(*vs.keys)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (; vs.nkeys < keyspecs.len; vs.nkeys++)
		if ((rc = sign_key_load(&vs.keys[vs.nkeys], keyspecs.items[vs.nkeys], 0,
					"input 'verify'")))
			goto out;
	if ((rc = promote_cli_setup(rt, &in, &p, &r)))
		goto out;
	if ((rc = promote_history(r, &p, stage, (size_t)limit, 1, &l, &current, &untracked)))
		goto out;
	promote_cli_stats(rt, r);
	if (!(arr = json_array())) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (rt->format == RT_TEXT)
		fprintf(rt->out, "stage %s: now %s\n", stage, current ? current : "(no image)");
	/* Without any promotion the stage is not one convoy promotes into (the first stage,
	 * pushed to): nothing to warn about. */
	if (untracked && !has_promotion(&l))
		untracked = 0;
	if (untracked)
		wf_warning(rt, NULL, "%s's tag points at %s, which no convoy promotion recorded "
				     "(moved outside convoy?); the records below are the ledger's",
			   stage, current);
	mark = rt->summary.len; /* --format markdown prints the table the summary gets */
	rc = summary_add(rt, "### History of %s\n\nNow: `%s`\n\n", stage,
			 current ? current : "(no image)");
	if (!rc && untracked)
		rc = summary_add(rt, "> ⚠️ No convoy promotion recorded this digest in %s (the tag "
				     "was moved outside convoy?). The records below are the "
				     "ledger's; `convoy rollback` goes back to the newest of them.\n\n",
				 stage);
	if (!rc)
		rc = summary_add(rt, "| Time | Kind | From (deploy: target) | Digest | Previous (deploy: status) | Actor | Run |\n"
				     "| --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < l.len && !rc; i++) {
		const struct ledger_record *e = &l.items[i];
		const char *state = NULL;
		json_t *o;

		if (vs.nkeys && (rc = verify_record(r, &p, stage, e, &vs, &state, &detail)))
			break;
		o = json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
				      "s:s?, s:s?, s:s?, s:s?, s:s?}",
				      "time", e->time, "kind", e->kind, "to", e->to, "digest",
				      e->digest, "from", e->from, "previous-digest",
				      e->previous_digest, "actor", e->actor, "tags", e->tags,
				      "run-url", e->run_url, "commit", e->commit, "deploy-target",
				      e->deploy_target, "task-definition", e->task_definition,
				      "status", e->status, "gates", e->gates, "override",
				      e->override);

		if (o && state &&
		    (json_object_set_new(o, "signature", json_string(state)) ||
		     json_object_set_new(o, "signature-detail", json_string(buf_cstr(&detail))))) {
			json_decref(o);
			o = NULL;
		}
		if (o && rt->format == RT_JSONL) {
			char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);

			if (line)
				fprintf(rt->out, "%s\n", line);
			free(line);
		}
		if (!o || json_array_append_new(arr, o)) {
			rc = err_set(E_NOMEM, "out of memory");
			break;
		}
		if (rt->format == RT_TEXT && ledger_record_is_deploy(e))
			fprintf(rt->out, "%s  %-8s %s  %s  %s  %s  by %s  %s\n", e->time, "deploy",
				e->digest, or_dash(e->deploy_target), or_dash(e->status),
				or_dash(e->task_definition), or_dash(e->actor), or_dash(e->run_url));
		else if (rt->format == RT_TEXT)
			fprintf(rt->out, "%s  %-8s %s -> %s  %s  (was %s)  by %s  %s\n", e->time,
				or_dash(e->kind), or_dash(e->from), e->to, e->digest,
				or_dash(e->previous_digest), or_dash(e->actor), or_dash(e->run_url));
		if (rt->format == RT_TEXT && state)
			fprintf(rt->out, "    signature: %s (%s)\n", state, buf_cstr(&detail));
		rc = summary_add(rt, "| %s | %s | ", e->time, or_dash(e->kind));
		if (!rc)
			rc = summary_add_cell(rt, ledger_record_is_deploy(e)
							  ? or_dash(e->deploy_target)
							  : or_dash(e->from));
		if (!rc)
			rc = ledger_record_is_deploy(e)
				     ? summary_add(rt, " | `%.19s` | %s | ", e->digest,
						   or_dash(e->status))
				     : summary_add(rt, " | `%.19s` | `%.19s` | ", e->digest,
						   or_dash(e->previous_digest));
		if (!rc)
			rc = summary_add_cell(rt, or_dash(e->actor));
		if (!rc)
			rc = e->run_url ? summary_add(rt, " | [run](%s) |\n", e->run_url)
					: summary_add(rt, " | - |\n");
	}
	if (rc)
		goto out;
	if (rt->format == RT_MARKDOWN && rt->summary.len >= mark)
		fwrite(rt->summary.data + mark, 1, rt->summary.len - mark, rt->out);
	if (!(js = json_dumps(arr, JSON_COMPACT))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (!(rc = out_set(rt, "records", js)))
		rc = out_set(rt, "digest", current ? current : "");
	if (!rc && vs.invalid)
		rc = err_set(E_INTEGRITY, "%zu record%s of %s signed but not valid: %s", vs.invalid,
			     vs.invalid > 1 ? "s are" : " is", stage, buf_cstr(&vs.why));
out:
	for (size_t i = 0; i < vs.nkeys; i++)
		sign_key_free(vs.keys[i]);
	free(vs.keys);
	buf_free(&vs.why);
	buf_free(&detail);
	strlist_clear(&keyspecs);
	json_decref(arr);
	free(js);
	free(current);
	ledger_records_free(&l);
	registry_sessions_free(r);
	pipeline_free(&p);
	inputs_free(&in);
	return rc;
}
