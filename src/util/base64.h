/*
 * base64: standard base64 (RFC 4648, with padding) through OpenSSL's EVP encoder, for cosign
 * signature annotations and DSSE envelopes. Decoding is strict: the alphabet, the length and
 * the padding are checked, so a damaged value is an error and never decodes to other bytes.
 */
#ifndef CONVOY_UTIL_BASE64_H
#define CONVOY_UTIL_BASE64_H

#include <stddef.h>

#include "util/buf.h"

/* Appends the encoding of data to out. */
int base64_encode(struct buf *out, const void *data, size_t len);
/* Replaces out with the bytes encoded in s (len chars); E_USAGE when s is not base64. */
int base64_decode(struct buf *out, const char *s, size_t len);

#endif
