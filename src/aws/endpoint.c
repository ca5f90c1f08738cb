/* aws/endpoint: service endpoints from the environment or the region; see endpoint.h. */
#include "aws/endpoint.h"

#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "util/err.h"

int aws_endpoint_url(struct buf *out, const struct aws_service *svc, const char *region)
{
	const char *v = getenv(svc->endpoint_env);

	if (!v || !*v)
		v = getenv("AWS_ENDPOINT_URL");
	if (v && *v) {
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
			return err_set(E_USAGE, "%s '%s': expected an http:// or https:// URL",
				       getenv(svc->endpoint_env) && *getenv(svc->endpoint_env)
					       ? svc->endpoint_env
					       : "AWS_ENDPOINT_URL",
				       v);
		return buf_puts(out, v);
	}
	/* China regions live under amazonaws.com.cn */
	return buf_printf(out, "https://%s.%s.amazonaws.com%s", svc->host_prefix, region,
			  !strncmp(region, "cn-", 3) ? ".cn" : "");
}

/* Splits an endpoint URL into host[:port] and path ("/" when none). */
int aws_endpoint_split(const char *url, char **host, char **path)
{
	const char *p = strstr(url, "://"), *slash;

	*host = *path = NULL;
	if (!p)
		return err_set(E_USAGE, "endpoint '%s' is not a URL", url);
	p += 3;
	slash = strchr(p, '/');
	*host = http_url_host_dup(url);
	*path = strdup(slash ? slash : "/");
	if (!*host || !*path) {
		free(*host);
		free(*path);
		*host = *path = NULL;
		return err_set(E_USAGE, "endpoint '%s' has no host", url);
	}
	{
		char *q = strchr(*path, '?');

		if (q)
			*q = '\0';
	}
	return 0;
}
