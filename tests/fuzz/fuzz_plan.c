/* Fuzz target: terraform/OpenTofu plan text (and show -json) through parse and render. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan p;
	struct buf out = BUF_INIT;
	struct plan_render_opts o = { "fuzz", "0123456", "https://example.com/run", 4096, 1 };
	int trunc = 0;

	plan_init(&p);
	if (!plan_parse(&p, (const char *)data, size)) {
		(void)plan_apply_json(&p, (const char *)data, size);
		(void)plan_render_markdown(&p, &o, &out, &trunc);
	}
	plan_free(&p);
	buf_free(&out);
	return 0;
}
