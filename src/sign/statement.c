/* sign/statement: in-toto statements. See statement.h. */
#include "sign/statement.h"

#include <stdlib.h>
#include <string.h>

#include "sign/payload.h"
#include "util/err.h"

int intoto_statement_build(struct buf *out, const char *name, const char *digest,
			   const char *predicate_type, json_t *predicate)
{
	json_t *j;
	char *s;
	int rc;

	buf_reset(out);
	if (!sign_digest_valid(digest)) {
		json_decref(predicate);
		return err_set(E_USAGE, "'%s' is not a sha256 digest", digest);
	}
	j = json_pack("{s:s, s:[{s:s, s:{s:s}}], s:s, s:o}", "_type", INTOTO_STATEMENT_V1,
		      "subject", "name", name, "digest", "sha256", digest + 7, "predicateType",
		      predicate_type, "predicate", predicate);
	if (!j || !(s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS))) {
		json_decref(j);
		return err_set(E_NOMEM, "out of memory");
	}
	json_decref(j);
	rc = buf_puts(out, s);
	free(s);
	return rc;
}

int intoto_statement_parse(const char *data, size_t len, char **digest, char **predicate_type,
			   json_t **predicate)
{
	json_t *j, *subj, *pred;
	const char *type, *ptype, *hex;
	int rc = 0;

	*digest = *predicate_type = NULL;
	*predicate = NULL;
	if (!(j = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL)))
		return err_set(E_USAGE, "statement is not JSON");
	type = json_string_value(json_object_get(j, "_type"));
	subj = json_object_get(j, "subject");
	ptype = json_string_value(json_object_get(j, "predicateType"));
	pred = json_object_get(j, "predicate");
	hex = json_string_value(json_object_get(json_object_get(json_array_get(subj, 0), "digest"),
						"sha256"));
	if (!type || strcmp(type, INTOTO_STATEMENT_V1))
		rc = err_set(E_USAGE, "statement _type is not " INTOTO_STATEMENT_V1);
	else if (json_array_size(subj) != 1 || !hex || strlen(hex) != 64 ||
		 strspn(hex, "0123456789abcdef") != 64)
		rc = err_set(E_USAGE, "statement must have exactly one subject with a sha256 digest");
	else if (!ptype || !json_is_object(pred))
		rc = err_set(E_USAGE, "statement has no predicateType or predicate");
	else if (!(*digest = malloc(72)) || !(*predicate_type = strdup(ptype)))
		rc = err_set(E_NOMEM, "out of memory");
	if (!rc) {
		memcpy(*digest, "sha256:", 7);
		memcpy(*digest + 7, hex, 65);
		*predicate = json_incref(pred);
	} else {
		free(*digest);
		free(*predicate_type);
		*digest = *predicate_type = NULL;
	}
	json_decref(j);
	return rc;
}
