/* regex: a small backtracking matcher for JavaScript-style patterns. See regex.h. */
#include "meta/regex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

#define STEP_BUDGET 2000000L
#define MAX_DEPTH 64

enum rnode_type { R_CHAR, R_ANY, R_SET, R_BOL, R_EOL, R_WORDB, R_NWORDB, R_GROUP };

struct rseq;

struct rnode {
	enum rnode_type type;
	unsigned char c;
	unsigned char set[32];
	int neg;
	long min, max; /* max < 0: unbounded */
	int greedy;
	int group; /* capture index, -1 for (?:...) */
	struct rseq *alts;
	size_t nalts;
};

struct rseq {
	struct rnode *items;
	size_t n, cap;
};

struct meta_regex {
	struct rseq *alts;
	size_t nalts;
	size_t ngroups;
	int icase, multiline, dotall;
};

struct parser {
	const char *p;
	struct meta_regex *re;
	int depth;
};

static void seq_free(struct rseq *s);

static void alts_free(struct rseq *alts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		seq_free(&alts[i]);
	free(alts);
}

static void seq_free(struct rseq *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->items[i].type == R_GROUP)
			alts_free(s->items[i].alts, s->items[i].nalts);
	free(s->items);
	s->items = NULL;
	s->n = s->cap = 0;
}

void meta_regex_free(struct meta_regex *re)
{
	if (!re)
		return;
	alts_free(re->alts, re->nalts);
	free(re);
}

size_t meta_regex_groups(const struct meta_regex *re)
{
	return re->ngroups;
}

static void set_add(unsigned char *set, unsigned c)
{
	set[(c & 0xff) >> 3] |= (unsigned char)(1u << (c & 7));
}

static int set_has(const unsigned char *set, unsigned c)
{
	return (set[(c & 0xff) >> 3] >> (c & 7)) & 1;
}

static void set_class(unsigned char *set, char cls)
{
	for (unsigned c = 0; c < 256; c++) {
		int in;

		switch (tolower((unsigned char)cls)) {
		case 'd': in = c >= '0' && c <= '9'; break;
		case 'w': in = (c < 128 && isalnum((int)c)) || c == '_'; break;
		default: in = c == ' ' || (c >= '\t' && c <= '\r'); break;
		}
		if (isupper((unsigned char)cls))
			in = !in;
		if (in)
			set_add(set, c);
	}
}

static int seq_push(struct rseq *s, struct rnode *n)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct rnode *items = realloc(s->items, cap * sizeof(*items));

		if (!items)
			return err_set(E_NOMEM, "out of memory");
		s->items = items;
		s->cap = cap;
	}
	s->items[s->n++] = *n;
	return 0;
}

static int escape_char(char e, unsigned char *out)
{
	switch (e) {
	case 'n': *out = '\n'; return 1;
	case 't': *out = '\t'; return 1;
	case 'r': *out = '\r'; return 1;
	case 'f': *out = '\f'; return 1;
	case 'v': *out = '\v'; return 1;
	case '0': *out = '\0'; return 1;
	default:
		if (isalnum((unsigned char)e))
			return 0;
		*out = (unsigned char)e;
		return 1;
	}
}

static int parse_set(struct parser *ps, struct rnode *n)
{
	int first = 1;

	n->type = R_SET;
	if (*ps->p == '^') {
		n->neg = 1;
		ps->p++;
	}
	while (*ps->p && (*ps->p != ']' || 0)) {
		unsigned char lo, hi;

		(void)first;
		if (*ps->p == '\\') {
			char e = ps->p[1];

			if (!e)
				return err_set(E_USAGE, "regular expression: trailing backslash");
			ps->p += 2;
			if (strchr("dDwWsS", e)) {
				set_class(n->set, e);
				continue;
			}
			if (e == 'b')
				lo = '\b';
			else if (!escape_char(e, &lo))
				return err_set(E_USAGE, "regular expression: unsupported escape \\%c", e);
		} else {
			lo = (unsigned char)*ps->p++;
		}
		hi = lo;
		if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
			ps->p++;
			if (*ps->p == '\\') {
				if (!ps->p[1] || !escape_char(ps->p[1], &hi))
					return err_set(E_USAGE, "regular expression: bad range in [...]");
				ps->p += 2;
			} else {
				hi = (unsigned char)*ps->p++;
			}
			if (hi < lo)
				return err_set(E_USAGE, "regular expression: range out of order in [...]");
		}
		for (unsigned c = lo; c <= hi; c++)
			set_add(n->set, c);
		first = 0;
	}
	if (*ps->p != ']')
		return err_set(E_USAGE, "regular expression: missing ]");
	ps->p++;
	return 0;
}

static int parse_alts(struct parser *ps, struct rseq **alts, size_t *nalts);

static int parse_quant(struct parser *ps, struct rnode *n)
{
	const char *p = ps->p;

	n->min = n->max = 1;
	n->greedy = 1;
	if (*p == '*') {
		n->min = 0, n->max = -1, p++;
	} else if (*p == '+') {
		n->min = 1, n->max = -1, p++;
	} else if (*p == '?') {
		n->min = 0, n->max = 1, p++;
	} else if (*p == '{' && isdigit((unsigned char)p[1])) {
		char *end;
		long lo = strtol(p + 1, &end, 10), hi = lo;

		if (*end == ',') {
			if (end[1] == '}') {
				hi = -1;
				end++;
			} else if (isdigit((unsigned char)end[1])) {
				hi = strtol(end + 1, &end, 10);
			} else {
				return 0; /* not a quantifier: literal '{' */
			}
		}
		if (*end != '}')
			return 0;
		if (hi >= 0 && hi < lo)
			return err_set(E_USAGE, "regular expression: numbers out of order in {}");
		n->min = lo, n->max = hi;
		p = end + 1;
	} else {
		return 0;
	}
	if (*p == '?') {
		n->greedy = 0;
		p++;
	}
	if (n->type == R_BOL || n->type == R_EOL || n->type == R_WORDB || n->type == R_NWORDB)
		return err_set(E_USAGE, "regular expression: nothing to repeat");
	ps->p = p;
	return 0;
}

static int parse_seq(struct parser *ps, struct rseq *s)
{
	int rc;

	while (*ps->p && *ps->p != '|' && *ps->p != ')') {
		struct rnode n;
		char c = *ps->p++;

		memset(&n, 0, sizeof(n));
		n.group = -1;
		switch (c) {
		case '^': n.type = R_BOL; break;
		case '$': n.type = R_EOL; break;
		case '.': n.type = R_ANY; break;
		case '[':
			if ((rc = parse_set(ps, &n)))
				return rc;
			break;
		case '(':
			n.type = R_GROUP;
			if (ps->p[0] == '?') {
				if (ps->p[1] == ':') {
					ps->p += 2;
				} else if (ps->p[1] == '<' && ps->p[2] != '=' && ps->p[2] != '!') {
					const char *e = strchr(ps->p, '>');

					if (!e)
						return err_set(E_USAGE, "regular expression: bad group name");
					ps->p = e + 1;
					n.group = (int)++ps->re->ngroups;
				} else {
					return err_set(E_USAGE,
						       "regular expression: lookaround (?%c is not supported",
						       ps->p[1]);
				}
			} else {
				n.group = (int)++ps->re->ngroups;
			}
			if (n.group >= META_REGEX_MAX_GROUPS)
				return err_set(E_USAGE, "regular expression: too many groups");
			if (++ps->depth > MAX_DEPTH)
				return err_set(E_USAGE, "regular expression: nested too deeply");
			if ((rc = parse_alts(ps, &n.alts, &n.nalts)))
				return rc;
			ps->depth--;
			if (*ps->p != ')') {
				alts_free(n.alts, n.nalts);
				return err_set(E_USAGE, "regular expression: missing )");
			}
			ps->p++;
			break;
		case '\\': {
			char e = *ps->p++;

			if (!e)
				return err_set(E_USAGE, "regular expression: trailing backslash");
			if (strchr("dDwWsS", e)) {
				n.type = R_SET;
				set_class(n.set, e);
			} else if (e == 'b') {
				n.type = R_WORDB;
			} else if (e == 'B') {
				n.type = R_NWORDB;
			} else {
				n.type = R_CHAR;
				if (!escape_char(e, &n.c))
					return err_set(E_USAGE,
						       "regular expression: unsupported escape \\%c", e);
			}
			break;
		}
		case '*': case '+': case '?':
			return err_set(E_USAGE, "regular expression: nothing to repeat");
		default:
			n.type = R_CHAR;
			n.c = (unsigned char)c;
			break;
		}
		if ((rc = parse_quant(ps, &n)) || (rc = seq_push(s, &n))) {
			if (n.type == R_GROUP)
				alts_free(n.alts, n.nalts);
			return rc;
		}
	}
	return 0;
}

static int parse_alts(struct parser *ps, struct rseq **alts, size_t *nalts)
{
	size_t n = 0, cap = 0;
	struct rseq *a = NULL;
	int rc;

	for (;;) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 2;
			struct rseq *na = realloc(a, ncap * sizeof(*na));

			if (!na) {
				alts_free(a, n);
				return err_set(E_NOMEM, "out of memory");
			}
			a = na;
			cap = ncap;
		}
		memset(&a[n], 0, sizeof(a[n]));
		n++;
		if ((rc = parse_seq(ps, &a[n - 1]))) {
			alts_free(a, n);
			return rc;
		}
		if (*ps->p != '|')
			break;
		ps->p++;
	}
	*alts = a;
	*nalts = n;
	return 0;
}

int meta_regex_compile(struct meta_regex **out, const char *pattern, const char *flags)
{
	struct meta_regex *re = calloc(1, sizeof(*re));
	struct parser ps;
	int rc;

	*out = NULL;
	if (!re)
		return err_set(E_NOMEM, "out of memory");
	for (const char *f = flags ? flags : ""; *f; f++) {
		switch (*f) {
		case 'i': re->icase = 1; break;
		case 'm': re->multiline = 1; break;
		case 's': re->dotall = 1; break;
		case 'g': case 'u': case 'y': case 'd': break;
		default:
			meta_regex_free(re);
			return err_set(E_USAGE, "regular expression: invalid flag '%c'", *f);
		}
	}
	ps.p = pattern;
	ps.re = re;
	ps.depth = 0;
	if ((rc = parse_alts(&ps, &re->alts, &re->nalts))) {
		meta_regex_free(re);
		return rc;
	}
	if (*ps.p) {
		meta_regex_free(re);
		return err_set(E_USAGE, "regular expression: unmatched )");
	}
	*out = re;
	return 0;
}

/* Matching: continuation-passing backtracking; each continuation lives on the C stack. */

enum kkind { K_DONE, K_SEQ, K_REP, K_CLOSE };

struct kont {
	enum kkind kind;
	const struct rseq *seq;
	size_t idx;
	long count;
	size_t start;
	int group;
	const struct kont *next;
};

struct mstate {
	const struct meta_regex *re;
	const unsigned char *s;
	size_t len;
	long caps[2 * META_REGEX_MAX_GROUPS];
	long steps;
	int overflow;
};

static int m_seq(struct mstate *m, const struct rseq *seq, size_t idx, size_t pos,
		 const struct kont *k);
static int m_rep(struct mstate *m, const struct rseq *seq, size_t idx, long count, size_t pos,
		 const struct kont *k);

static int is_word(const struct mstate *m, size_t pos)
{
	unsigned c;

	if (pos >= m->len)
		return 0;
	c = m->s[pos];
	return (c < 128 && isalnum((int)c)) || c == '_';
}

static int m_cont(struct mstate *m, const struct kont *k, size_t pos)
{
	switch (k->kind) {
	case K_DONE:
		m->caps[1] = (long)pos;
		return 1;
	case K_SEQ:
		return m_seq(m, k->seq, k->idx, pos, k->next);
	case K_REP:
		/* an iteration that consumed nothing must not loop: move on */
		if (pos == k->start && k->count > k->seq->items[k->idx].min)
			return m_seq(m, k->seq, k->idx + 1, pos, k->next);
		return m_rep(m, k->seq, k->idx, k->count, pos, k->next);
	case K_CLOSE: {
		long os = m->caps[2 * k->group], oe = m->caps[2 * k->group + 1];

		m->caps[2 * k->group] = (long)k->start;
		m->caps[2 * k->group + 1] = (long)pos;
		if (m_cont(m, k->next, pos))
			return 1;
		m->caps[2 * k->group] = os;
		m->caps[2 * k->group + 1] = oe;
		return 0;
	}
	}
	return 0;
}

static int atom_ok(const struct mstate *m, const struct rnode *n, unsigned c)
{
	switch (n->type) {
	case R_CHAR:
		if (m->re->icase)
			return tolower((int)c) == tolower((int)n->c);
		return c == n->c;
	case R_ANY:
		return m->re->dotall || (c != '\n' && c != '\r');
	case R_SET: {
		int in = set_has(n->set, c);

		if (!in && m->re->icase)
			in = set_has(n->set, (unsigned)tolower((int)c)) ||
			     set_has(n->set, (unsigned)toupper((int)c));
		return n->neg ? !in : in;
	}
	default:
		return 0;
	}
}

static int assert_ok(const struct mstate *m, const struct rnode *n, size_t pos)
{
	switch (n->type) {
	case R_BOL:
		return pos == 0 || (m->re->multiline && m->s[pos - 1] == '\n');
	case R_EOL:
		return pos == m->len || (m->re->multiline && m->s[pos] == '\n');
	case R_WORDB:
		return is_word(m, pos) != (pos > 0 && is_word(m, pos - 1));
	default:
		return is_word(m, pos) == (pos > 0 && is_word(m, pos - 1));
	}
}

/* One more iteration of node idx starting at pos, then continue the repetition. */
static int m_one(struct mstate *m, const struct rseq *seq, size_t idx, long count, size_t pos,
		 const struct kont *k)
{
	const struct rnode *n = &seq->items[idx];
	struct kont r = { K_REP, seq, idx, count + 1, pos, -1, k };

	switch (n->type) {
	case R_BOL: case R_EOL: case R_WORDB: case R_NWORDB:
		return assert_ok(m, n, pos) && m_seq(m, seq, idx + 1, pos, k);
	case R_GROUP:
		for (size_t i = 0; i < n->nalts; i++) {
			struct kont c = { K_CLOSE, NULL, 0, 0, pos, n->group, &r };

			if (m_seq(m, &n->alts[i], 0, pos, n->group >= 0 ? &c : &r))
				return 1;
			if (m->overflow)
				return 0;
		}
		return 0;
	default:
		if (pos < m->len && atom_ok(m, n, m->s[pos]))
			return m_cont(m, &r, pos + 1);
		return 0;
	}
}

static int m_rep(struct mstate *m, const struct rseq *seq, size_t idx, long count, size_t pos,
		 const struct kont *k)
{
	const struct rnode *n = &seq->items[idx];
	int more = n->max < 0 || count < n->max;

	if (++m->steps > STEP_BUDGET) {
		m->overflow = 1;
		return 0;
	}
	if (n->greedy) {
		if (more && m_one(m, seq, idx, count, pos, k))
			return 1;
		if (m->overflow)
			return 0;
		return count >= n->min && m_seq(m, seq, idx + 1, pos, k);
	}
	if (count >= n->min && m_seq(m, seq, idx + 1, pos, k))
		return 1;
	if (m->overflow)
		return 0;
	return more && m_one(m, seq, idx, count, pos, k);
}

static int m_seq(struct mstate *m, const struct rseq *seq, size_t idx, size_t pos,
		 const struct kont *k)
{
	if (idx == seq->n)
		return m_cont(m, k, pos);
	if (seq->items[idx].type >= R_BOL && seq->items[idx].type <= R_NWORDB)
		return m_one(m, seq, idx, 0, pos, k);
	return m_rep(m, seq, idx, 0, pos, k);
}

int meta_regex_exec(const struct meta_regex *re, const char *s, long caps[2 * META_REGEX_MAX_GROUPS])
{
	struct mstate m;
	struct kont done = { K_DONE, NULL, 0, 0, 0, -1, NULL };
	size_t len = strlen(s);

	memset(&m, 0, sizeof(m));
	m.re = re;
	m.s = (const unsigned char *)s;
	m.len = len;
	for (size_t start = 0; start <= len; start++) {
		for (size_t i = 0; i < 2 * META_REGEX_MAX_GROUPS; i++)
			m.caps[i] = -1;
		m.caps[0] = (long)start;
		for (size_t a = 0; a < re->nalts; a++) {
			if (m_seq(&m, &re->alts[a], 0, start, &done)) {
				memcpy(caps, m.caps, sizeof(m.caps));
				return 1;
			}
			if (m.overflow)
				return err_set(E_LIMIT, "regular expression: too much backtracking");
		}
	}
	return 0;
}
