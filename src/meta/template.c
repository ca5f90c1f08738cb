/* template: a small Handlebars subset. See template.h. */
#include "meta/template.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static int escape_html(struct buf *out, const char *s, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		switch (s[i]) {
		case '&': rc = buf_puts(out, "&amp;"); break;
		case '<': rc = buf_puts(out, "&lt;"); break;
		case '>': rc = buf_puts(out, "&gt;"); break;
		case '"': rc = buf_puts(out, "&quot;"); break;
		case '\'': rc = buf_puts(out, "&#x27;"); break;
		case '`': rc = buf_puts(out, "&#x60;"); break;
		case '=': rc = buf_puts(out, "&#x3D;"); break;
		default: rc = buf_putc(out, s[i]); break;
		}
	}
	return rc;
}

static int is_id_char(char c)
{
	return c && !isspace((unsigned char)c) && !strchr("=~}{'\"()|!#^&/", c);
}

struct stmt {
	char *text;      /* owned copy of the inside of the mustache */
	int raw;         /* {{{ }}} or {{& }} */
	int strip_left, strip_right;
	const char *end; /* after the closing braces */
};

/* Parses the mustache starting at p ("{{"). */
static int parse_stmt(const char *tpl, const char *p, struct stmt *st)
{
	const char *q = p + 2, *close;
	size_t n;

	memset(st, 0, sizeof(*st));
	if (*q == '{') {
		st->raw = 1;
		q++;
	}
	if (*q == '~') {
		st->strip_left = 1;
		q++;
	}
	if (!st->raw && *q == '&') {
		st->raw = 1;
		q++;
	}
	if (!strncmp(q, "!--", 3)) {
		close = strstr(q, "--");
		close = close ? strstr(close + 2, "}}") : NULL;
		while (close && !(close[-1] == '-' || close[-1] == '~'))
			close = strstr(close + 2, "}}");
	} else {
		close = strstr(q, st->raw && p[2] == '{' ? "}}}" : "}}");
	}
	if (!close)
		return err_set(E_USAGE, "expression '%s': unclosed '{{' at offset %zu", tpl,
			       (size_t)(p - tpl));
	n = (size_t)(close - q);
	if (n && q[n - 1] == '~') {
		st->strip_right = 1;
		n--;
	}
	st->text = strndup(q, n);
	if (!st->text)
		return err_set(E_NOMEM, "out of memory");
	st->end = close + (st->raw && p[2] == '{' ? 3 : 2);
	return 0;
}

struct call_store {
	struct meta_tpl_call call;
	char *owned[1 + 3 * META_TPL_MAX_ARGS];
	size_t nowned;
};

static void call_free(struct call_store *cs)
{
	for (size_t i = 0; i < cs->nowned; i++)
		free(cs->owned[i]);
	memset(cs, 0, sizeof(*cs));
}

static char *keep(struct call_store *cs, char *s)
{
	if (s)
		cs->owned[cs->nowned++] = s;
	return s;
}

/* One token: 'str', "str", or an identifier/number. *quoted tells which. */
static char *next_token(const char **pp, int *quoted)
{
	const char *p = *pp, *s;
	char *t;

	*quoted = 0;
	if (*p == '\'' || *p == '"') {
		char q = *p++;

		s = p;
		while (*p && *p != q)
			p++;
		if (!*p)
			return NULL;
		t = strndup(s, (size_t)(p - s));
		*pp = p + 1;
		*quoted = 1;
		return t;
	}
	s = p;
	while (is_id_char(*p))
		p++;
	if (p == s)
		return NULL;
	t = strndup(s, (size_t)(p - s));
	*pp = p;
	return t;
}

static int parse_call(const char *tpl, const char *text, meta_tpl_fn fn, void *ctx,
		      struct call_store *cs)
{
	const char *p = text;
	int quoted;

	memset(cs, 0, sizeof(*cs));
	while (isspace((unsigned char)*p))
		p++;
	cs->call.name = keep(cs, next_token(&p, &quoted));
	if (!cs->call.name || quoted)
		return err_set(E_USAGE, "expression '%s': cannot parse '{{%s}}'", tpl, text);
	for (;;) {
		const char *save;
		char *tok, *val;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		save = p;
		tok = next_token(&p, &quoted);
		if (!tok)
			return err_set(E_USAGE, "expression '%s': cannot parse '{{%s}}'", tpl, text);
		if (!quoted && *p == '=') {
			p++;
			if (cs->call.nhash == META_TPL_MAX_ARGS) {
				free(tok);
				return err_set(E_USAGE, "expression '%s': too many arguments", tpl);
			}
			cs->call.hash_keys[cs->call.nhash] = keep(cs, tok);
			val = next_token(&p, &quoted);
			if (!val)
				return err_set(E_USAGE, "expression '%s': missing value for '%s'", tpl,
					       cs->call.hash_keys[cs->call.nhash]);
			cs->call.hash_vals[cs->call.nhash++] = keep(cs, val);
			continue;
		}
		if (cs->call.nparams == META_TPL_MAX_ARGS || cs->call.nhash) {
			free(tok);
			return err_set(E_USAGE, "expression '%s': cannot parse '{{%s}}'", tpl, text);
		}
		if (!quoted && !isdigit((unsigned char)*tok) && strcmp(tok, "true") &&
		    strcmp(tok, "false")) {
			/* a path parameter is looked up, as Handlebars does */
			struct meta_tpl_call sub;
			struct buf b = BUF_INIT;
			int rc;

			memset(&sub, 0, sizeof(sub));
			sub.name = tok;
			rc = fn(ctx, &sub, &b);
			free(tok);
			if (rc < 0) {
				buf_free(&b);
				return rc;
			}
			tok = buf_detach(&b);
			if (!tok)
				return err_set(E_NOMEM, "out of memory");
		}
		(void)save;
		cs->call.params[cs->call.nparams++] = keep(cs, tok);
	}
	return 0;
}

int meta_tpl_render(const char *tpl, meta_tpl_fn fn, void *ctx, struct buf *out)
{
	const char *p = tpl;
	int rc = 0;

	if (buf_puts(out, ""))
		return err_set(E_NOMEM, "out of memory");
	while (*p) {
		const char *m = strstr(p, "{{");
		struct stmt st;
		struct call_store cs;
		struct buf val = BUF_INIT;

		memset(&cs, 0, sizeof(cs));
		if (!m)
			return buf_puts(out, p);
		if (m > p && m[-1] == '\\') {
			/* \{{x}} is literal text up to the next mustache */
			const char *next;

			if ((rc = buf_add(out, p, (size_t)(m - 1 - p))))
				return rc;
			next = strstr(m + 2, "{{");
			if (!next)
				return buf_puts(out, m);
			if ((rc = buf_add(out, m, (size_t)(next - m))))
				return rc;
			p = next;
			continue;
		}
		if ((rc = parse_stmt(tpl, m, &st)))
			return rc;
		if ((rc = buf_add(out, p, (size_t)(m - p))))
			goto next;
		if (st.strip_left)
			while (out->len && isspace((unsigned char)out->data[out->len - 1]))
				buf_truncate(out, out->len - 1);
		if (st.text[0] == '!') {
			/* comment */
		} else if (strchr("#/^>", st.text[0]) || !strcmp(st.text, "else") ||
			   !strncmp(st.text, "else ", 5)) {
			rc = err_set(E_USAGE, "expression '%s': block helpers ('{{%s}}') are not supported",
				     tpl, st.text);
		} else if (!(rc = parse_call(tpl, st.text, fn, ctx, &cs))) {
			rc = fn(ctx, &cs.call, &val);
			if (rc == META_TPL_UNDEFINED) {
				if (cs.call.nparams || cs.call.nhash)
					rc = err_set(E_USAGE, "expression '%s': missing helper: \"%s\"",
						     tpl, cs.call.name);
				else
					rc = 0;
			}
			if (!rc)
				rc = st.raw ? buf_add(out, val.data ? val.data : "", val.len)
					    : escape_html(out, val.data ? val.data : "", val.len);
		}
		call_free(&cs);
next:
		buf_free(&val);
		p = st.end;
		if (st.strip_right)
			while (isspace((unsigned char)*p))
				p++;
		free(st.text);
		if (rc)
			return rc;
	}
	return 0;
}

int meta_tpl_is_single(const char *tpl, const char *name)
{
	struct stmt st;
	const char *p = tpl, *q;
	size_t n;
	int ok;

	if (strncmp(p, "{{", 2) || parse_stmt(tpl, p, &st)) {
		err_clear();
		return 0;
	}
	ok = !*st.end;
	q = st.text;
	while (isspace((unsigned char)*q))
		q++;
	n = strlen(name);
	ok = ok && !strncmp(q, name, n);
	q += n;
	while (ok && *q) {
		if (!isspace((unsigned char)*q))
			ok = 0;
		q++;
	}
	free(st.text);
	return ok;
}
