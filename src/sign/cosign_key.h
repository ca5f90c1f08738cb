/*
 * sign/cosign_key: cosign's encrypted private key ("-----BEGIN ENCRYPTED SIGSTORE PRIVATE
 * KEY-----", older keys "ENCRYPTED COSIGN PRIVATE KEY"), as cosign generate-key-pair writes it:
 * the PEM body is JSON {kdf: {name: scrypt, params: {N, r, p}, salt}, cipher: {name:
 * nacl/secretbox, nonce}, ciphertext}, the secretbox key is scrypt(password, salt) and the
 * plaintext is the PKCS#8 DER private key. The password comes from COSIGN_PASSWORD, as for
 * cosign itself. scrypt is OpenSSL's; OpenSSL has no XSalsa20-Poly1305, so the secretbox is
 * libsodium's (Debian's libsodium-dev, linked statically in dist/).
 */
#ifndef CONVOY_SIGN_COSIGN_KEY_H
#define CONVOY_SIGN_COSIGN_KEY_H

#include <stddef.h>

#include <openssl/evp.h>

/* Decrypts the key in pem (source names it in messages) into *out. */
int sign_cosign_key_decrypt(const char *pem, size_t len, const char *source, EVP_PKEY **out);

#endif
