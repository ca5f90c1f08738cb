/*
 * render: the pull-request comment. The summary (title, result line, table) is never shortened;
 * when the whole would exceed GitHub's comment limit, the plan text in the <details> block is
 * cut at a line boundary and a note links to the full log.
 */
#include "plan/plan.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

#define TABLE_MAX_ROWS 250
#define ERROR_MAX_BYTES 2000
#define ERRORS_SHOWN 3
/* Bytes are at least as many as characters: staying under this many bytes is always safe. */
#define DEFAULT_MAX (PLAN_COMMENT_MAX - 512)

/* A name safe inside an HTML comment and a code span. */
static int put_name(struct buf *b, const char *name)
{
	for (const char *s = name; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '.' || c == '_' || c == '/' || c == '@' || c == '+' || c >= 0x80 ||
			 (c == '-' && s[1] != '-' && s[1] != '>');
		if (buf_putc(b, ok ? (char)c : '_'))
			return err_code();
	}
	return 0;
}

int plan_marker(struct buf *out, const char *name)
{
	if (buf_puts(out, "<!-- convoy:plan:") || put_name(out, name) || buf_puts(out, " -->"))
		return err_code();
	return 0;
}

uint64_t plan_hash(const struct plan *p, const char *name)
{
	uint64_t h = 14695981039346656037ull; /* FNV-1a: change detection, not security */
	const char *parts[2] = { name, buf_cstr(&p->text) };

	for (int k = 0; k < 2; k++) {
		for (const unsigned char *s = (const unsigned char *)parts[k]; *s; s++) {
			h ^= *s;
			h *= 1099511628211ull;
		}
		h ^= 0xff;
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

#define HASH_TAG "<!-- convoy:plan-hash:"

uint64_t plan_hash_in_body(const char *body)
{
	const char *m = body ? strstr(body, HASH_TAG) : NULL;
	unsigned long long v = 0;

	if (!m || sscanf(m + strlen(HASH_TAG), "%16llx", &v) != 1)
		return 0;
	return (uint64_t)v;
}

static int first_error_line(const struct plan *p, struct buf *out)
{
	const char *e = p->errors.len ? p->errors.items[0] : "Error: (no message)";
	size_t n = strcspn(e, "\n");

	if (!strncmp(e, "Error: ", 7)) {
		e += 7;
		n -= 7;
	}
	if (n > 300)
		n = 300;
	return buf_add(out, e, n);
}

int plan_render_result(const struct plan *p, struct buf *out)
{
	int rc = 0, any = 0;

	if (p->failed) {
		if ((rc = buf_puts(out, ":x: **Plan failed**: ")))
			return rc;
		return first_error_line(p, out);
	}
	if (!plan_has_changes(p)) {
		if (p->no_changes || p->has_plan_line || p->from_json)
			return buf_puts(out, "No changes");
		return buf_puts(out, "No changes found (the plan output was not recognised)");
	}
	if (!p->add && !p->change && !p->destroy && !p->replace && !p->import && !p->move &&
	    !p->forget)
		return buf_puts(out, "Only outputs change");
#define PART(cond, fmt, v)                                                        \
	do {                                                                      \
		if ((cond) && !rc) {                                              \
			rc = buf_printf(out, "%s" fmt, any ? ", " : "", v);      \
			any = 1;                                                  \
		}                                                                 \
	} while (0)
	/* Terraform's own line first, so the numbers match what the log says. */
	PART(1, "%ld to add", p->add);
	PART(1, "%ld to change", p->change);
	if (p->destroy)
		PART(1, "**%ld to destroy**", p->destroy);
	else
		PART(1, "%ld to destroy", p->destroy);
	if (p->replace && !rc)
		rc = buf_printf(out, " (**%ld to replace**, counted in add and destroy)",
				p->replace);
	PART(p->import, "%ld to import", p->import);
	PART(p->move, "%ld moved", p->move);
	PART(p->forget, "%ld to forget", p->forget);
	PART(p->outputs_changed, "%s", "outputs change");
#undef PART
	return rc;
}

/* An address inside a table cell: no backticks (code span), pipes escaped. */
static int put_cell_code(struct buf *b, const char *s)
{
	if (buf_putc(b, '`'))
		return err_code();
	for (; *s; s++) {
		int rc = *s == '|' ? buf_puts(b, "\\|") : buf_putc(b, *s == '`' ? '\'' : *s);

		if (rc)
			return rc;
	}
	return buf_putc(b, '`');
}

static int render_table(const struct plan *p, struct buf *b)
{
	size_t rows = 0;
	int rc;

	if (!p->nres)
		return 0;
	if ((rc = buf_puts(b, "| Action | Resource |\n| --- | --- |\n")))
		return rc;
	for (int a = 0; a < PLAN_NACTIONS; a++) {
		for (size_t i = 0; i < p->nres; i++) {
			const struct plan_resource *r = &p->res[i];
			int scary = a == PLAN_REPLACE || a == PLAN_DESTROY;

			if ((int)r->action != a)
				continue;
			if (++rows > TABLE_MAX_ROWS)
				continue;
			if ((rc = buf_printf(b, scary ? "| **%s** | " : "| %s | ",
					     plan_action_name(r->action))) ||
			    (rc = put_cell_code(b, r->address)) ||
			    (r->moved && r->action != PLAN_MOVE && (rc = buf_puts(b, " (moved)"))) ||
			    (r->imported && r->action != PLAN_IMPORT &&
			     (rc = buf_puts(b, " (imported)"))) ||
			    (rc = buf_puts(b, " |\n")))
				return rc;
		}
	}
	if (rows > TABLE_MAX_ROWS &&
	    (rc = buf_printf(b, "| | ... and %zu more |\n", rows - TABLE_MAX_ROWS)))
		return rc;
	return buf_putc(b, '\n');
}

/* The longest run of backticks at a line start, so the fence can be longer than any. */
static size_t fence_len(const char *s)
{
	size_t best = 3;

	for (const char *l = s; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		size_t n = 0;

		while (l[n] == ' ')
			n++;
		{
			size_t k = 0;

			while (l[n + k] == '`')
				k++;
			if (k >= best)
				best = k + 1;
		}
	}
	return best;
}

static int put_fence(struct buf *b, size_t n, const char *info)
{
	for (size_t i = 0; i < n; i++)
		if (buf_putc(b, '`'))
			return err_code();
	return buf_printf(b, "%s\n", info);
}

/*
 * One plan line for a `diff` fence: GitHub colours a line by its first character, while
 * Terraform indents its markers, so the marker moves to column 0 and the indent follows it
 * (same width: the alignment of attributes is kept).
 */
static int put_diff_line(struct buf *b, const char *l, size_t n)
{
	size_t ind = 0, mk = 0;

	while (ind < n && l[ind] == ' ')
		ind++;
	if (ind + 3 < n && (!strncmp(l + ind, "-/+ ", 4) || !strncmp(l + ind, "+/- ", 4)))
		mk = 3;
	else if (ind + 2 < n && !strncmp(l + ind, "<= ", 3))
		mk = 2;
	else if (ind + 1 < n && (l[ind] == '+' || l[ind] == '-' || l[ind] == '~') &&
		 l[ind + 1] == ' ')
		mk = 1;
	if (mk && ind) {
		if (buf_add(b, l + ind, mk))
			return err_code();
		for (size_t i = 0; i < ind; i++)
			if (buf_putc(b, ' '))
				return err_code();
		if (buf_add(b, l + ind + mk, n - ind - mk))
			return err_code();
	} else if (buf_add(b, l, n)) {
		return err_code();
	}
	return buf_putc(b, '\n');
}

static int render_body(const char *text, size_t limit, struct buf *b, size_t *shown,
		       size_t *total)
{
	const char *l = text;
	size_t start = b->len;
	int rc, full = 0;

	*shown = *total = 0;
	while (*l) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) : strlen(l);
		size_t before = b->len;

		(*total)++;
		if (!full) {
			if ((rc = put_diff_line(b, l, n)))
				return rc;
			if (limit != (size_t)-1 && b->len - start > limit) {
				buf_truncate(b, before); /* the head of the plan, whole lines only */
				full = 1;
			} else {
				(*shown)++;
			}
		}
		l += n + (nl ? 1 : 0);
	}
	return 0;
}

static int render_head(const struct plan *p, const struct plan_render_opts *o, struct buf *b)
{
	int rc;

	if ((rc = plan_marker(b, o->name)) ||
	    (rc = buf_printf(b, "\n" HASH_TAG "%016" PRIx64 " -->\n", o->hash)) ||
	    (rc = buf_puts(b, "### Terraform plan: `")) || (rc = put_name(b, o->name)) ||
	    (rc = buf_puts(b, "`\n\n")) || (rc = plan_render_result(p, b)) ||
	    (rc = buf_puts(b, "\n\n")))
		return rc;
	for (size_t i = 0; i < p->errors.len && i < ERRORS_SHOWN; i++) {
		const char *e = p->errors.items[i];
		size_t n = strlen(e) > ERROR_MAX_BYTES ? ERROR_MAX_BYTES : strlen(e);
		size_t f = fence_len(e);

		while (n && (((unsigned char)e[n] & 0xc0) == 0x80))
			n--; /* never cut inside a UTF-8 sequence */
		if ((rc = put_fence(b, f, "text")) || (rc = buf_add(b, e, n)) ||
		    (rc = buf_putc(b, '\n')) || (rc = put_fence(b, f, "")) ||
		    (rc = buf_putc(b, '\n')))
			return rc;
	}
	if (p->errors.len > ERRORS_SHOWN &&
	    (rc = buf_printf(b, "and %zu more errors in the log.\n\n",
			     p->errors.len - ERRORS_SHOWN)))
		return rc;
	if (p->warnings.len) {
		if ((rc = buf_printf(b, ":warning: %zu warning%s:", p->warnings.len,
				     p->warnings.len == 1 ? "" : "s")))
			return rc;
		for (size_t i = 0; i < p->warnings.len && i < 10; i++) {
			const char *w = p->warnings.items[i] + 9; /* after "Warning: " */

			if ((rc = buf_printf(b, "%s %.200s", i ? ";" : "", w)))
				return rc;
		}
		if ((rc = buf_puts(b, "\n\n")))
			return rc;
	}
	return render_table(p, b);
}

static int render_foot(const struct plan_render_opts *o, int truncated, size_t shown,
		       size_t total, struct buf *b)
{
	int rc = 0;

	if (truncated) {
		rc = buf_printf(b, "> [!NOTE]\n> The plan was shortened to fit GitHub's comment "
				   "limit: %zu of %zu lines shown.%s%s%s\n\n",
				shown, total, o->run_url ? " [Full plan in the run log](" : "",
				o->run_url ? o->run_url : "", o->run_url ? ")." : "");
		if (rc)
			return rc;
	}
	if (o->sha && *o->sha && (rc = buf_printf(b, "Commit `%.40s`", o->sha)))
		return rc;
	if (o->run_url && *o->run_url &&
	    (rc = buf_printf(b, "%s[workflow run](%s)", o->sha && *o->sha ? " · " : "",
			     o->run_url)))
		return rc;
	if ((o->sha && *o->sha) || (o->run_url && *o->run_url))
		rc = buf_putc(b, '\n');
	return rc;
}

int plan_render_markdown(const struct plan *p, const struct plan_render_opts *o, struct buf *out,
			 int *truncated)
{
	struct buf head = BUF_INIT, body = BUF_INIT, foot = BUF_INIT;
	size_t max = o->max_len ? o->max_len : DEFAULT_MAX, shown, total, fence;
	const char *text = buf_cstr(&p->text);
	int rc, cut = 0;

	if (truncated)
		*truncated = 0;
	fence = fence_len(text);
	if ((rc = render_head(p, o, &head)))
		goto out;
	if (*text) {
		if ((rc = render_body(text, (size_t)-1, &body, &shown, &total)) ||
		    (rc = render_foot(o, 0, 0, 0, &foot)))
			goto out;
		/* details + summary + fences + blank lines */
		if (head.len + body.len + foot.len + 2 * fence + 64 > max) {
			size_t room;

			cut = 1;
			buf_reset(&foot);
			if ((rc = render_foot(o, 1, 99999999, 99999999, &foot)))
				goto out;
			room = max > head.len + foot.len + 2 * fence + 64
				       ? max - head.len - foot.len - 2 * fence - 64
				       : 0;
			buf_reset(&body);
			if ((rc = render_body(text, room, &body, &shown, &total)))
				goto out;
			buf_reset(&foot);
			if ((rc = render_foot(o, 1, shown, total, &foot)))
				goto out;
		}
	} else if ((rc = render_foot(o, 0, 0, 0, &foot))) {
		goto out;
	}
	if ((rc = buf_add(out, head.data ? head.data : "", head.len)))
		goto out;
	if (*text) {
		if ((rc = buf_puts(out, "<details><summary>Show plan</summary>\n\n")) ||
		    (rc = put_fence(out, fence, "diff")) ||
		    (rc = buf_add(out, body.data ? body.data : "", body.len)) ||
		    (rc = put_fence(out, fence, "")) || (rc = buf_puts(out, "\n</details>\n\n")))
			goto out;
	}
	rc = buf_add(out, foot.data ? foot.data : "", foot.len);
	if (!rc && truncated)
		*truncated = cut;
out:
	buf_free(&head);
	buf_free(&body);
	buf_free(&foot);
	return rc;
}
