/*
 * plan: understanding `terraform plan` / `tofu plan` output and rendering it as a pull-request
 * comment. Pure functions: text in, struct and markdown out, no I/O.
 *
 * The parser reads the human-readable plan (Terraform 0.11 to 1.x, OpenTofu, with or without
 * ANSI colours), drops the noise (state lock, refresh, read progress), and extracts the "Plan:"
 * counts, "No changes.", output-only changes, warnings, `Error:` blocks (plain or box-drawn
 * `│ Error:`), and one entry per resource header (`# aws_x.y will be created`, ...). The JSON of
 * `terraform show -json`, when given, replaces the counts and the resource list with exact ones.
 *
 * Counts are Terraform's own: `add`, `change`, `destroy` equal its "Plan: X to add, Y to change,
 * Z to destroy." line, where a replacement counts as one add and one destroy (as dflook's
 * actions count it too); `replace` is also counted on its own, because it is what reviewers
 * fear, and so are import, move and forget.
 */
#ifndef CONVOY_PLAN_PLAN_H
#define CONVOY_PLAN_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/strlist.h"

/* In the order the comment's table lists them: the scariest first. */
enum plan_action {
	PLAN_REPLACE,
	PLAN_DESTROY,
	PLAN_CREATE,
	PLAN_UPDATE,
	PLAN_IMPORT,
	PLAN_MOVE,
	PLAN_FORGET,
	PLAN_READ,
	PLAN_NACTIONS
};

struct plan_resource {
	char *address;
	enum plan_action action;
	int moved;     /* has moved to / (moved from ...) */
	int imported;  /* will be imported / (imported from ...) */
};

struct plan {
	int has_plan_line;   /* a "Plan: ..." line was found */
	int no_changes;      /* "No changes." */
	int outputs_changed; /* "Changes to Outputs:" */
	int failed;          /* an Error: block */
	int from_json;       /* counts come from `terraform show -json` */
	/* Terraform's counts: a replacement is in add and destroy, and in replace as well. */
	long add, change, destroy, replace, import, move, forget, read;
	struct strlist errors;   /* each Error: block, box drawing removed */
	struct strlist warnings; /* each Warning: title line */
	struct plan_resource *res;
	size_t nres, capres;
	struct buf text;         /* the plan without ANSI codes and noise lines */
};

void plan_init(struct plan *p);
void plan_free(struct plan *p);

/* Parses plan text (any bytes; NUL-free not required). */
int plan_parse(struct plan *p, const char *text, size_t len);
/* Overrides counts and resources with those of `terraform show -json` output. */
int plan_apply_json(struct plan *p, const char *json, size_t len);

/* Whether applying would change anything (resources, moves, imports, forgets or outputs). */
int plan_has_changes(const struct plan *p);
const char *plan_action_name(enum plan_action a);

/* Removes ANSI escape sequences (CSI, OSC, two-byte ESC) and carriage returns. */
int plan_strip_ansi(struct buf *out, const char *text, size_t len);

/* "3 to add, 1 to change, **2 to destroy** (**1 to replace**, counted in add and destroy)",
 * "No changes", "Plan failed: ..." */
int plan_render_result(const struct plan *p, struct buf *out);

/* GitHub's limit on an issue comment body, in characters. */
#define PLAN_COMMENT_MAX 65536

struct plan_render_opts {
	const char *name;     /* stack name (required) */
	const char *sha;      /* commit, or NULL */
	const char *run_url;  /* link to the run's log, or NULL */
	size_t max_len;       /* 0: a margin under PLAN_COMMENT_MAX */
	uint64_t hash;        /* embedded in a hidden marker (plan_hash) */
};

/* The hidden marker that identifies the comment of a stack: "<!-- convoy:plan:<name> -->". */
int plan_marker(struct buf *out, const char *name);
/* A stable hash of the plan as rendered (name + cleaned text), for --skip-unchanged. */
uint64_t plan_hash(const struct plan *p, const char *name);
/* The hash embedded in a comment body by plan_render_markdown, or 0 when absent. */
uint64_t plan_hash_in_body(const char *body);

/*
 * Renders the comment: marker, title, result line, resources table, the plan in a <details>
 * `diff` fence, commit and run link. Stays under max_len by shortening the plan body only; then
 * says so, with a link to the full log. *truncated (may be NULL) tells whether it did.
 */
int plan_render_markdown(const struct plan *p, const struct plan_render_opts *o, struct buf *out,
			 int *truncated);

#endif
