/* sign/dsse: DSSE envelopes. See dsse.h. */
#include "sign/dsse.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/base64.h"
#include "util/err.h"

int dsse_pae(struct buf *out, const char *type, const void *payload, size_t len)
{
	int rc;

	buf_reset(out);
	if ((rc = buf_printf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, len)))
		return rc;
	return buf_add(out, payload, len);
}

int dsse_envelope_sign(struct buf *out, const char *type, const void *payload, size_t len,
		       const struct sign_key *key)
{
	struct buf pae = BUF_INIT, sig = BUF_INIT, b64p = BUF_INIT, b64s = BUF_INIT;
	json_t *j = NULL;
	char *s = NULL;
	int rc;

	buf_reset(out);
	if ((rc = dsse_pae(&pae, type, payload, len)) ||
	    (rc = sign_key_sign(key, pae.data, pae.len, &sig)) ||
	    (rc = base64_encode(&b64p, payload, len)) ||
	    (rc = base64_encode(&b64s, sig.data, sig.len)))
		goto out;
	j = json_pack("{s:s, s:s, s:[{s:s, s:s}]}", "payloadType", type, "payload",
		      buf_cstr(&b64p), "signatures", "keyid", sign_key_id(key), "sig",
		      buf_cstr(&b64s));
	if (!j || !(s = json_dumps(j, JSON_COMPACT))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	rc = buf_puts(out, s);
out:
	free(s);
	json_decref(j);
	buf_free(&pae);
	buf_free(&sig);
	buf_free(&b64p);
	buf_free(&b64s);
	return rc;
}

void dsse_envelope_free(struct dsse_envelope *env)
{
	if (!env)
		return;
	free(env->payload_type);
	buf_free(&env->payload);
	for (size_t i = 0; i < env->nsigs; i++)
		buf_free(&env->sigs[i]);
	memset(env, 0, sizeof(*env));
}

int dsse_envelope_parse(struct dsse_envelope *env, const char *data, size_t len)
{
	const char *type, *payload;
	json_t *j, *sigs, *s;
	size_t i;
	int rc = 0;

	memset(env, 0, sizeof(*env));
	if (len > DSSE_MAX)
		return err_set(E_LIMIT, "DSSE envelope over %d bytes", DSSE_MAX);
	if (!(j = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL)))
		return err_set(E_USAGE, "DSSE envelope is not JSON");
	type = json_string_value(json_object_get(j, "payloadType"));
	payload = json_string_value(json_object_get(j, "payload"));
	sigs = json_object_get(j, "signatures");
	if (!type || !payload || !json_is_array(sigs) || !json_array_size(sigs)) {
		rc = err_set(E_USAGE, "DSSE envelope lacks payloadType, payload or signatures");
		goto out;
	}
	if (json_array_size(sigs) > DSSE_MAX_SIGNATURES) {
		rc = err_set(E_LIMIT, "DSSE envelope has over %d signatures", DSSE_MAX_SIGNATURES);
		goto out;
	}
	if (!(env->payload_type = strdup(type))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = base64_decode(&env->payload, payload, strlen(payload)))) {
		rc = err_wrap(rc, "DSSE payload");
		goto out;
	}
	json_array_foreach(sigs, i, s)
	{
		const char *v = json_string_value(json_object_get(s, "sig"));

		if (!v) {
			rc = err_set(E_USAGE, "DSSE signature %zu has no 'sig'", i + 1);
			goto out;
		}
		if ((rc = base64_decode(&env->sigs[env->nsigs], v, strlen(v)))) {
			rc = err_wrap(rc, "DSSE signature %zu", i + 1);
			goto out;
		}
		env->nsigs++;
	}
out:
	json_decref(j);
	if (rc)
		dsse_envelope_free(env);
	return rc;
}

int dsse_envelope_verify(const struct dsse_envelope *env, struct sign_key *const *keys,
			 size_t nkeys, size_t *which)
{
	struct buf pae = BUF_INIT;
	int rc;

	if ((rc = dsse_pae(&pae, env->payload_type, env->payload.data ? env->payload.data : "",
			   env->payload.len)))
		return rc;
	rc = E_INTEGRITY;
	for (size_t k = 0; k < nkeys && rc; k++)
		for (size_t i = 0; i < env->nsigs && rc; i++)
			if (!sign_key_verify(keys[k], pae.data, pae.len, env->sigs[i].data,
					     env->sigs[i].len)) {
				rc = 0;
				if (which)
					*which = k;
			}
	buf_free(&pae);
	if (rc)
		return err_set(E_INTEGRITY, "no signature of the envelope is by a listed key");
	err_clear();
	return 0;
}
