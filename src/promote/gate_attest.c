/*
 * promote/gate_attest: the attestations a stage's verify gate requires (pipeline
 * `verify: {attestations: [slsa-provenance, spdx, cyclonedx, <predicate type URI>]}`), found
 * among the referrers of the digest (and of its platform manifests) in the source repository,
 * as registry/carry finds them: OCI 1.1 referrers, the referrers tag schema, cosign's `.att`
 * and `.sbom` tags. An SBOM artifact (application/spdx+json, CycloneDX) counts as itself; an
 * in-toto attestation by its predicateType (a layer annotation, else the statement, plain or
 * in a DSSE envelope). A DSSE envelope signed by one of the stage's keys is "verified"; one
 * whose signature names a listed key but does not verify is tampered, and refused.
 */
#include <stdlib.h>
#include <string.h>

#include "promote/run.h"
#include "registry/carry.h"
#include "sign/dsse.h"
#include "util/err.h"

#define ATTEST_MAX_LAYER (1024 * 1024)
#define ATTEST_MAX_LAYERS 8

struct found {
	const char *what;      /* the required name it satisfies */
	int verified;          /* a DSSE envelope signed by a listed key */
	int tampered;          /* names a listed key, does not verify */
	char key[80];
};

static int want_matches(const char *want, const char *kind, const char *predicate)
{
	if (!strcmp(want, "slsa-provenance"))
		return predicate && !strncmp(predicate, "https://slsa.dev/provenance/", 28);
	if (!strcmp(want, "spdx"))
		return !strcmp(kind, "spdx") ||
		       (predicate && !strncmp(predicate, "https://spdx.dev/Document", 25));
	if (!strcmp(want, "cyclonedx"))
		return !strcmp(kind, "cyclonedx") ||
		       (predicate && !strncmp(predicate, "https://cyclonedx.org/bom", 25));
	if (!strcmp(want, "sbom"))
		return want_matches("spdx", kind, predicate) ||
		       want_matches("cyclonedx", kind, predicate) || !strcmp(kind, "sbom");
	return predicate && !strcmp(want, predicate);
}

static int collect_blob(const char *data, size_t n, void *ctx)
{
	struct buf *b = ctx;

	if (b->len + n > ATTEST_MAX_LAYER)
		return err_set(E_LIMIT, "an attestation layer is over %d bytes", ATTEST_MAX_LAYER);
	return buf_add(b, data, n);
}

/* The predicate type of one layer, and its DSSE verdict; *predicate malloc'd or NULL. */
static int layer_predicate(struct run *r, json_t *layer, struct sign_key **keys, size_t nkeys,
			   char **predicate, struct found *f)
{
	const char *mt = json_string_value(json_object_get(layer, "mediaType"));
	const char *digest = json_string_value(json_object_get(layer, "digest"));
	json_t *ann = json_object_get(layer, "annotations");
	const char *p = json_string_value(json_object_get(ann, "in-toto.io/predicate-type"));
	json_int_t size = json_integer_value(json_object_get(layer, "size"));
	struct dsse_envelope env = { 0 };
	struct buf body = BUF_INIT;
	json_t *st = NULL;
	int dsse = mt && !strcmp(mt, DSSE_MEDIA_TYPE), rc = 0;

	*predicate = NULL;
	if (!p)
		p = json_string_value(json_object_get(ann, "predicateType"));
	if (p && !dsse)
		return (*predicate = strdup(p)) ? 0 : err_set(E_NOMEM, "out of memory");
	if (!digest || size <= 0 || size > ATTEST_MAX_LAYER ||
	    !(dsse || (mt && strstr(mt, "in-toto"))))
		return p ? ((*predicate = strdup(p)) ? 0 : err_set(E_NOMEM, "out of memory")) : 0;
	if ((rc = registry_blob_get(r->src, r->src_path, digest, (uint64_t)size, collect_blob,
				    &body)))
		goto out;
	if (dsse) {
		size_t which;

		if (dsse_envelope_parse(&env, body.data, body.len)) {
			err_clear(); /* not an envelope: not an attestation we can read */
			goto out;
		}
		st = json_loadb(env.payload.data, env.payload.len, 0, NULL);
		if (nkeys && !dsse_envelope_verify(&env, keys, nkeys, &which)) {
			f->verified = 1;
			snprintf(f->key, sizeof(f->key), "%s", sign_key_id(keys[which]));
		} else {
			err_clear();
			/* a signature naming a listed key that does not verify: tampered */
			json_t *e = json_loadb(body.data, body.len, 0, NULL);
			json_t *sigs = json_object_get(e, "signatures");

			for (size_t i = 0; i < json_array_size(sigs); i++) {
				const char *kid = json_string_value(
					json_object_get(json_array_get(sigs, i), "keyid"));

				for (size_t k = 0; kid && *kid && k < nkeys; k++)
					if (!strcmp(kid, sign_key_id(keys[k]))) {
						f->tampered = 1;
						snprintf(f->key, sizeof(f->key), "%s", kid);
					}
			}
			json_decref(e);
		}
	} else {
		st = json_loadb(body.data, body.len, 0, NULL);
	}
	if (!p)
		p = json_string_value(json_object_get(st, "predicateType"));
	if (p && !(*predicate = strdup(p)))
		rc = err_set(E_NOMEM, "out of memory");
out:
	json_decref(st);
	dsse_envelope_free(&env);
	buf_free(&body);
	return rc;
}

/* The subjects: the digest, and the platform manifests of an index. */
static int subjects(struct run *r, struct strlist *out)
{
	json_t *m = json_loadb(r->m.body.data, r->m.body.len, 0, NULL);
	json_t *ms = json_object_get(m, "manifests");
	int rc = strlist_add(out, r->res->digest);

	for (size_t i = 0; !rc && i < json_array_size(ms) && i < 64; i++) {
		const char *d = json_string_value(json_object_get(json_array_get(ms, i), "digest"));

		if (d && !strncmp(d, "sha256:", 7))
			rc = strlist_add(out, d);
	}
	json_decref(m);
	return rc;
}

int promote_gate_attestations(struct run *r, struct sign_key **keys, size_t nkeys,
			      struct buf *ok, struct buf *problem)
{
	const struct strlist *want = &r->to->verify.attestations;
	struct registry_carry_filter all = { 0 };
	struct registry_carry_set set = { 0 };
	struct strlist subj = STRLIST_INIT;
	struct found *found = calloc(want->len ? want->len : 1, sizeof(*found));
	int rc;

	if (!found)
		return err_set(E_NOMEM, "out of memory");
	all.exclude_type = LEDGER_ARTIFACT_TYPE;
	if ((rc = subjects(r, &subj)) ||
	    (rc = registry_carry_find(r->src, r->src_path, (const char *const *)subj.items, subj.len,
				      &all, 4, &set)))
		goto out;
	for (size_t i = 0; i < set.len && !rc; i++) {
		const struct registry_carry_item *it = &set.items[i];
		json_t *m = json_loadb(it->m.body.data, it->m.body.len, 0, NULL);
		json_t *layers = json_object_get(m, "layers");
		size_t nl = json_array_size(layers) ? json_array_size(layers) : 1;

		for (size_t l = 0; l < nl && l < ATTEST_MAX_LAYERS && !rc; l++) {
			struct found f = { 0 };
			char *pred = NULL;

			if (json_array_size(layers) &&
			    (rc = layer_predicate(r, json_array_get(layers, l), keys, nkeys, &pred, &f)))
				break;
			for (size_t w = 0; w < want->len; w++) {
				if (!want_matches(want->items[w], it->kind, pred))
					continue;
				/* tampered over verified over present: the worst news is told */
				if (!found[w].what || f.tampered ||
				    (f.verified && !found[w].tampered && !found[w].verified)) {
					found[w] = f;
					found[w].what = want->items[w];
				}
			}
			free(pred);
		}
		json_decref(m);
	}
	for (size_t w = 0; w < want->len && !rc; w++) {
		const char *sep = problem->len ? "; " : "";

		if (!found[w].what)
			rc = buf_printf(problem, "%sno %s attestation refers to it", sep,
					want->items[w]);
		else if (found[w].tampered)
			rc = buf_printf(problem, "%sits %s attestation names key %s but its signature "
						 "does not verify (tampered?)", sep, want->items[w],
					found[w].key);
		else if (found[w].verified)
			rc = buf_printf(ok, "; %s attestation signed by key %s", want->items[w],
					found[w].key);
		else
			rc = buf_printf(ok, "; %s attestation present (not signed by a listed key)",
					want->items[w]);
	}
out:
	registry_carry_set_free(&set);
	strlist_clear(&subj);
	free(found);
	return rc;
}
