/*
 * verify: convoy verify --key cosign.pub --image IMAGE@DIGEST: whether the digest has a cosign
 * signature by one of the keys (sign/verify: cosign's rules, offline, no Rekor), for the
 * image's own repository as identity unless --identity names another. Exit 1 naming what was
 * wrong with each signature found when none is valid.
 */
#include <stdlib.h>
#include <string.h>

#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "cmd/promote_common.h"
#include "registry/reference.h"
#include "sign/verify.h"
#include "util/err.h"

const char cmd_verify_summary[] = "Verify an image digest's cosign signatures with public keys (offline)";
const struct input_def cmd_verify_inputs[] = {
	{ "key", IN_MULTI, NULL, "public key (PEM file or env://VAR); repeat for several (required)" },
	{ "image", IN_OPERAND, NULL, "image to verify, host/repo@sha256:... (required; also as the one bare argument)" },
	{ "identity", 0, NULL, "docker-reference the payload must name (default: the image's repository)" },
	PROMOTE_REGISTRY_INPUTS,
	{ NULL, 0, NULL, NULL },
};

int cmd_verify(struct rt *rt, int argc, char **argv)
{
	struct registry_sessions *rs = NULL;
	struct registry_ref ref = { 0 };
	struct strlist keyspecs = STRLIST_INIT, ids = STRLIST_INIT;
	struct sign_verdict v = { 0 };
	struct sign_key **keys = NULL;
	struct buf why = BUF_INIT;
	struct registry *reg;
	struct inputs in;
	char *repo = NULL;
	const char *img;
	int rc = inputs_parse(rt, cmd_verify_inputs, argc, argv, &in);

	if (rc)
		goto out;
	img = inputs_get(&in, "image");
	if (!img) {
		rc = err_set(E_USAGE, "input 'image' is required: the image to verify (convoy verify --key "
				      "KEY --image host/repo@sha256:<hex>)");
		goto out;
	}
	if ((rc = inputs_get_list(&in, "key", LIST_IGNORE_COMMA, &keyspecs)))
		goto out;
	if (!keyspecs.len) {
		rc = err_set(E_USAGE, "input 'key' is required: the public key(s) to verify with");
		goto out;
	}
	if ((rc = registry_ref_parse(&ref, img))) {
		rc = err_wrap(rc, "input 'image'");
		goto out;
	}
	if (!ref.digest) {
		rc = err_set(E_USAGE, "input 'image': %s has no digest (verify host/repo@sha256:...)",
			     img);
		goto out;
	}
	if (!(keys = calloc(keyspecs.len, sizeof(*keys))) || !(repo = registry_ref_repo_dup(&ref))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < keyspecs.len; i++)
		if ((rc = sign_key_load(&keys[i], keyspecs.items[i], 0, "input 'key'")))
			goto out;
	if ((rc = strlist_add(&ids, inputs_get(&in, "identity") ? inputs_get(&in, "identity")
								  : repo)) ||
	    (rc = promote_cli_sessions(rt, &in, &rs)) ||
	    (rc = registry_sessions_get(rs, registry_ref_api_host(&ref), &reg)) ||
	    (rc = sign_verify_image(reg, ref.path, ref.digest, keys, keyspecs.len, &ids, &v)))
		goto out;
	for (size_t i = 0; i < v.problems.len; i++)
		rt_info(rt, "rejected: %s", v.problems.items[i]);
	if (!v.valid) {
		if (!(rc = sign_verdict_describe(&v, &why)))
			rc = err_set(E_INTEGRITY, "%s@%s: %s", repo, ref.digest, buf_cstr(&why));
		goto out;
	}
	rt_info(rt, "verified %s@%s: %zu of %zu signatures valid, key %s, identity %s (offline: "
		    "no Rekor transparency log check)", repo, ref.digest, v.valid, v.found,
		v.valid_key, v.valid_identity);
	if (!(rc = out_set(rt, "verified", "true")) && !(rc = out_set(rt, "key-id", v.valid_key)))
		rc = summary_add(rt, "### Verified\n\n`%s@%s`: %zu valid signature%s (key `%s`); "
				     "offline, no Rekor check.\n\n", repo, ref.digest, v.valid,
				 v.valid > 1 ? "s" : "", v.valid_key);
out:
	for (size_t i = 0; keys && i < keyspecs.len; i++)
		sign_key_free(keys[i]);
	free(keys);
	free(repo);
	buf_free(&why);
	sign_verdict_free(&v);
	strlist_clear(&keyspecs);
	strlist_clear(&ids);
	registry_ref_free(&ref);
	registry_sessions_free(rs);
	inputs_free(&in);
	return rc;
}
