/*
 * sign: convoy sign --key cosign.key --image IMAGE@DIGEST: a cosign-compatible signature (simple
 * signing, ECDSA P-256) stored as the "sha256-<hex>.sig" tag and/or an OCI 1.1 referrer.
 * Offline: no Rekor entry is made. A tag is resolved to its digest once, with a notice.
 */
#include <stdlib.h>
#include <string.h>

#include "actions/command.h"
#include "actions/output.h"
#include "actions/summary.h"
#include "cmd/cmd.h"
#include "cmd/promote_common.h"
#include "registry/reference.h"
#include "sign/image.h"
#include "util/err.h"

const char cmd_sign_summary[] = "Sign an image digest, cosign-compatible (ECDSA P-256, no Rekor)";
const struct input_def cmd_sign_inputs[] = {
	{ "key", 0, NULL, "private key: PEM file, env://VAR, or a cosign encrypted key (password in COSIGN_PASSWORD) (required)" },
	{ "image", IN_OPERAND, NULL, "image to sign, host/repo@sha256:... (required; also as the one bare argument)" },
	{ "signature-storage", 0, "both", "where the signature goes: tag (sha256-<hex>.sig), referrer (OCI 1.1) or both" },
	PROMOTE_REGISTRY_INPUTS,
	{ NULL, 0, NULL, NULL },
};

int cmd_sign(struct rt *rt, int argc, char **argv)
{
	struct registry_sessions *rs = NULL;
	struct registry_ref ref = { 0 };
	struct sign_key *key = NULL;
	struct registry *reg;
	struct inputs in;
	enum sign_storage storage;
	char *repo = NULL, *digest = NULL, *image = NULL;
	const char *img;
	struct sign_stored st = { 0 };
	int rc = inputs_parse(rt, cmd_sign_inputs, argc, argv, &in);

	if (rc)
		goto out;
	img = inputs_get(&in, "image");
	if (!img) {
		rc = err_set(E_USAGE, "input 'image' is required: the image to sign (convoy sign --key KEY "
				      "--image host/repo@sha256:<hex>)");
		goto out;
	}
	if (!inputs_get(&in, "key")) {
		rc = err_set(E_USAGE, "input 'key' is required: the private key to sign with "
				      "(PEM file, env://VAR or cosign encrypted key)");
		goto out;
	}
	if ((rc = sign_storage_parse(inputs_get(&in, "signature-storage"),
				     "input 'signature-storage'", &storage)))
		goto out;
	if ((rc = registry_ref_parse(&ref, img))) {
		rc = err_wrap(rc, "input 'image'");
		goto out;
	}
	if ((rc = sign_key_load(&key, inputs_get(&in, "key"), 1, "input 'key'")) ||
	    (rc = promote_cli_sessions(rt, &in, &rs)) ||
	    (rc = registry_sessions_get(rs, registry_ref_api_host(&ref), &reg)))
		goto out;
	if (!(repo = registry_ref_repo_dup(&ref))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	if (ref.digest) {
		if (!(digest = strdup(ref.digest))) {
			rc = err_set(E_NOMEM, "out of memory");
			goto out;
		}
	} else {
		if ((rc = registry_manifest_head(reg, ref.path, ref.tag ? ref.tag : "latest",
						 &digest, NULL)))
			goto out;
		wf_notice(rt, NULL, "signing %s: tag %s resolved to %s (sign by digest to be "
				    "sure which image you sign)", img, ref.tag ? ref.tag : "latest",
			  digest);
	}
	if ((rc = sign_image(reg, ref.path, repo, digest, key, storage, &st)))
		goto out;
	rt_info(rt, "%s %s@%s with key %s (%s%s); no transparency log (Rekor) entry: offline",
		st.written ? "signed" : "already signed:", repo, digest, sign_key_id(key),
		storage == SIGN_STORAGE_BOTH ? "sha256-<hex>.sig tag and referrer"
		: storage == SIGN_STORAGE_TAG ? "sha256-<hex>.sig tag" : "referrer",
		st.subject_dropped
			? ", the referrer without its subject in the sha256-<hex> index: the "
			  "registry refuses a subject that is an image index"
		: st.tag_schema ? ", the referrer listed in the sha256-<hex> index: no referrers "
				  "API"
				: "");
	if (!(image = malloc(strlen(repo) + strlen(digest) + 2))) {
		rc = err_set(E_NOMEM, "out of memory");
		goto out;
	}
	sprintf(image, "%s@%s", repo, digest);
	if ((rc = out_set(rt, "digest", digest)) || (rc = out_set(rt, "image", image)) ||
	    (rc = out_set(rt, "key-id", sign_key_id(key))))
		goto out;
	rc = summary_add(rt, "### Signed\n\n| Image | Key | Storage |\n| --- | --- | --- |\n"
			     "| `%s` | `%s` | %s |\n\nNo Rekor transparency log entry (offline "
			     "signing): verify with the public key.\n\n",
			 image, sign_key_id(key),
			 storage == SIGN_STORAGE_BOTH ? "tag + referrer"
			 : storage == SIGN_STORAGE_TAG ? "tag" : "referrer");
out:
	free(image);
	free(digest);
	free(repo);
	registry_ref_free(&ref);
	sign_key_free(key);
	registry_sessions_free(rs);
	inputs_free(&in);
	return rc;
}
