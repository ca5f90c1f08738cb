/*
 * parse: the human-readable plan. Works line by line on the ANSI-stripped text; the wording it
 * matches is that of hashicorp/terraform internal/command/jsonformat (1.x), the 0.12-0.15
 * format/diff.go, 0.11's flat "  + address" lines and OpenTofu's fork of the same code.
 */
#include "plan/plan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define PLAN_ERROR_LINES 15

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->text, 0);
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nres; i++)
		free(p->res[i].address);
	free(p->res);
	strlist_clear(&p->errors);
	strlist_clear(&p->warnings);
	buf_free(&p->text);
	memset(p, 0, sizeof(*p));
}

const char *plan_action_name(enum plan_action a)
{
	static const char *const names[PLAN_NACTIONS] = {
		"replace", "destroy", "create", "update", "import", "move", "forget", "read",
	};
	return (unsigned)a < PLAN_NACTIONS ? names[a] : "?";
}

int plan_has_changes(const struct plan *p)
{
	return p->add || p->change || p->destroy || p->replace || p->import || p->move ||
	       p->forget || p->outputs_changed;
}

int plan_strip_ansi(struct buf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i;

		while (i < len && s[i] != '\033' && s[i] != '\r')
			i++;
		if (i > start && buf_add(out, s + start, i - start))
			return err_code();
		if (i >= len)
			break;
		if (s[i] == '\r') {
			i++;
			continue;
		}
		i++; /* ESC */
		if (i >= len)
			break;
		if (s[i] == '[') { /* CSI: parameters and intermediates, then a final byte */
			i++;
			while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x40)
				i++;
			if (i < len)
				i++;
		} else if (s[i] == ']') { /* OSC: up to BEL or ESC \ */
			i++;
			while (i < len && s[i] != '\a' && !(s[i] == '\033' && i + 1 < len &&
							      s[i + 1] == '\\'))
				i++;
			i += i < len && s[i] == '\a' ? 1 : 2;
		} else {
			/* nF escapes (ESC ( B: charset) have intermediates before the final byte */
			while (i < len && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x30)
				i++;
			if (i < len)
				i++;
		}
	}
	if (buf_add(out, "", 0))
		return err_code();
	return 0;
}

/* The state lock, refresh and read progress lines that say nothing about the plan. */
static int is_noise(const char *l)
{
	static const char *const prefixes[] = {
		"Acquiring state lock.",
		"Releasing state lock.",
		"Refreshing Terraform state in-memory prior to plan...",
		"The refreshed state will be used to calculate this plan, but will not be",
		"persisted to local or remote state storage.",
	};
	static const char *const infixes[] = {
		": Refreshing state...", ": Reading...", ": Read complete after",
		": Preparing import...", ": Still reading...",
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (!strncmp(l, prefixes[i], strlen(prefixes[i])))
			return 1;
	if (l[0] == ' ' || l[0] == '#')
		return 0;
	for (size_t i = 0; i < sizeof(infixes) / sizeof(*infixes); i++)
		if (strstr(l, infixes[i]))
			return 1;
	return 0;
}

/* Box-drawn diagnostics (TF >= 0.15): "╷", "│ text", "╵". */
#define BOX_TOP "\xe2\x95\xb7"
#define BOX_BAR "\xe2\x94\x82"
#define BOX_END "\xe2\x95\xb5"

static const char *unbox(const char *l, int *boxed)
{
	*boxed = 0;
	if (!strncmp(l, BOX_BAR, 3)) {
		*boxed = 1;
		l += 3;
		if (*l == ' ')
			l++;
	}
	return l;
}

static int add_resource(struct plan *p, const char *addr, size_t n, enum plan_action a)
{
	struct plan_resource *r;

	while (n && addr[n - 1] == ' ')
		n--;
	if (!n)
		return 0;
	if (p->nres == p->capres) {
		size_t cap = p->capres ? p->capres * 2 : 16;
		void *np = realloc(p->res, cap * sizeof(*p->res));

		if (!np)
			return err_set(E_NOMEM, "out of memory");
		p->res = np;
		p->capres = cap;
	}
	r = &p->res[p->nres];
	memset(r, 0, sizeof(*r));
	r->address = strndup(addr, n);
	if (!r->address)
		return err_set(E_NOMEM, "out of memory");
	r->action = a;
	r->moved = a == PLAN_MOVE;
	r->imported = a == PLAN_IMPORT;
	p->nres++;
	return 0;
}

/* "# <address> <verb phrase>" (0.12+). Returns 1 when the line was a resource header. */
static int parse_header(struct plan *p, const char *l, int *rc)
{
	static const struct {
		const char *phrase;
		enum plan_action action;
	} verbs[] = {
		{ " will be created", PLAN_CREATE },
		{ " will be updated in-place", PLAN_UPDATE },
		{ " will be destroyed", PLAN_DESTROY },
		{ " must be replaced", PLAN_REPLACE },
		{ " is tainted, so must be replaced", PLAN_REPLACE },
		{ " will be replaced", PLAN_REPLACE }, /* due to changes in replace_triggered_by,
							  as requested */
		{ " has moved to ", PLAN_MOVE },
		{ " will be read during apply", PLAN_READ },
		{ " will be imported", PLAN_IMPORT },
		{ " will no longer be managed by ", PLAN_FORGET },
	};
	const char *s = l;

	while (*s == ' ')
		s++;
	if (s[0] != '#' || s[1] != ' ')
		return 0;
	s += 2;
	if (!strncmp(s, "(moved from ", 12) || !strncmp(s, "(imported from ", 15)) {
		if (p->nres) {
			if (s[1] == 'm')
				p->res[p->nres - 1].moved = 1;
			else
				p->res[p->nres - 1].imported = 1;
		}
		return 1;
	}
	if (*s == '(')
		return 0;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++) {
		const char *m = strstr(s, verbs[i].phrase);

		if (m) {
			/* "has moved to X": the resource is now known as X. */
			if (verbs[i].action == PLAN_MOVE) {
				const char *to = m + strlen(verbs[i].phrase);

				*rc = add_resource(p, to, strlen(to), PLAN_MOVE);
			} else {
				*rc = add_resource(p, s, (size_t)(m - s), verbs[i].action);
			}
			return 1;
		}
	}
	return 0;
}

/* 0.11: "  + aws_x.y", "  ~ aws_x.y", "  - aws_x.y", "-/+ aws_x.y (new resource required)",
 * " <= data.x.y" inside the actions section. */
static int parse_flat(struct plan *p, const char *l, int *rc)
{
	static const struct {
		const char *marker;
		enum plan_action action;
	} markers[] = {
		{ "-/+ ", PLAN_REPLACE }, { "+/- ", PLAN_REPLACE }, { "  + ", PLAN_CREATE },
		{ "  ~ ", PLAN_UPDATE },  { "  - ", PLAN_DESTROY }, { " <= ", PLAN_READ },
	};
	for (size_t i = 0; i < sizeof(markers) / sizeof(*markers); i++) {
		const char *a = l + 4, *end;

		if (strncmp(l, markers[i].marker, 4))
			continue;
		end = a + strcspn(a, " ");
		if (end == a || !memchr(a, '.', (size_t)(end - a)) || !strncmp(a, "resource", 8))
			return 0;
		if (*end && strcmp(end, " (new resource required)") && strcmp(end, " (tainted)") &&
		    strncmp(end, " (deposed", 9))
			return 0;
		*rc = add_resource(p, a, (size_t)(end - a), markers[i].action);
		return 1;
	}
	return 0;
}

/* "Plan: 1 to import, 2 to add, 2 to change, 1 to destroy[, 1 to forget]." */
static void parse_plan_line(const char *s, long *add, long *change, long *destroy,
			    long *import, long *forget)
{
	while (*s) {
		char *end;
		long n;

		while (*s && !isdigit((unsigned char)*s))
			s++;
		if (!*s)
			break;
		n = strtol(s, &end, 10);
		s = end;
		if (!strncmp(s, " to add", 7))
			*add = n;
		else if (!strncmp(s, " to change", 10))
			*change = n;
		else if (!strncmp(s, " to destroy", 11))
			*destroy = n;
		else if (!strncmp(s, " to import", 10))
			*import = n;
		else if (!strncmp(s, " to forget", 10))
			*forget = n;
	}
}

static int is_diag_start(const char *u)
{
	return !strncmp(u, "Error: ", 7) || !strncmp(u, "Warning: ", 9);
}

/* Collects one Error: block from lines[i], box drawing removed. */
static int collect_error(struct plan *p, struct strlist *lines, size_t i, size_t *next)
{
	struct buf b = BUF_INIT;
	int boxed, rc = 0;
	size_t j = i, kept = 0;

	for (; j < lines->len && kept < PLAN_ERROR_LINES; j++) {
		const char *u = unbox(lines->items[j], &boxed);

		if (j > i && (is_diag_start(u) || !strncmp(lines->items[j], BOX_END, 3) ||
			      !strncmp(lines->items[j], BOX_TOP, 3)))
			break;
		if (buf_printf(&b, "%s%s", kept ? "\n" : "", u)) {
			rc = err_code();
			goto out;
		}
		kept++;
	}
	while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
		buf_truncate(&b, b.len - 1);
	rc = strlist_add(&p->errors, buf_cstr(&b));
	*next = j;
out:
	buf_free(&b);
	return rc;
}

static int split_lines(const char *s, size_t len, struct strlist *out)
{
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (s + i)) : len - i;

		if (strlist_addn(out, s + i, n))
			return err_code();
		i += n + 1;
	}
	return 0;
}

int plan_parse(struct plan *p, const char *text, size_t len)
{
	struct buf clean = BUF_INIT;
	struct strlist lines = STRLIST_INIT;
	long add = 0, change = 0, destroy = 0, import = 0, forget = 0;
	int rc, in_actions = 0, blank = 1;

	if ((rc = plan_strip_ansi(&clean, text, len)))
		goto out;
	/* NUL bytes would cut lines short: plan text has none, so map them to spaces. */
	for (size_t i = 0; i < clean.len; i++)
		if (!clean.data[i])
			clean.data[i] = ' ';
	if ((rc = split_lines(clean.data, clean.len, &lines)))
		goto out;
	for (size_t i = 0; i < lines.len; i++) {
		char *l = lines.items[i];
		size_t n = strlen(l);

		while (n && (l[n - 1] == ' ' || l[n - 1] == '\t'))
			l[--n] = '\0';
	}
	for (size_t i = 0; i < lines.len; i++) {
		char *l = lines.items[i];
		size_t n = strlen(l);
		int boxed;
		const char *u;

		if (is_noise(l))
			continue;
		/* The kept text: noise dropped, runs of blank lines collapsed. */
		if (!n && blank)
			goto analyse;
		blank = !n;
		if ((rc = buf_puts(&p->text, l)) || (rc = buf_putc(&p->text, '\n')))
			goto out;
analyse:
		u = unbox(l, &boxed);
		if (!strncmp(u, "Error: ", 7) || !strcmp(u, "Error:")) {
			size_t next = i + 1;

			p->failed = 1;
			if ((rc = collect_error(p, &lines, i, &next)))
				goto out;
			/* Keep the rest of the block in the text too. */
			for (size_t j = i + 1; j < next; j++) {
				if ((rc = buf_puts(&p->text, lines.items[j])) ||
				    (rc = buf_putc(&p->text, '\n')))
					goto out;
			}
			blank = next > i + 1 && !*lines.items[next - 1];
			i = next - 1;
			continue;
		}
		if (!strncmp(u, "Warning: ", 9)) {
			if ((rc = strlist_add(&p->warnings, u)))
				goto out;
			continue;
		}
		if (!strncmp(l, "Plan: ", 6)) {
			p->has_plan_line = 1;
			in_actions = 0;
			parse_plan_line(l + 6, &add, &change, &destroy, &import, &forget);
			continue;
		}
		if (!strncmp(l, "No changes.", 11)) {
			p->no_changes = 1;
			continue;
		}
		if (!strncmp(l, "Changes to Outputs:", 19)) {
			p->outputs_changed = 1;
			in_actions = 0;
			continue;
		}
		if (strstr(l, "will perform the following actions:")) {
			in_actions = 1;
			continue;
		}
		if (parse_header(p, l, &rc)) {
			if (rc)
				goto out;
			continue;
		}
		if (in_actions && parse_flat(p, l, &rc) && rc)
			goto out;
	}
	while (p->text.len > 1 && p->text.data[p->text.len - 1] == '\n' &&
	       p->text.data[p->text.len - 2] == '\n')
		buf_truncate(&p->text, p->text.len - 1);
	if ((rc = buf_add(&p->text, "", 0)))
		goto out;

	{
		long n[PLAN_NACTIONS] = { 0 };
		long moved = 0;

		for (size_t i = 0; i < p->nres; i++) {
			n[p->res[i].action]++;
			moved += p->res[i].moved;
		}
		p->replace = n[PLAN_REPLACE];
		p->read = n[PLAN_READ];
		p->move = moved;
		if (p->has_plan_line) {
			/* Terraform's own numbers are the ones people compare with. */
			p->add = add;
			p->destroy = destroy;
			p->change = change;
			p->import = import;
			p->forget = forget;
		} else {
			/* Counted as Terraform counts: a replacement is one add and one destroy. */
			p->add = n[PLAN_CREATE] + n[PLAN_REPLACE];
			p->change = n[PLAN_UPDATE];
			p->destroy = n[PLAN_DESTROY] + n[PLAN_REPLACE];
			p->import = n[PLAN_IMPORT];
			p->forget = n[PLAN_FORGET];
		}
	}
out:
	strlist_clear(&lines);
	buf_free(&clean);
	return rc;
}
