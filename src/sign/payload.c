/* sign/payload: cosign's simple-signing payload. See payload.h. */
#include "sign/payload.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/err.h"

int sign_digest_valid(const char *s)
{
	return s && strlen(s) == 71 && !strncmp(s, "sha256:", 7) &&
	       strspn(s + 7, "0123456789abcdef") == 64;
}

int sign_payload_build(struct buf *out, const char *reference, const char *digest)
{
	json_t *j;
	char *s;
	int rc;

	buf_reset(out);
	if (!sign_digest_valid(digest))
		return err_set(E_USAGE, "'%s' is not a sha256 digest", digest);
	/* Key order as cosign writes it (jansson keeps insertion order). */
	j = json_pack("{s:{s:{s:s}, s:{s:s}, s:s}, s:n}", "critical", "identity",
		      "docker-reference", reference, "image", "docker-manifest-digest", digest,
		      "type", SIGN_PAYLOAD_TYPE, "optional");
	if (!j)
		return err_set(E_NOMEM, "out of memory");
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return err_set(E_NOMEM, "out of memory");
	rc = buf_puts(out, s);
	free(s);
	return rc;
}

void sign_payload_free(struct sign_payload *p)
{
	if (!p)
		return;
	free(p->reference);
	free(p->digest);
	p->reference = p->digest = NULL;
}

int sign_payload_parse(struct sign_payload *out, const char *data, size_t len)
{
	json_t *j, *crit;
	const char *type, *ref, *dig;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (len > SIGN_PAYLOAD_MAX)
		return err_set(E_LIMIT, "payload over %d bytes", SIGN_PAYLOAD_MAX);
	if (!(j = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL)))
		return err_set(E_USAGE, "payload is not JSON");
	crit = json_object_get(j, "critical");
	type = json_string_value(json_object_get(crit, "type"));
	ref = json_string_value(json_object_get(json_object_get(crit, "identity"),
						"docker-reference"));
	dig = json_string_value(json_object_get(json_object_get(crit, "image"),
						"docker-manifest-digest"));
	if (!json_is_object(crit))
		rc = err_set(E_USAGE, "payload has no 'critical' object");
	else if (!type || strcmp(type, SIGN_PAYLOAD_TYPE))
		rc = err_set(E_USAGE, "payload type is '%s', not '" SIGN_PAYLOAD_TYPE "'",
			     type ? type : "(none)");
	else if (!sign_digest_valid(dig))
		rc = err_set(E_USAGE, "payload has no sha256 docker-manifest-digest");
	else if (!ref)
		rc = err_set(E_USAGE, "payload has no docker-reference identity");
	else if (!(out->reference = strdup(ref)) || !(out->digest = strdup(dig)))
		rc = err_set(E_NOMEM, "out of memory");
	json_decref(j);
	if (rc)
		sign_payload_free(out);
	return rc;
}
