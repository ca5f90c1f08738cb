/* base64: OpenSSL's EVP block encoder with strict checks. See base64.h. */
#include "util/base64.h"

#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/err.h"

int base64_encode(struct buf *out, const void *data, size_t len)
{
	size_t n = 4 * ((len + 2) / 3);
	int rc;

	if (len > INT_MAX / 2)
		return err_set(E_LIMIT, "base64: %zu bytes is too much to encode", len);
	if ((rc = buf_grow(out, n + 1)))
		return rc;
	EVP_EncodeBlock((unsigned char *)out->data + out->len, data, (int)len);
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

int base64_decode(struct buf *out, const char *s, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t pad = 0, n;
	int got, rc;

	buf_reset(out);
	if (len % 4 || len > INT_MAX / 2)
		return err_set(E_USAGE, "not base64 (length %zu is not a multiple of 4)", len);
	while (pad < 2 && pad < len && s[len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
		if (!s[i] || !strchr(alphabet, s[i]))
			return err_set(E_USAGE, "not base64 (character %zu)", i + 1);
	if (!len)
		return buf_add(out, "", 0);
	n = len / 4 * 3;
	if ((rc = buf_grow(out, n + 1)))
		return rc;
	got = EVP_DecodeBlock((unsigned char *)out->data, (const unsigned char *)s, (int)len);
	if (got < 0 || (size_t)got != n)
		return err_set(E_USAGE, "not base64");
	out->len = n - pad;
	out->data[out->len] = '\0';
	return 0;
}
