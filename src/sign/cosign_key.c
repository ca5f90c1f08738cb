/* sign/cosign_key: cosign's encrypted private keys. See cosign_key.h. */
#define _GNU_SOURCE /* memmem */
#include "sign/cosign_key.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "util/base64.h"
#include "util/buf.h"
#include "util/err.h"

/* The PEM body between the armour lines, without line breaks. */
static int pem_body(const char *pem, size_t len, struct buf *out)
{
	const char *p = memchr(pem, '\n', len), *end;

	if (!p)
		return E_USAGE;
	p++;
	end = memmem(p, len - (size_t)(p - pem), "-----END ", 9);
	if (!end)
		return E_USAGE;
	for (; p < end; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ' && buf_putc(out, *p))
			return E_NOMEM;
	return 0;
}

static int b64_field(const json_t *o, const char *name, struct buf *out)
{
	const char *s = json_string_value(json_object_get(o, name));

	return s ? base64_decode(out, s, strlen(s)) : E_USAGE;
}

int sign_cosign_key_decrypt(const char *pem, size_t len, const char *source, EVP_PKEY **out)
{
	struct buf body = BUF_INIT, js = BUF_INIT, salt = BUF_INIT, nonce = BUF_INIT,
		   ct = BUF_INIT, plain = BUF_INIT;
	const char *pw = getenv("COSIGN_PASSWORD");
	unsigned char key[32];
	const unsigned char *der;
	json_t *j = NULL, *kdf, *params, *cipher;
	json_int_t n, r, p;
	int rc;

	*out = NULL;
	if (sodium_init() < 0)
		return err_set(E_INTERNAL, "libsodium failed to initialise");
	if (!pw)
		return err_set(E_USAGE, "%s: an encrypted cosign key needs its password in "
					"COSIGN_PASSWORD", source);
	if (pem_body(pem, len, &body) || base64_decode(&js, body.data ? body.data : "",
						       body.len) ||
	    !(j = json_loadb(js.data ? js.data : "", js.len, 0, NULL))) {
		rc = err_set(E_USAGE, "%s: not a cosign encrypted key (PEM body is not base64 JSON)",
			     source);
		goto out;
	}
	kdf = json_object_get(j, "kdf");
	params = json_object_get(kdf, "params");
	cipher = json_object_get(j, "cipher");
	n = json_integer_value(json_object_get(params, "N"));
	r = json_integer_value(json_object_get(params, "r"));
	p = json_integer_value(json_object_get(params, "p"));
	if (!json_is_string(json_object_get(kdf, "name")) ||
	    strcmp(json_string_value(json_object_get(kdf, "name")), "scrypt") ||
	    !json_is_string(json_object_get(cipher, "name")) ||
	    strcmp(json_string_value(json_object_get(cipher, "name")), "nacl/secretbox")) {
		rc = err_set(E_USAGE, "%s: unsupported encryption (expected kdf scrypt and cipher "
				      "nacl/secretbox, as cosign writes)", source);
		goto out;
	}
	/* Bounded so that a crafted key cannot ask for gigabytes (cosign uses 32768, 8, 1). */
	if (n < 2 || n > (1 << 20) || (n & (n - 1)) || r < 1 || r > 16 || p < 1 || p > 4) {
		rc = err_set(E_USAGE, "%s: scrypt parameters N=%lld r=%lld p=%lld out of range",
			     source, (long long)n, (long long)r, (long long)p);
		goto out;
	}
	if (b64_field(kdf, "salt", &salt) || b64_field(cipher, "nonce", &nonce) ||
	    b64_field(j, "ciphertext", &ct) || nonce.len != crypto_secretbox_NONCEBYTES ||
	    ct.len < crypto_secretbox_MACBYTES) {
		rc = err_set(E_USAGE, "%s: salt, nonce or ciphertext missing or malformed", source);
		goto out;
	}
	if (EVP_PBE_scrypt(pw, strlen(pw), (unsigned char *)salt.data, salt.len, (uint64_t)n,
			   (uint64_t)r, (uint64_t)p, 256ull * 1024 * 1024, key, sizeof(key)) != 1) {
		rc = err_set(E_INTERNAL, "%s: scrypt failed", source);
		goto out;
	}
	if ((rc = buf_grow(&plain, ct.len)))
		goto out;
	if (crypto_secretbox_open_easy((unsigned char *)plain.data, (unsigned char *)ct.data,
				       ct.len, (unsigned char *)nonce.data, key)) {
		rc = err_set(E_AUTH, "%s: wrong password (COSIGN_PASSWORD) or damaged key", source);
		goto out;
	}
	plain.len = ct.len - crypto_secretbox_MACBYTES;
	der = (const unsigned char *)plain.data;
	if (!(*out = d2i_AutoPrivateKey(NULL, &der, (long)plain.len)))
		rc = err_set(E_USAGE, "%s: the decrypted key is not a PKCS#8 private key", source);
	else
		rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	if (plain.data)
		OPENSSL_cleanse(plain.data, plain.cap);
	json_decref(j);
	buf_free(&body);
	buf_free(&js);
	buf_free(&salt);
	buf_free(&nonce);
	buf_free(&ct);
	buf_free(&plain);
	return rc;
}
