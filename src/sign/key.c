/* sign/key: ECDSA P-256 keys through OpenSSL EVP. See key.h. */
#define _GNU_SOURCE /* memmem */
#include "sign/key.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sign/cosign_key.h"
#include "util/err.h"

struct sign_key {
	EVP_PKEY *pkey;
	int private;
	char *source;
	char id[24];
};

void sign_key_free(struct sign_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->source);
	free(k);
}

const char *sign_key_source(const struct sign_key *k)
{
	return k->source;
}

const char *sign_key_id(const struct sign_key *k)
{
	return k->id;
}

/* Only P-256: the scheme cosign and the verifiers it talks to agree on. */
static int check_p256(EVP_PKEY *pkey, const char *source)
{
	char curve[64];
	size_t n = 0;

	if (!EVP_PKEY_is_a(pkey, "EC"))
		return err_set(E_USAGE, "%s: not an ECDSA key (expected an ECDSA P-256 key, as "
					"cosign generate-key-pair makes)", source);
	if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve,
					    sizeof(curve), &n) ||
	    strcmp(curve, "prime256v1"))
		return err_set(E_USAGE, "%s: an ECDSA key on curve %s (expected P-256)", source,
			       n ? curve : "(unknown)");
	return 0;
}

static int set_id(struct sign_key *k)
{
	unsigned char *der = NULL, md[32];
	unsigned int mdlen = 0;
	int n = i2d_PUBKEY(k->pkey, &der);

	if (n <= 0)
		return err_set(E_INTERNAL, "%s: cannot encode the public key", k->source);
	if (!EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL)) {
		OPENSSL_free(der);
		return err_set(E_INTERNAL, "sha256 failed");
	}
	OPENSSL_free(der);
	memcpy(k->id, "sha256:", 7);
	for (int i = 0; i < 8; i++)
		snprintf(k->id + 7 + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* PEM without a passphrase callback prompt: an encrypted PEM fails instead of asking. */
static int no_password(char *b, int size, int rw, void *u)
{
	(void)b, (void)size, (void)rw, (void)u;
	return 0;
}

int sign_key_from_pem(struct sign_key **out, const char *pem, size_t len, int want_private,
		      const char *source)
{
	struct sign_key *k;
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	int priv = 0, rc;

	*out = NULL;
	if (len > SIGN_KEY_MAX)
		return err_set(E_LIMIT, "%s: over %d bytes, not a key", source, SIGN_KEY_MAX);
	if (memmem(pem, len, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----", 46) ||
	    memmem(pem, len, "-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----", 44)) {
		if ((rc = sign_cosign_key_decrypt(pem, len, source, &pkey)))
			return rc;
		priv = 1;
	} else {
		if (!(bio = BIO_new_mem_buf(pem, (int)len)))
			return err_set(E_NOMEM, "out of memory");
		if ((pkey = PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL))) {
			priv = 1;
		} else {
			(void)BIO_reset(bio);
			pkey = PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
		}
		BIO_free(bio);
		if (!pkey)
			return err_set(E_USAGE, "%s: not a PEM key (expected an ECDSA P-256 private "
						"or public key in PEM, or a cosign encrypted key)",
				       source);
	}
	if ((rc = check_p256(pkey, source))) {
		EVP_PKEY_free(pkey);
		return rc;
	}
	if (want_private && !priv) {
		EVP_PKEY_free(pkey);
		return err_set(E_USAGE, "%s: a public key cannot sign (expected the private key)",
			       source);
	}
	if (!(k = calloc(1, sizeof(*k))) || !(k->source = strdup(source))) {
		free(k);
		EVP_PKEY_free(pkey);
		return err_set(E_NOMEM, "out of memory");
	}
	k->pkey = pkey;
	k->private = priv && want_private;
	if ((rc = set_id(k))) {
		sign_key_free(k);
		return rc;
	}
	*out = k;
	return 0;
}

int sign_key_load(struct sign_key **out, const char *spec, int want_private, const char *what)
{
	struct buf src = BUF_INIT, data = BUF_INIT;
	int rc;

	*out = NULL;
	if (!spec || !*spec)
		return err_set(E_USAGE, "%s: no key given", what);
	if (!strncmp(spec, "env://", 6)) {
		const char *v = getenv(spec + 6);

		if (!spec[6])
			return err_set(E_USAGE, "%s: env:// needs a variable name (env://VAR)", what);
		if (!v || !*v)
			return err_set(E_USAGE, "%s: environment variable %s is not set", what,
				       spec + 6);
		if ((rc = buf_printf(&src, "%s (%s)", what, spec)))
			return rc;
		rc = sign_key_from_pem(out, v, strlen(v), want_private, buf_cstr(&src));
		buf_free(&src);
		return rc;
	}
	if ((rc = buf_printf(&src, "%s (%s)", what, spec)))
		goto out;
	if ((rc = buf_read_file(&data, spec, SIGN_KEY_MAX))) {
		rc = err_wrap(rc, "%s", buf_cstr(&src));
		goto out;
	}
	rc = sign_key_from_pem(out, data.data ? data.data : "", data.len, want_private,
			       buf_cstr(&src));
out:
	if (data.data)
		OPENSSL_cleanse(data.data, data.len);
	buf_free(&data);
	buf_free(&src);
	return rc;
}

int sign_key_sign(const struct sign_key *k, const void *data, size_t len, struct buf *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 0;
	int rc = 0;

	buf_reset(out);
	if (!ctx)
		return err_set(E_NOMEM, "out of memory");
	if (!k->private) {
		rc = err_set(E_USAGE, "%s: not a private key", k->source);
		goto out;
	}
	if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, data, len) != 1 || (rc = buf_grow(out, n)) ||
	    EVP_DigestSign(ctx, (unsigned char *)out->data, &n, data, len) != 1) {
		rc = rc ? rc : err_set(E_INTERNAL, "%s: ECDSA signing failed", k->source);
		goto out;
	}
	out->len = n;
	out->data[n] = '\0';
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int sign_key_verify(const struct sign_key *k, const void *data, size_t len, const void *sig,
		    size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return err_set(E_NOMEM, "out of memory");
	ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return err_set(E_INTEGRITY, "not a valid signature by key %s (%s)", k->id,
			       k->source);
	return 0;
}

int sign_key_public_pem(const struct sign_key *k, struct buf *out)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;
	int rc;

	if (!bio)
		return err_set(E_NOMEM, "out of memory");
	if (PEM_write_bio_PUBKEY(bio, k->pkey) != 1 || (n = BIO_get_mem_data(bio, &p)) <= 0)
		rc = err_set(E_INTERNAL, "%s: cannot write the public key", k->source);
	else
		rc = buf_add(out, p, (size_t)n);
	BIO_free(bio);
	return rc;
}
