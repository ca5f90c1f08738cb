/*
 * Fuzz target: what sign/ parses from registries: cosign simple-signing payloads, DSSE
 * envelopes and the in-toto statements inside them, base64 values, and PEM key text.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "sign/dsse.h"
#include "sign/key.h"
#include "sign/payload.h"
#include "sign/statement.h"
#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct sign_payload p;
	struct dsse_envelope env;
	struct sign_key *k = NULL;
	struct buf b = BUF_INIT, z = BUF_INIT;
	char *dig = NULL, *pt = NULL;
	json_t *pred = NULL;

	if (!sign_payload_parse(&p, s, size))
		sign_payload_free(&p);
	if (!dsse_envelope_parse(&env, s, size)) {
		if (!intoto_statement_parse(env.payload.data ? env.payload.data : "",
					    env.payload.len, &dig, &pt, &pred)) {
			free(dig);
			free(pt);
			json_decref(pred);
		}
		dsse_envelope_free(&env);
	}
	if (!intoto_statement_parse(s, size, &dig, &pt, &pred)) {
		free(dig);
		free(pt);
		json_decref(pred);
	}
	(void)base64_decode(&b, s, size);
	/* PEM parsing wants text: a NUL-terminated copy. */
	if (!buf_add(&z, data, size) && !sign_key_from_pem(&k, z.data ? z.data : "", z.len, 0,
							   "fuzz"))
		sign_key_free(k);
	buf_free(&b);
	buf_free(&z);
	return 0;
}
