/* sign/verify: cosign signature checks. See verify.h. */
#include "sign/verify.h"

#include <stdlib.h>
#include <string.h>

#include "sign/payload.h"
#include "util/err.h"

void sign_verdict_free(struct sign_verdict *v)
{
	if (!v)
		return;
	free(v->valid_key);
	free(v->valid_identity);
	strlist_clear(&v->problems);
	memset(v, 0, sizeof(*v));
}

int sign_verify_one(const struct sign_found *f, const char *digest, struct sign_key *const *keys,
		    size_t nkeys, const struct strlist *identities, size_t *key_index,
		    char **identity)
{
	struct sign_payload p = { 0 };
	int rc;

	*identity = NULL;
	if (f->problem)
		return err_set(E_INTEGRITY, "%s", f->problem);
	if ((rc = sign_payload_parse(&p, f->payload.data ? f->payload.data : "", f->payload.len)))
		return err_wrap(E_INTEGRITY, "%s", f->where);
	rc = E_INTEGRITY;
	for (size_t k = 0; k < nkeys && rc; k++)
		if (!sign_key_verify(keys[k], f->payload.data, f->payload.len, f->sig.data,
				     f->sig.len)) {
			rc = 0;
			*key_index = k;
		}
	if (rc)
		rc = err_set(E_INTEGRITY, "%s: not signed by a listed key (signature does not "
					  "verify over the payload)", f->where);
	else if (strcmp(p.digest, digest))
		rc = err_set(E_INTEGRITY, "%s: signs another digest (%s)", f->where, p.digest);
	else if (identities && identities->len && !strlist_contains(identities, p.reference))
		rc = err_set(E_INTEGRITY, "%s: signed for another image (identity %s)", f->where,
			     p.reference);
	if (!rc) {
		err_clear();
		*identity = p.reference;
		p.reference = NULL;
	}
	sign_payload_free(&p);
	return rc;
}

int sign_verify_image(struct registry *reg, const char *repo, const char *digest,
		      struct sign_key *const *keys, size_t nkeys, const struct strlist *identities,
		      struct sign_verdict *v)
{
	struct sign_found_list l = { 0 };
	int rc;

	memset(v, 0, sizeof(*v));
	if ((rc = sign_store_find(reg, repo, digest, &l)))
		return rc;
	v->found = l.len;
	for (size_t i = 0; i < l.len && !rc; i++) {
		size_t k = 0;
		char *id = NULL;

		if (sign_verify_one(&l.items[i], digest, keys, nkeys, identities, &k, &id)) {
			rc = strlist_add(&v->problems, err_msg());
			err_clear();
			continue;
		}
		if (!v->valid++ && (!(v->valid_key = strdup(sign_key_id(keys[k]))) ||
				    !(v->valid_identity = strdup(id))))
			rc = err_set(E_NOMEM, "out of memory");
		free(id);
	}
	sign_found_list_free(&l);
	return rc;
}

int sign_verdict_describe(const struct sign_verdict *v, struct buf *out)
{
	int rc;

	buf_reset(out);
	if (!v->found)
		return buf_puts(out, "no signature found (no sha256-<hex>.sig tag and no cosign "
				     "signature referrer)");
	rc = buf_printf(out, "%zu signature%s found, none valid", v->found,
			v->found > 1 ? "s" : "");
	for (size_t i = 0; i < v->problems.len && !rc; i++)
		rc = buf_printf(out, "%s%s", i ? "; " : ": ", v->problems.items[i]);
	return rc;
}
