/* sign/image: sign one image digest in a repository. See image.h. */
#include "sign/image.h"

#include "sign/payload.h"
#include "util/err.h"

int sign_image(struct registry *reg, const char *path, const char *identity,
	       const char *digest, const struct sign_key *key, enum sign_storage storage,
	       struct sign_stored *stored)
{
	struct registry_manifest m = { 0 };
	struct buf payload = BUF_INIT, sig = BUF_INIT;
	struct sign_subject subj;
	int rc;

	/* The subject's media type and size (for the referrer), and proof that it is there. */
	if ((rc = registry_manifest_get(reg, path, digest, &m)))
		goto out;
	subj.digest = m.digest;
	subj.media_type = m.media_type;
	subj.size = m.body.len;
	if ((rc = sign_payload_build(&payload, identity, digest)) ||
	    (rc = sign_key_sign(key, payload.data, payload.len, &sig)))
		goto out;
	rc = sign_store_put(reg, path, &subj, &payload, &sig, storage, stored);
out:
	registry_manifest_free(&m);
	buf_free(&payload);
	buf_free(&sig);
	return rc ? err_wrap(rc, "signing %s@%s", identity, digest) : 0;
}
