/* Unit tests for sign/: keys, the simple-signing payload, DSSE, in-toto, cosign keys. */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "test.h"
#include "sign/cosign_key.h"
#include "sign/dsse.h"
#include "sign/key.h"
#include "sign/payload.h"
#include "sign/statement.h"
#include "util/base64.h"
#include "util/err.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

/* A fresh P-256 private key as PEM (PKCS#8). */
static void new_key_pem(struct buf *out, EVP_PKEY **keep)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	unsigned char *der = NULL;
	int n = i2d_PrivateKey(k, &der);
	struct buf b64 = BUF_INIT;

	(void)n;
	buf_reset(out);
	{
		PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
		unsigned char *d8 = NULL;
		int n8 = i2d_PKCS8_PRIV_KEY_INFO(p8, &d8);

		base64_encode(&b64, d8, (size_t)n8);
		OPENSSL_free(d8);
		PKCS8_PRIV_KEY_INFO_free(p8);
	}
	buf_printf(out, "-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n", buf_cstr(&b64));
	OPENSSL_free(der);
	buf_free(&b64);
	if (keep)
		*keep = k;
	else
		EVP_PKEY_free(k);
}

static void test_sign__base64_round_trip_and_strict(void)
{
	struct buf e = BUF_INIT, d = BUF_INIT;

	CHECK_INT(base64_encode(&e, "Ma", 2), 0);
	CHECK_STR(buf_cstr(&e), "TWE=");
	CHECK_INT(base64_decode(&d, "TWE=", 4), 0);
	CHECK_INT(d.len, 2);
	CHECK(!memcmp(d.data, "Ma", 2));
	CHECK_INT(base64_decode(&d, "TWE", 3), E_USAGE);
	CHECK_INT(base64_decode(&d, "TW!=", 4), E_USAGE);
	CHECK_INT(base64_decode(&d, "T===", 4), E_USAGE);
	buf_free(&e);
	buf_free(&d);
}

static void test_sign__payload_as_cosign_writes_it(void)
{
	struct buf b = BUF_INIT;
	struct sign_payload p;

	CHECK_INT(sign_payload_build(&b, "reg/app", D1), 0);
	CHECK_STR(buf_cstr(&b), "{\"critical\":{\"identity\":{\"docker-reference\":\"reg/app\"},"
				"\"image\":{\"docker-manifest-digest\":\"" D1 "\"},\"type\":"
				"\"cosign container image signature\"},\"optional\":null}");
	CHECK_INT(sign_payload_parse(&p, b.data, b.len), 0);
	CHECK_STR(p.reference, "reg/app");
	CHECK_STR(p.digest, D1);
	sign_payload_free(&p);
	CHECK_INT(sign_payload_parse(&p, "{\"critical\":{\"type\":\"other\"}}", 29), E_USAGE);
	CHECK(strstr(err_msg(), "other") != NULL);
	CHECK_INT(sign_payload_parse(&p, "[", 1), E_USAGE);
	CHECK_INT(sign_payload_build(&b, "reg/app", "sha256:abc"), E_USAGE);
	buf_free(&b);
}

static void test_sign__ecdsa_sign_verify_and_wrong_key(void)
{
	struct buf pem = BUF_INIT, pem2 = BUF_INIT, sig = BUF_INIT, pub = BUF_INIT;
	struct sign_key *k = NULL, *k2 = NULL, *kp = NULL;

	new_key_pem(&pem, NULL);
	new_key_pem(&pem2, NULL);
	CHECK_INT(sign_key_from_pem(&k, pem.data, pem.len, 1, "k"), 0);
	CHECK_INT(sign_key_from_pem(&k2, pem2.data, pem2.len, 1, "k2"), 0);
	CHECK_INT(sign_key_sign(k, "payload", 7, &sig), 0);
	CHECK_INT(sign_key_verify(k, "payload", 7, sig.data, sig.len), 0);
	CHECK_INT(sign_key_verify(k, "payloaD", 7, sig.data, sig.len), E_INTEGRITY);
	CHECK_INT(sign_key_verify(k2, "payload", 7, sig.data, sig.len), E_INTEGRITY);
	/* The public half verifies and cannot sign. */
	CHECK_INT(sign_key_public_pem(k, &pub), 0);
	CHECK_INT(sign_key_from_pem(&kp, pub.data, pub.len, 0, "pub"), 0);
	CHECK_INT(sign_key_verify(kp, "payload", 7, sig.data, sig.len), 0);
	CHECK_STR(sign_key_id(kp), sign_key_id(k));
	sign_key_free(kp);
	kp = NULL;
	CHECK_INT(sign_key_from_pem(&kp, pub.data, pub.len, 1, "pub"), E_USAGE);
	CHECK(strstr(err_msg(), "cannot sign") != NULL);
	CHECK_INT(sign_key_from_pem(&kp, "garbage", 7, 0, "junk.pem"), E_USAGE);
	CHECK(strstr(err_msg(), "junk.pem") != NULL);
	sign_key_free(k);
	sign_key_free(k2);
	buf_free(&pem);
	buf_free(&pem2);
	buf_free(&sig);
	buf_free(&pub);
}

static void test_sign__dsse_pae_envelope_and_tamper(void)
{
	struct buf pem = BUF_INIT, pae = BUF_INIT, env = BUF_INIT, st = BUF_INIT;
	struct sign_key *k = NULL, *other = NULL;
	struct dsse_envelope e;
	char *dig = NULL, *pt = NULL, *at;
	json_t *pred = NULL;

	/* PAE as the DSSE spec's example. */
	CHECK_INT(dsse_pae(&pae, "http://example.com/HelloWorld", "hello world", 11), 0);
	CHECK_STR(buf_cstr(&pae), "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
	new_key_pem(&pem, NULL);
	CHECK_INT(sign_key_from_pem(&k, pem.data, pem.len, 1, "k"), 0);
	new_key_pem(&pem, NULL);
	CHECK_INT(sign_key_from_pem(&other, pem.data, pem.len, 1, "other"), 0);
	CHECK_INT(intoto_statement_build(&st, "reg/app", D1, "https://example/p",
					 json_pack("{s:s}", "stage", "qa")), 0);
	CHECK_INT(dsse_envelope_sign(&env, INTOTO_PAYLOAD_TYPE, st.data, st.len, k), 0);
	CHECK_INT(dsse_envelope_parse(&e, env.data, env.len), 0);
	CHECK_INT(dsse_envelope_verify(&e, &k, 1, NULL), 0);
	CHECK_INT(dsse_envelope_verify(&e, &other, 1, NULL), E_INTEGRITY);
	CHECK_INT(intoto_statement_parse(e.payload.data, e.payload.len, &dig, &pt, &pred), 0);
	CHECK_STR(dig, D1);
	CHECK_STR(pt, "https://example/p");
	CHECK_STR(json_string_value(json_object_get(pred, "stage")), "qa");
	free(dig);
	free(pt);
	json_decref(pred);
	dsse_envelope_free(&e);
	/* The payload type is signed too: changing it breaks the signature. */
	at = strstr(env.data, "in-toto");
	at[0] = 'I';
	CHECK_INT(dsse_envelope_parse(&e, env.data, env.len), 0);
	CHECK_INT(dsse_envelope_verify(&e, &k, 1, NULL), E_INTEGRITY);
	dsse_envelope_free(&e);
	CHECK_INT(dsse_envelope_parse(&e, "{\"payloadType\":\"x\"}", 19), E_USAGE);
	CHECK_INT(intoto_statement_parse("{}", 2, &dig, &pt, &pred), E_USAGE);
	free(dig);
	free(pt);
	json_decref(pred);
	(void)D2;
	sign_key_free(k);
	sign_key_free(other);
	buf_free(&pem);
	buf_free(&pae);
	buf_free(&env);
	buf_free(&st);
}

/* A cosign-format encrypted key, made here with the same primitives (scrypt, secretbox). */
static void encrypted_key(struct buf *pem, EVP_PKEY *k, const char *password)
{
	unsigned char salt[32], nonce[24], key[32], *der = NULL, *ct;
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
	int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
	struct buf s = BUF_INIT, no = BUF_INIT, c = BUF_INIT, js = BUF_INIT, body = BUF_INIT;

	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	EVP_PBE_scrypt(password, strlen(password), salt, sizeof(salt), 32768, 8, 1,
		       64 * 1024 * 1024, key, 32);
	ct = malloc((size_t)n + crypto_secretbox_MACBYTES);
	crypto_secretbox_easy(ct, der, (unsigned long long)n, nonce, key);
	base64_encode(&s, salt, sizeof(salt));
	base64_encode(&no, nonce, sizeof(nonce));
	base64_encode(&c, ct, (size_t)n + crypto_secretbox_MACBYTES);
	buf_printf(&js, "{\"kdf\":{\"name\":\"scrypt\",\"params\":{\"N\":32768,\"r\":8,\"p\":1},"
			"\"salt\":\"%s\"},\"cipher\":{\"name\":\"nacl/secretbox\",\"nonce\":\"%s\"},"
			"\"ciphertext\":\"%s\"}", buf_cstr(&s), buf_cstr(&no), buf_cstr(&c));
	base64_encode(&body, js.data, js.len);
	buf_reset(pem);
	buf_puts(pem, "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
	for (size_t i = 0; i < body.len; i += 64) {
		buf_add(pem, body.data + i, body.len - i < 64 ? body.len - i : 64);
		buf_putc(pem, '\n');
	}
	buf_puts(pem, "-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n");
	free(ct);
	OPENSSL_free(der);
	PKCS8_PRIV_KEY_INFO_free(p8);
	buf_free(&s);
	buf_free(&no);
	buf_free(&c);
	buf_free(&js);
	buf_free(&body);
}

static void test_sign__cosign_encrypted_key_password(void)
{
	struct buf plain = BUF_INIT, pem = BUF_INIT, sig = BUF_INIT;
	struct sign_key *enc = NULL, *ref = NULL;
	EVP_PKEY *k = NULL;

	CHECK(sodium_init() >= 0);
	new_key_pem(&plain, &k);
	encrypted_key(&pem, k, "s3cret");
	CHECK_INT(sign_key_from_pem(&ref, plain.data, plain.len, 1, "plain"), 0);
	setenv("COSIGN_PASSWORD", "wrong", 1);
	CHECK_INT(sign_key_from_pem(&enc, pem.data, pem.len, 1, "cosign.key"), E_AUTH);
	CHECK(strstr(err_msg(), "wrong password") != NULL);
	CHECK(strstr(err_msg(), "s3cret") == NULL);
	unsetenv("COSIGN_PASSWORD");
	CHECK_INT(sign_key_from_pem(&enc, pem.data, pem.len, 1, "cosign.key"), E_USAGE);
	CHECK(strstr(err_msg(), "COSIGN_PASSWORD") != NULL);
	setenv("COSIGN_PASSWORD", "s3cret", 1);
	CHECK_INT(sign_key_from_pem(&enc, pem.data, pem.len, 1, "cosign.key"), 0);
	CHECK_STR(enc ? sign_key_id(enc) : NULL, sign_key_id(ref));
	if (enc) {
		CHECK_INT(sign_key_sign(enc, "x", 1, &sig), 0);
		CHECK_INT(sign_key_verify(ref, "x", 1, sig.data, sig.len), 0);
	}
	unsetenv("COSIGN_PASSWORD");
	sign_key_free(enc);
	sign_key_free(ref);
	EVP_PKEY_free(k);
	buf_free(&plain);
	buf_free(&pem);
	buf_free(&sig);
}

TEST_MAIN(TEST(test_sign__base64_round_trip_and_strict),
	  TEST(test_sign__payload_as_cosign_writes_it),
	  TEST(test_sign__ecdsa_sign_verify_and_wrong_key),
	  TEST(test_sign__dsse_pae_envelope_and_tamper),
	  TEST(test_sign__cosign_encrypted_key_password))
