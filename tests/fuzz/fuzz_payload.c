/*
 * Fuzz target: JSON from outside: the event payload (GITHUB_EVENT_PATH), a registry's error
 * body, and a ledger record read back from a registry.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/context.h"
#include "http/http.h"
#include "promote/ledger.h"
#include "registry/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct gh_context c;
	struct http_response r;
	struct ledger_record rec;
	FILE *f;

	if (!path[0]) {
		(void)snprintf(path, sizeof(path), "/tmp/convoy-fuzz-event-%d.json", (int)getpid());
		setenv("GITHUB_EVENT_PATH", path, 1);
	}
	f = fopen(path, "wb");
	if (!f)
		return 0;
	(void)fwrite(data, 1, size, f);
	(void)fclose(f);
	if (!gh_context_load(&c)) {
		(void)gh_event_str(&c, "pull_request.head.sha");
		(void)gh_event_str(&c, "repository.default_branch");
		(void)gh_event_get(&c, "inputs.to");
	}
	gh_context_free(&c);

	memset(&r, 0, sizeof(r));
	r.status = 400;
	if (!buf_add(&r.body, data, size))
		(void)registry_error_from_response(&r, "fuzz");
	http_response_free(&r);

	memset(&rec, 0, sizeof(rec));
	if (!ledger_record_from_json(&rec, (const char *)data, size))
		ledger_record_free(&rec);
	return 0;
}
