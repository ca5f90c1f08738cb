/* aws/error: AWS error replies, parsed and told as sentences; see error.h. */
#include "aws/error.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/err.h"

static char *xml_text_dup(const char *body, const char *tag)
{
	char open[32], close[32];
	const char *s, *e;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	s = strstr(body, open);
	if (!s)
		return NULL;
	s += strlen(open);
	e = strstr(s, close);
	return e ? strndup(s, (size_t)(e - s)) : NULL;
}

static char *strip_namespace_dup(const char *code)
{
	const char *hash = strrchr(code, '#');
	size_t n;

	if (hash)
		code = hash + 1;
	n = strcspn(code, ":"); /* x-amzn-ErrorType: "Name:http://internal..." */
	return strndup(code, n);
}

int aws_error_parse(struct aws_error *out, const char *body, size_t len, const char *type_header)
{
	json_t *j = NULL;

	memset(out, 0, sizeof(*out));
	if (body && len) {
		j = json_loadb(body, len, 0, NULL);
		if (json_is_object(j)) {
			const char *t = json_string_value(json_object_get(j, "__type"));
			const char *m = json_string_value(json_object_get(j, "message"));

			if (!t)
				t = json_string_value(json_object_get(j, "code"));
			if (!m)
				m = json_string_value(json_object_get(j, "Message"));
			if (t)
				out->code = strip_namespace_dup(t);
			if (m)
				out->message = strdup(m);
		} else if (memchr(body, '<', len)) {
			char *copy = strndup(body, len);

			if (copy) {
				char *c = xml_text_dup(copy, "Code");

				if (c) {
					out->code = strip_namespace_dup(c);
					free(c);
				}
				out->message = xml_text_dup(copy, "Message");
				free(copy);
			}
		}
		json_decref(j);
	}
	if (!out->code && type_header && *type_header)
		out->code = strip_namespace_dup(type_header);
	return 0;
}

void aws_error_free(struct aws_error *e)
{
	if (!e)
		return;
	free(e->code);
	free(e->message);
	e->code = e->message = NULL;
}

int aws_error_is_throttling(const char *code)
{
	static const char *const names[] = {
		"ThrottlingException", "Throttling", "ThrottledException",
		"RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled",
		"RequestThrottledException", "ProvisionedThroughputExceededException",
		"SlowDown", "EC2ThrottledException", "PriorRequestNotComplete",
	};

	for (size_t i = 0; code && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(code, names[i]))
			return 1;
	return 0;
}

static int code_is(const char *code, const char *a, const char *b)
{
	return code && ((a && !strcmp(code, a)) || (b && !strcmp(code, b)));
}

int aws_error_report(const struct aws_service *svc, const char *action, long status,
		     const struct aws_error *e, const struct aws_creds *creds)
{
	const char *code = e->code;
	const char *msg = e->message && *e->message ? e->message : "no message";
	const char *key = creds && creds->access_key_id ? creds->access_key_id : "?";
	const char *src = creds && creds->source ? creds->source : "?";
	size_t n;

	if (code_is(code, "ExpiredTokenException", "ExpiredToken") ||
	    code_is(code, "RequestExpired", "TokenRefreshRequired"))
		return err_set(E_AUTH,
			       "%s %s: the AWS session token has expired (%s: %s); refresh the "
			       "credentials (re-run aws-actions/configure-aws-credentials or renew "
			       "the session) and run again",
			       svc->name, action, code, msg);
	if (code_is(code, "SignatureDoesNotMatch", "InvalidSignatureException"))
		return err_set(E_AUTH,
			       "%s %s: AWS rejected the request signature: the secret access key "
			       "does not belong to access key ID %s (credentials from %s; %s: %s)",
			       svc->name, action, key, src, code, msg);
	if (code_is(code, "UnrecognizedClientException", "InvalidClientTokenId") ||
	    code_is(code, "InvalidAccessKeyId", "MissingAuthenticationToken"))
		return err_set(E_AUTH,
			       "%s %s: AWS does not accept access key ID %s or its session token "
			       "(credentials from %s; %s: %s)",
			       svc->name, action, key, src, code, msg);
	if (code_is(code, "AccessDeniedException", "AccessDenied"))
		return err_set(E_AUTH, "%s %s: access denied for access key ID %s: %s", svc->name,
			       action, key, msg);
	n = code ? strlen(code) : 0;
	if (n > 17 && !strcmp(code + n - 17, "NotFoundException"))
		return err_set(E_NOTFOUND, "%s %s: %s (%s)", svc->name, action, msg, code);
	if (code_is(code, "RepositoryAlreadyExistsException", "ImageTagAlreadyExistsException"))
		return err_set(E_CONFLICT, "%s %s: %s (%s)", svc->name, action, msg, code);
	if (aws_error_is_throttling(code))
		return err_set(E_HTTP, "%s %s: still throttled by AWS after retries: %s (%s)",
			       svc->name, action, msg, code);
	if (code)
		return err_set(E_HTTP, "%s %s failed: %s (%s, HTTP %ld)", svc->name, action, msg,
			       code, status);
	return err_set(E_HTTP, "%s %s failed with HTTP %ld and no error detail", svc->name,
		       action, status);
}
