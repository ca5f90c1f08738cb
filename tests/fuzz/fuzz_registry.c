/*
 * Fuzz target: what a registry or the user's machine hands us: image references,
 * WWW-Authenticate challenges, docker config.json, Link headers, URLs to redact for logs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "github/client.h"
#include "http/http.h"
#include "registry/auth.h"
#include "registry/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct registry_ref ref;
	struct registry_challenge ch;
	struct registry_creds cr;
	char *link;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&ref, 0, sizeof(ref));
	if (!registry_ref_parse(&ref, s)) {
		char *f = registry_ref_format_dup(&ref);

		free(f);
	}
	registry_ref_free(&ref);
	memset(&ch, 0, sizeof(ch));
	(void)registry_challenge_parse(&ch, s);
	registry_challenge_free(&ch);
	memset(&cr, 0, sizeof(cr));
	(void)registry_config_lookup_json(s, size, "ghcr.io", &cr);
	registry_creds_free(&cr);
	link = http_link_find_dup(s, "next");
	free(link);
	link = http_url_redact_dup(s); /* Location headers end up in traces and messages */
	free(link);
	free(s);
	return 0;
}
