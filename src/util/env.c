/* env: see env.h. */
#include "util/env.h"

#include <stdlib.h>

long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, &end, 10);
	return *end || n < 0 ? def : n;
}
