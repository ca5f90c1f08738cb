/*
 * gate_ledger: the target stage's time and health gates (pipeline/gates.h), decided before
 * anything moves. A freeze span holds promotions to the stage (--override "reason" passes it,
 * by an allowed actor, and the record says who and why); soak counts from the ledger record
 * of the digest's promotion into the previous stage; require-healthy reads the last deploy
 * record of the digest there. A rollback is never held: it is how a bad release is undone.
 * Every verdict goes to the summary and into the promotion's record.
 */
#include "promote/run.h"

#include <stdlib.h>
#include <string.h>

#include "meta/datefmt.h"
#include "promote/store.h"
#include "util/err.h"

struct verdicts {
	struct promote_result *res;
	struct buf refusal; /* the first refusal, for the error */
};

static int verdict(struct verdicts *v, const char *gate, int passed, const char *detail)
{
	struct buf line = BUF_INIT;
	int rc = buf_printf(&line, "%s: %s: %s", gate, passed ? "passed" : "refused", detail);

	if (!rc)
		rc = strlist_add(&v->res->gate_verdicts, buf_cstr(&line));
	if (!rc && !passed && !v->refusal.len)
		rc = buf_printf(&v->refusal, "%s: %s", gate, detail);
	buf_free(&line);
	return rc;
}

static int actor_allowed(const struct pipeline_gates *g, const char *actor)
{
	if (!g->allowed_actors)
		return 1;
	for (size_t i = 0; i < g->nallowed; i++)
		if (actor && !strcmp(g->allowed_actors[i], actor))
			return 1;
	return 0;
}

static int check_freeze(struct run *r, struct verdicts *v, long long now)
{
	const struct pipeline_gates *g = &r->to->gates;
	const char *actor = r->o->actor, *why = r->o->override;
	struct buf d = BUF_INIT, until = BUF_INIT;
	int rc = 0, any = 0;

	for (size_t i = 0; i < g->nfreeze && !rc; i++) {
		const struct pipeline_freeze *f = &g->freeze[i];
		long long end;
		int active;

		if ((rc = gates_freeze_active(f, now, &active, &end)) || !active)
			continue;
		any = 1;
		buf_reset(&d);
		buf_reset(&until);
		if ((rc = gates_local_str(&until, end, f->tz)) ||
		    (rc = buf_printf(&d, "stage %s is frozen (%s%s%s%s) until %s", r->to->name,
				     f->text, f->reason ? ": " : "", f->reason ? f->reason : "", "",
				     buf_cstr(&until))))
			break;
		if (!why) {
			rc = buf_puts(&d, "; give --override \"reason\" to promote anyway");
			if (!rc && g->allowed_actors)
				rc = buf_puts(&d, " (as one of the allowed actors)");
			if (!rc)
				rc = verdict(v, "freeze", 0, buf_cstr(&d));
		} else if (!actor_allowed(g, actor)) {
			rc = buf_printf(&d, "; --override is refused: '%s' is not among the stage's "
					    "allowed-actors", actor ? actor : "(unknown actor)");
			for (size_t k = 0; !rc && k < g->nallowed; k++)
				rc = buf_printf(&d, "%s%s", k ? ", " : " (", g->allowed_actors[k]);
			if (!rc)
				rc = buf_puts(&d, ")");
			if (!rc)
				rc = verdict(v, "freeze", 0, buf_cstr(&d));
		} else {
			rc = buf_printf(&d, "; overridden by %s: %s", actor ? actor : "(unknown actor)",
					why);
			if (!rc)
				rc = verdict(v, "freeze", 1, buf_cstr(&d));
		}
	}
	if (!rc && !any && g->nfreeze)
		rc = verdict(v, "freeze", 1, "no freeze span holds now");
	if (!rc && any && why && !v->refusal.len) {
		struct buf o = BUF_INIT;

		if (!(rc = buf_printf(&o, "%s: %s", actor ? actor : "(unknown actor)", why)))
			v->res->override = buf_detach(&o);
		buf_free(&o);
	}
	buf_free(&d);
	buf_free(&until);
	return rc;
}

/* The newest deploy record of digest in stage (NULL: none). */
static const struct ledger_record *last_deploy(const struct ledger_records *l, const char *stage,
					       const char *digest)
{
	const struct ledger_record *best = NULL;

	for (size_t i = 0; i < l->len; i++) {
		const struct ledger_record *e = &l->items[i];

		if (ledger_record_is_deploy(e) && e->to && !strcmp(e->to, stage) && e->digest &&
		    !strcmp(e->digest, digest) && e->time && (!best || strcmp(e->time, best->time) > 0))
			best = e;
	}
	return best;
}

static int check_prev(struct run *r, struct verdicts *v, long long now)
{
	const struct pipeline_gates *g = &r->to->gates;
	const struct pipeline_stage *prev = &r->o->pipeline->stages[r->ti - 1];
	const char *digest = r->res->digest;
	struct ledger_records l = { 0 };
	struct registry *reg;
	struct buf d = BUF_INIT, t = BUF_INIT;
	char *path = NULL;
	int rc;

	if ((rc = promote_repo_open(r->rs, prev->repos[0].repository, &reg, &path)) ||
	    (rc = promote_ledger_read(reg, path, digest, &l)))
		goto out;
	if (g->soak_ms) {
		const struct ledger_record *e = ledger_records_latest(&l, prev->name, NULL);
		long long since;

		if (!e) {
			rc = buf_printf(&d, "no ledger record says when %s entered %s (a digest pushed "
					    "there directly has none): soak %s cannot be counted",
					digest, prev->name, g->soak_text);
		} else if ((rc = meta_date_parse_iso(e->time, &since))) {
			rc = err_wrap(rc, "the ledger record of %s in %s has a bad time", digest,
				      prev->name);
		} else if (now - since >= g->soak_ms) {
			if (!(rc = buf_printf(&d, "in %s for ", prev->name)) &&
			    !(rc = gates_duration_str(&d, now - since)))
				rc = buf_printf(&d, " since %s (needs %s)", e->time, g->soak_text);
			if (!rc)
				rc = verdict(v, "soak", 1, buf_cstr(&d));
			buf_reset(&d);
		} else {
			if (!(rc = buf_printf(&d, "in %s for ", prev->name)) &&
			    !(rc = gates_duration_str(&d, now - since)) &&
			    !(rc = buf_printf(&d, " of %s, since %s; it may enter %s at ", g->soak_text,
					      e->time, r->to->name)) &&
			    !(rc = gates_local_str(&t, since + g->soak_ms, NULL)))
				rc = buf_puts(&d, buf_cstr(&t));
		}
		if (!rc && d.len)
			rc = verdict(v, "soak", 0, buf_cstr(&d));
		buf_reset(&d);
	}
	if (!rc && g->require_healthy) {
		const struct ledger_record *e = last_deploy(&l, prev->name, digest);
		int ok = e && e->status && !strcmp(e->status, "deployed");

		if (!e)
			rc = buf_printf(&d, "no deploy of %s in %s is recorded (convoy deploy --stage "
					    "%s records one)", digest, prev->name, prev->name);
		else
			rc = buf_printf(&d, "the last deploy of %s in %s (%s, %s) is recorded as %s",
					digest, prev->name, e->time,
					e->deploy_target ? e->deploy_target : "?",
					e->status ? e->status : "(no status)");
		if (!rc)
			rc = verdict(v, "healthy", ok, buf_cstr(&d));
	}
out:
	ledger_records_free(&l);
	free(path);
	buf_free(&d);
	buf_free(&t);
	return rc;
}

int promote_gate_ledger(struct run *r)
{
	const struct pipeline_gates *g = &r->to->gates;
	struct verdicts v = { r->res, BUF_INIT };
	long long now;
	int rc;

	if (r->o->rollback || (!g->nfreeze && !g->soak_ms && !g->require_healthy)) {
		if (r->o->override && !r->o->rollback)
			return err_set(E_USAGE, "input 'override': stage '%s' has no freeze to "
						"override", r->to->name);
		return 0;
	}
	if (r->o->override && !g->nfreeze)
		return err_set(E_USAGE, "input 'override': stage '%s' has no freeze to override "
					"(soak and require-healthy cannot be overridden)",
			       r->to->name);
	if ((rc = ledger_now_ms(&now)) || (rc = check_freeze(r, &v, now)))
		goto out;
	if (r->ti > 0 && (g->soak_ms || g->require_healthy) && (rc = check_prev(r, &v, now)))
		goto out;
	if (v.refusal.len) {
		r->res->gates_refused = 1;
		rc = err_set(E_CONFLICT, "gate: %s (nothing was changed)", buf_cstr(&v.refusal));
	}
out:
	buf_free(&v.refusal);
	return rc;
}
