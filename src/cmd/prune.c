/*
 * prune: retention that knows the stages (convoy prune REPO --keep N --older-than 30d). Reads
 * everything in the repository (promote/retention_scan), what each stage of the pipeline has
 * now and had before (promote_history), plans (promote/retention: delete, or keep and why)
 * and prints the plan; with --dry-run=false it asks the registry whether it deletes at all,
 * then deletes manifests by digest (registry/delete): images first, then their platform
 * manifests, referrers, cosign attachments and the referrers indexes, so that an interrupted
 * run leaves orphans the next run removes, never a kept image without its signature.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "cmd/promote_common.h"
#include "pipeline/gates.h"
#include "promote/ledger.h"
#include "promote/retention.h"
#include "promote/retention_scan.h"
#include "registry/delete.h"
#include "registry/reference.h"
#include "util/err.h"

const char cmd_prune_summary[] = "Delete old images from a repository, keeping what the stages need";
const struct input_def cmd_prune_inputs[] = {
	{ "repository", IN_OPERAND | IN_REQUIRED, NULL, "the repository to prune, host/path (also the first argument); a repository of the pipeline's stages" },
	{ "keep", 0, "3", "rollback targets kept per stage: the last N digests each stage had before its current one (0-1000)" },
	{ "older-than", 0, "30d", "only what is older than this may go (d, h, m, s: 30d, 12h): its newest promotion record, else its config's created" },
	{ "dry-run", IN_BOOL, "true", "print the plan, delete nothing; --dry-run=false (dry-run: false) deletes" },
	{ "tag-pattern", IN_MULTI, NULL, "regular expression (JavaScript syntax, unanchored; repeat for several): tags besides convoy's own that prune may delete with their manifest" },
	PROMOTE_COMMON_INPUTS,
	{ NULL, 0, NULL, NULL },
};

#define PRUNE_MAX_KEEP 1000

struct prune {
	struct rt *rt;
	struct pipeline p;
	struct registry_sessions *rs;
	struct registry *reg;
	char *path;
	const char *repository;
	struct retention_opts o;
	struct meta_regex **patterns;
	size_t npatterns;
	struct retention_stage *st;
	size_t nst;
	struct retention_set set;
	int dry_run;
};

static int same_repository(const char *a, const char *b)
{
	struct registry_ref x = { 0 }, y = { 0 };
	int same = 0;

	if (!registry_ref_parse_repo(&x, a) && !registry_ref_parse_repo(&y, b))
		same = !strcmp(registry_ref_api_host(&x), registry_ref_api_host(&y)) &&
		       !strcmp(x.path, y.path);
	err_clear();
	registry_ref_free(&x);
	registry_ref_free(&y);
	return same;
}

static int parse_inputs(struct prune *pr, struct inputs *in)
{
	struct strlist pats = STRLIST_INIT;
	struct registry_ref ref;
	unsigned long keep;
	int rc;

	if (!(pr->repository = inputs_get(in, "repository")))
		return err_set(E_USAGE, "input 'repository' is required: the repository to prune "
					"(host/path), e.g. convoy prune ghcr.io/acme/app");
	if ((rc = registry_ref_parse_repo(&ref, pr->repository)))
		return err_wrap(E_USAGE, "input 'repository'");
	registry_ref_free(&ref);
	if ((rc = inputs_get_uint(in, "keep", 0, PRUNE_MAX_KEEP, &keep)) ||
	    (rc = gates_parse_duration(inputs_get(in, "older-than"), "input 'older-than'",
				       &pr->o.older_than_ms)) ||
	    (rc = inputs_get_bool(in, "dry-run", &pr->dry_run)) ||
	    (rc = inputs_get_list(in, "tag-pattern", LIST_IGNORE_COMMA, &pats)))
		goto out;
	pr->o.keep = keep;
	if (pats.len && !(pr->patterns = calloc(pats.len, sizeof(*pr->patterns)))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (; pr->npatterns < pats.len; pr->npatterns++)
		if ((rc = meta_regex_compile(&pr->patterns[pr->npatterns],
					     pats.items[pr->npatterns], ""))) {
			rc = err_wrap(E_USAGE, "input 'tag-pattern': '%s' is not a regular "
					       "expression convoy reads (JavaScript syntax)",
				      pats.items[pr->npatterns]);
			goto out;
		}
	pr->o.patterns = pr->patterns;
	pr->o.npatterns = pr->npatterns;
	rc = ledger_now_ms(&pr->o.now_ms);
out:
	strlist_clear(&pats);
	return rc;
}

/* The stages with a repository that is REPO: usage error when there is none. */
static int find_stages(struct prune *pr)
{
	struct buf all = BUF_INIT;
	int rc = 0;

	if (!(pr->st = calloc(pr->p.nstages ? pr->p.nstages : 1, sizeof(*pr->st))))
		return err_set(E_NOMEM, "out of memory");
	for (size_t i = 0; i < pr->p.nstages && !rc; i++) {
		const struct pipeline_stage *s = &pr->p.stages[i];
		struct retention_stage *rs = &pr->st[pr->nst];
		int in_repo = 0;

		for (size_t k = 0; k < s->nrepos && !rc; k++) {
			if (!same_repository(s->repos[k].repository, pr->repository)) {
				if (!strstr(buf_cstr(&all), s->repos[k].repository))
					rc = buf_printf(&all, "%s%s", all.len ? ", " : "",
							s->repos[k].repository);
				continue;
			}
			in_repo = 1;
			for (size_t t = 0; t < s->repos[k].tags.len && !rc; t++)
				rc = strlist_add(&rs->templates, s->repos[k].tags.items[t]);
		}
		if (in_repo) {
			rs->name = s->name;
			pr->nst++;
		}
	}
	if (!rc && !pr->nst)
		rc = err_set(E_USAGE, "input 'repository': %s is in no stage of %s (its "
				      "repositories: %s): prune keeps what the stages need, so it "
				      "prunes their repositories only",
			     pr->repository, pr->p.source, buf_cstr(&all));
	buf_free(&all);
	return rc;
}

/* What each stage has now (its literal tags in REPO, the digest of its pointer tag) and had
 * before (the ledger, newest first). */
static int read_stages(struct prune *pr)
{
	int rc = 0;

	for (size_t i = 0; i < pr->nst && !rc; i++) {
		struct retention_stage *s = &pr->st[i];
		struct ledger_records l = { 0 };
		char *cur = NULL;
		/* Each record names two digests; rollbacks repeat them: room for N distinct. */
		size_t limit = pr->o.keep * 4 + 4;

		for (size_t t = 0; t < s->templates.len && !rc; t++) {
			const struct retention_item *it;

			if (strstr(s->templates.items[t], "{{") ||
			    !(it = retention_find_tag(&pr->set, s->templates.items[t])) ||
			    strlist_contains(&s->current, it->digest))
				continue;
			rc = strlist_add(&s->current, it->digest);
		}
		if (rc)
			break;
		rc = promote_history(pr->rs, &pr->p, s->name, limit > 1000 ? 1000 : limit, 0, &l,
				     &cur, NULL);
		if (!rc && cur && !strlist_contains(&s->current, cur))
			rc = strlist_add(&s->current, cur);
		for (size_t k = 0; k < l.len && !rc; k++) {
			rc = strlist_add(&s->history, l.items[k].digest);
			if (!rc && l.items[k].previous_digest)
				rc = strlist_add(&s->history, l.items[k].previous_digest);
		}
		free(cur);
		ledger_records_free(&l);
	}
	return rc;
}

static const char *kind_label(enum retention_kind k)
{
	switch (k) {
	case RETENTION_IMAGE: return "image";
	case RETENTION_PLATFORM: return "platform";
	case RETENTION_REFERRER: return "referrer";
	case RETENTION_ATTACHMENT: return "attachment";
	case RETENTION_REFERRERS_INDEX: return "referrers-index";
	}
	return "?";
}

/* The tags column: the tags, else what the untagged manifest is. */
static int tags_cell(struct buf *b, const struct retention_item *it)
{
	int rc;

	buf_reset(b);
	if (!it->tags.len)
		return buf_printf(b, "(%s%s)", it->kind == RETENTION_IMAGE ? "untagged " : "",
				  kind_label(it->kind));
	rc = 0;
	for (size_t i = 0; i < it->tags.len && !rc; i++) {
		const char *t = it->tags.items[i];

		/* "sha256-<64 hex>[.sig]": shortened as digests are (the plan output has it all) */
		if (!strncmp(t, "sha256-", 7) && strlen(t) >= 7 + 64)
			rc = buf_printf(b, "%ssha256-%.12s..%s", i ? "," : "", t + 7, t + 71);
		else
			rc = buf_printf(b, "%s%s", i ? "," : "", t);
	}
	return rc;
}

static json_t *item_json(const struct retention_item *it, const char *age)
{
	json_t *tags = json_array(), *o;

	for (size_t i = 0; tags && i < it->tags.len; i++)
		if (json_array_append_new(tags, json_string(it->tags.items[i]))) {
			json_decref(tags);
			return NULL;
		}
	o = json_pack("{s:s, s:s, s:o, s:s, s:s?, s:s?, s:s, s:s}", "digest", it->digest, "kind",
		      kind_label(it->kind), "tags", tags, "age", age, "age-source", it->time_src,
		      "subject", it->subject, "verdict", it->keep ? "keep" : "delete", "reason",
		      it->reason ? it->reason : "");
	return o;
}

/* The plan: a table on stdout (text), the summary table, the plan output. */
static int report_plan(struct prune *pr, size_t *ndel, size_t *nkeep)
{
	struct buf tags = BUF_INIT, age = BUF_INIT;
	json_t *arr = json_array();
	char *js = NULL;
	int rc = arr ? 0 : err_set(E_NOMEM, "out of memory");

	*ndel = *nkeep = 0;
	for (size_t i = 0; i < pr->set.len; i++)
		if (!pr->set.items[i].absent)
			(*(pr->set.items[i].keep ? nkeep : ndel))++;
	if (!rc && pr->rt->format == RT_TEXT)
		fprintf(pr->rt->out, "%-19s  %-40s  %-5s  %s\n", "DIGEST", "TAGS", "AGE", "VERDICT");
	if (!rc)
		rc = summary_add(pr->rt, "### Prune of %s%s\n\n%zu to delete, %zu kept (keep %zu "
					 "per stage, older than ",
				 pr->repository, pr->dry_run ? " (dry run)" : "", *ndel, *nkeep,
				 pr->o.keep);
	if (!rc && !(rc = retention_age_str(&age, pr->o.older_than_ms)))
		rc = summary_add(pr->rt, "%s)\n\n| Digest | Tags | Age | Verdict |\n"
					 "| --- | --- | --- | --- |\n", buf_cstr(&age));
	for (size_t i = 0; i < pr->set.len && !rc; i++) {
		const struct retention_item *it = &pr->set.items[i];
		json_t *o;

		if (it->absent)
			continue;
		buf_reset(&age);
		if ((rc = tags_cell(&tags, it)) ||
		    (rc = retention_age_str(&age, it->time_ms < 0 ? -1
								   : pr->o.now_ms - it->time_ms)))
			break;
		if (pr->rt->format == RT_TEXT)
			fprintf(pr->rt->out, "%.19s  %-40s  %-5s  %s: %s\n", it->digest,
				buf_cstr(&tags), buf_cstr(&age), it->keep ? "keep" : "delete",
				it->reason);
		if (!(o = item_json(it, buf_cstr(&age))) || json_array_append_new(arr, o)) {
			rc = err_set(E_NOMEM, "out of memory");
			break;
		}
		if (!(rc = summary_add(pr->rt, "| `%.19s` | ", it->digest)) &&
		    !(rc = summary_add_cell(pr->rt, buf_cstr(&tags))) &&
		    !(rc = summary_add(pr->rt, " | %s | %s: ", buf_cstr(&age),
				       it->keep ? "keep" : "**delete**")) &&
		    !(rc = summary_add_cell(pr->rt, it->reason)))
			rc = summary_add(pr->rt, " |\n");
	}
	if (!rc && !(js = json_dumps(arr, JSON_COMPACT)))
		rc = err_set(E_NOMEM, "out of memory");
	if (!rc)
		rc = out_set_json(pr->rt, "plan", js, js);
	free(js);
	json_decref(arr);
	buf_free(&tags);
	buf_free(&age);
	return rc;
}

/*
 * The stages' tags read again just before the first deletion: a promotion since the scan may
 * have moved one onto a digest the plan deletes (deleting it would take the tag along).
 * Narrows that race to the deletions themselves; the distribution API has no lock to close it.
 */
static int recheck_stage_tags(struct prune *pr)
{
	int rc = 0;

	for (size_t i = 0; i < pr->nst && !rc; i++)
		for (size_t t = 0; t < pr->st[i].templates.len && !rc; t++) {
			const char *tag = pr->st[i].templates.items[t];
			const struct retention_item *it;
			char *now = NULL;

			if (strstr(tag, "{{"))
				continue;
			rc = registry_manifest_head(pr->reg, pr->path, tag, &now, NULL);
			if (rc == E_NOTFOUND) {
				err_clear();
				rc = 0;
				continue;
			}
			if (!rc && (it = retention_find(&pr->set, now)) && !it->keep)
				rc = err_set(E_CONFLICT, "%s:%s moved to %s since the plan was made, "
							 "which the plan deletes: nothing deleted; run "
							 "prune again", pr->repository, tag, now);
			free(now);
		}
	return rc;
}

/* Deletes what the plan says, in dependency order; *deleted counts the manifests removed. */
static int delete_planned(struct prune *pr, size_t *deleted)
{
	static const enum retention_kind order[] = {
		RETENTION_IMAGE, RETENTION_PLATFORM, RETENTION_REFERRER, RETENTION_ATTACHMENT,
		RETENTION_REFERRERS_INDEX,
	};
	int rc;

	*deleted = 0;
	/* Before anything goes: a registry that refuses deletion refuses it here. */
	if ((rc = registry_delete_probe(pr->reg, pr->path)) || (rc = recheck_stage_tags(pr)))
		return rc;
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (size_t i = 0; i < pr->set.len; i++) {
			const struct retention_item *it = &pr->set.items[i];

			if (it->keep || it->absent || it->kind != order[o])
				continue;
			rc = registry_manifest_delete(pr->reg, pr->path, it->digest);
			if (rc == E_NOTFOUND) { /* gone meanwhile (or never stored) */
				err_clear();
				continue;
			}
			if (rc)
				return err_wrap(rc, "deleted %zu manifest%s before this failure; "
						    "running prune again goes on",
						*deleted, *deleted == 1 ? "" : "s");
			rt_info(pr->rt, "deleted %s (%s)", it->digest, kind_label(it->kind));
			(*deleted)++;
		}
	return 0;
}

static int open_repository(struct prune *pr)
{
	struct registry_ref ref;
	int rc = registry_ref_parse_repo(&ref, pr->repository);

	if (!rc && !(rc = registry_sessions_get(pr->rs, registry_ref_api_host(&ref), &pr->reg))) {
		pr->path = ref.path;
		ref.path = NULL;
	}
	registry_ref_free(&ref);
	return rc;
}

static void prune_free(struct prune *pr)
{
	for (size_t i = 0; i < pr->npatterns; i++)
		meta_regex_free(pr->patterns[i]);
	free(pr->patterns);
	for (size_t i = 0; pr->st && i < pr->nst; i++) {
		strlist_clear(&pr->st[i].current);
		strlist_clear(&pr->st[i].history);
		strlist_clear(&pr->st[i].templates);
	}
	free(pr->st);
	retention_set_free(&pr->set);
	free(pr->path);
	registry_sessions_free(pr->rs);
	pipeline_free(&pr->p);
}

int cmd_prune(struct rt *rt, int argc, char **argv)
{
	struct prune pr = { 0 };
	struct inputs in;
	size_t ndel = 0, nkeep = 0, deleted = 0;
	struct buf num = BUF_INIT;
	int rc = inputs_parse(rt, cmd_prune_inputs, argc, argv, &in);

	pr.rt = rt;
	if (rc || (rc = parse_inputs(&pr, &in)) ||
	    (rc = promote_cli_setup(rt, &in, &pr.p, &pr.rs)) || (rc = find_stages(&pr)) ||
	    (rc = open_repository(&pr)))
		goto out;
	if ((rc = retention_scan(pr.reg, pr.path, &pr.set)) || (rc = read_stages(&pr)) ||
	    (rc = retention_plan(&pr.set, pr.st, pr.nst, &pr.o)) ||
	    (rc = report_plan(&pr, &ndel, &nkeep)))
		goto out;
	if (pr.dry_run)
		rt_info(rt, "dry run: %zu manifest%s would be deleted, %zu kept; --dry-run=false "
			    "(dry-run: false) deletes them", ndel, ndel == 1 ? "" : "s", nkeep);
	else if (ndel && (rc = delete_planned(&pr, &deleted))) {
		/* What went before the failure, for an `if: failure()` step. */
		if (!buf_printf(&num, "%zu", deleted) && !out_set(rt, "deleted", buf_cstr(&num)))
			out_keep_on_failure(rt, "deleted");
		goto out;
	} else
		rt_info(rt, "deleted %zu manifest%s, kept %zu; the registry frees their blobs at "
			    "its next garbage collection", deleted, deleted == 1 ? "" : "s", nkeep);
	if (!(rc = buf_printf(&num, "%zu", deleted)) &&
	    !(rc = out_set(rt, "deleted", buf_cstr(&num)))) {
		buf_reset(&num);
		if (!(rc = buf_printf(&num, "%zu", nkeep)))
			rc = out_set(rt, "kept", buf_cstr(&num));
	}
out:
	promote_cli_stats(rt, pr.rs);
	buf_free(&num);
	prune_free(&pr);
	inputs_free(&in);
	return rc;
}
