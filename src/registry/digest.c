/* digest: incremental SHA-256 through OpenSSL's EVP interface. */
#include "registry/digest.h"

#include <string.h>

#include <openssl/evp.h>

#include "util/err.h"

int registry_digest_init(struct registry_digest *d)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	d->ctx = c;
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		return err_set(E_INTERNAL, "sha256: initialisation failed");
	return 0;
}

int registry_digest_update(struct registry_digest *d, const void *data, size_t n)
{
	if (n && EVP_DigestUpdate(d->ctx, data, n) != 1)
		return err_set(E_INTERNAL, "sha256: update failed");
	return 0;
}

int registry_digest_final(struct registry_digest *d, char out[REGISTRY_DIGEST_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(d->ctx, md, &n) != 1 || n != 32 ||
	    EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1)
		return err_set(E_INTERNAL, "sha256: finalisation failed");
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < n; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[REGISTRY_DIGEST_LEN] = 0;
	return 0;
}

void registry_digest_free(struct registry_digest *d)
{
	if (d && d->ctx) {
		EVP_MD_CTX_free(d->ctx);
		d->ctx = NULL;
	}
}

int registry_digest_buf(const void *data, size_t n, char out[REGISTRY_DIGEST_LEN + 1])
{
	struct registry_digest d;
	int rc = registry_digest_init(&d);

	if (!rc)
		rc = registry_digest_update(&d, data, n);
	if (!rc)
		rc = registry_digest_final(&d, out);
	registry_digest_free(&d);
	return rc;
}
