/*
 * json: exact counts from `terraform show -json <planfile>` (format_version 0.x/1.x):
 * resource_changes[].change.actions is one of ["no-op"], ["create"], ["read"], ["update"],
 * ["delete"], ["delete","create"] / ["create","delete"] (replace) or ["forget"];
 * change.importing marks an import and previous_address a move.
 */
#include "plan/plan.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static int has_action(json_t *actions, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(actions, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), name))
			return 1;
	return 0;
}

static int push_resource(struct plan *p, const char *addr, enum plan_action a, int moved,
			 int imported)
{
	struct plan_resource *r;

	if (p->nres == p->capres) {
		size_t cap = p->capres ? p->capres * 2 : 16;
		void *np = realloc(p->res, cap * sizeof(*p->res));

		if (!np)
			return err_set(E_NOMEM, "out of memory");
		p->res = np;
		p->capres = cap;
	}
	r = &p->res[p->nres];
	r->address = strdup(addr);
	if (!r->address)
		return err_set(E_NOMEM, "out of memory");
	r->action = a;
	r->moved = moved;
	r->imported = imported;
	p->nres++;
	return 0;
}

int plan_apply_json(struct plan *p, const char *text, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr), *changes, *outputs, *rc_item;
	long n[PLAN_NACTIONS] = { 0 };
	long moved = 0, imported = 0;
	const char *key;
	size_t i;
	int rc = 0;

	if (!root || !json_is_object(root)) {
		rc = err_set(E_USAGE, "input 'plan-json': not the JSON of `terraform show -json` "
				      "(line %d: %s)", jerr.line, root ? "not an object" : jerr.text);
		goto out;
	}
	changes = json_object_get(root, "resource_changes");
	if (!json_object_get(root, "format_version") ||
	    (changes && !json_is_array(changes))) {
		rc = err_set(E_USAGE, "input 'plan-json': no format_version or resource_changes: "
				      "expected the output of `terraform show -json <planfile>`");
		goto out;
	}
	for (size_t k = 0; k < p->nres; k++)
		free(p->res[k].address);
	p->nres = 0;
	json_array_foreach(changes, i, rc_item) {
		json_t *change = json_object_get(rc_item, "change");
		json_t *actions = json_object_get(change, "actions");
		const char *addr = json_string_value(json_object_get(rc_item, "address"));
		const char *prev = json_string_value(json_object_get(rc_item, "previous_address"));
		int is_import = json_object_get(change, "importing") != NULL &&
				!json_is_null(json_object_get(change, "importing"));
		int is_move = prev && addr && strcmp(prev, addr);
		enum plan_action a;

		if (!addr || !json_is_array(actions))
			continue;
		if (has_action(actions, "delete") && has_action(actions, "create"))
			a = PLAN_REPLACE;
		else if (has_action(actions, "create"))
			a = PLAN_CREATE;
		else if (has_action(actions, "delete"))
			a = PLAN_DESTROY;
		else if (has_action(actions, "update"))
			a = PLAN_UPDATE;
		else if (has_action(actions, "read"))
			a = PLAN_READ;
		else if (has_action(actions, "forget"))
			a = PLAN_FORGET;
		else if (is_import)
			a = PLAN_IMPORT;
		else if (is_move)
			a = PLAN_MOVE;
		else
			continue; /* no-op */
		n[a]++;
		moved += is_move;
		imported += is_import;
		if ((rc = push_resource(p, addr, a, is_move, is_import)))
			goto out;
	}
	/* As Terraform's "Plan:" line: a replacement is one add and one destroy. */
	p->add = n[PLAN_CREATE] + n[PLAN_REPLACE];
	p->change = n[PLAN_UPDATE];
	p->destroy = n[PLAN_DESTROY] + n[PLAN_REPLACE];
	p->replace = n[PLAN_REPLACE];
	p->read = n[PLAN_READ];
	p->forget = n[PLAN_FORGET];
	p->import = imported;
	p->move = moved;
	p->outputs_changed = 0;
	outputs = json_object_get(root, "output_changes");
	json_object_foreach(outputs, key, rc_item) {
		json_t *actions = json_object_get(json_object_get(rc_item, "change"), "actions");

		if (json_is_array(actions) && !has_action(actions, "no-op"))
			p->outputs_changed = 1;
	}
	if (json_is_true(json_object_get(root, "errored")))
		p->failed = 1;
	p->no_changes = !plan_has_changes(p) && !p->failed;
	p->from_json = 1;
out:
	json_decref(root);
	return rc;
}
