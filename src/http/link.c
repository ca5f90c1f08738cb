/* link: the Link header (RFC 8288), for pagination. See http.h. */
#include "http/http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Whether the space-separated relation types in v[0..n) include rel. */
static int has_rel(const char *v, size_t n, const char *rel)
{
	size_t rl = strlen(rel);

	for (size_t i = 0; i < n;) {
		size_t w = i;

		while (i < n && v[i] != ' ')
			i++;
		if (i - w == rl && !strncasecmp(v + w, rel, rl))
			return 1;
		while (i < n && v[i] == ' ')
			i++;
	}
	return 0;
}

/*
 * link = "<" URI ">" *( ";" name [ "=" ( token / quoted-string ) ] ), links separated by ",".
 * Only parameter names count as names: a quoted value may hold ";", "," or "rel=".
 */
char *http_link_find_dup(const char *link, const char *rel)
{
	const char *p = link;

	if (!link || !rel)
		return NULL;
	for (;;) {
		const char *lt, *gt;
		int match = 0;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p != '<' || !(gt = strchr(p, '>')))
			return NULL;
		lt = p;
		p = gt + 1;
		for (;;) {
			const char *name, *val;
			size_t nl, vl;

			while (*p == ' ')
				p++;
			if (*p != ';')
				break;
			p++;
			while (*p == ' ')
				p++;
			name = p;
			while (*p && *p != '=' && *p != ';' && *p != ',' && *p != ' ')
				p++;
			nl = (size_t)(p - name);
			while (*p == ' ')
				p++;
			if (*p != '=')
				continue;
			p++;
			while (*p == ' ')
				p++;
			if (*p == '"') {
				val = ++p;
				while (*p && *p != '"')
					p += (*p == '\\' && p[1]) ? 2 : 1;
				vl = (size_t)(p - val);
				if (*p)
					p++;
			} else {
				val = p;
				while (*p && *p != ';' && *p != ',' && *p != ' ')
					p++;
				vl = (size_t)(p - val);
			}
			if (nl == 3 && !strncasecmp(name, "rel", 3) && has_rel(val, vl, rel))
				match = 1;
		}
		if (match)
			return strndup(lt + 1, (size_t)(gt - lt - 1));
		while (*p && *p != ',') /* garbage up to the next link */
			p++;
		if (!*p)
			return NULL;
	}
}
