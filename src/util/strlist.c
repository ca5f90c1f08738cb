/* strlist: growable array of owned strings. */
#include "util/strlist.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

int strlist_take(struct strlist *l, char *s)
{
	if (!s)
		return err_set(E_NOMEM, "out of memory");
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **p = realloc(l->items, cap * sizeof(*p));

		if (!p) {
			free(s);
			return err_set(E_NOMEM, "out of memory");
		}
		l->items = p;
		l->cap = cap;
	}
	l->items[l->len++] = s;
	return 0;
}

int strlist_addn(struct strlist *l, const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return strlist_take(l, d);
}

int strlist_add(struct strlist *l, const char *s)
{
	return strlist_addn(l, s, strlen(s));
}

int strlist_contains(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->len; i++)
		if (!strcmp(l->items[i], s))
			return 1;
	return 0;
}

char *strlist_join_dup(const struct strlist *l, const char *sep)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < l->len; i++) {
		if ((i && buf_puts(&b, sep)) || buf_puts(&b, l->items[i])) {
			buf_free(&b);
			return NULL;
		}
	}
	return buf_detach(&b);
}

void strlist_clear(struct strlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->len = l->cap = 0;
}
