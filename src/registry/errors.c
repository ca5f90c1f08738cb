/*
 * errors: the registry's error JSON ({"errors":[{"code","message","detail"}]}, and ECR's
 * {"__type","message"}) translated into one sentence a user can act on.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "registry/client.h"
#include "util/err.h"

static const struct {
	const char *code;
	int err;
	const char *sentence;
} known[] = {
	{ "DENIED", E_AUTH, "access denied: the credentials have no permission for this "
			    "repository (or it does not exist)" },
	{ "UNAUTHORIZED", E_AUTH, "authentication required: the registry refused the request "
				  "without valid credentials" },
	{ "NAME_UNKNOWN", E_NOTFOUND, "repository does not exist; ECR does not create "
				      "repositories on push (create it first)" },
	{ "NAME_INVALID", E_USAGE, "the repository name is not valid for this registry" },
	{ "TAG_INVALID", E_CONFLICT, "the tag was refused (not a valid tag, or the repository's "
				     "tags are immutable)" },
	{ "MANIFEST_INVALID", E_HTTP, "the registry refused the manifest as invalid" },
	{ "MANIFEST_UNKNOWN", E_NOTFOUND, "manifest not found" },
	{ "MANIFEST_BLOB_UNKNOWN", E_NOTFOUND, "the manifest references a blob the registry "
					       "does not have" },
	{ "MANIFEST_UNVERIFIED", E_HTTP, "the registry could not verify the manifest" },
	{ "BLOB_UNKNOWN", E_NOTFOUND, "blob not found" },
	{ "BLOB_UPLOAD_UNKNOWN", E_HTTP, "the upload session is gone (expired or cancelled)" },
	{ "BLOB_UPLOAD_INVALID", E_HTTP, "the registry refused the upload" },
	{ "DIGEST_INVALID", E_INTEGRITY, "the uploaded content does not match its digest" },
	{ "SIZE_INVALID", E_INTEGRITY, "the uploaded content does not have the declared size" },
	{ "UNSUPPORTED", E_HTTP, "the registry does not support this operation" },
	{ "TOOMANYREQUESTS", E_HTTP, "rate limited by the registry (too many requests)" },
};

int registry_error_from_response(const struct http_response *resp, const char *what)
{
	json_t *root = NULL, *first = NULL;
	const char *code = NULL, *msg = NULL;
	int rc;

	if (resp->body.len)
		root = json_loadb(resp->body.data, resp->body.len, 0, NULL);
	first = json_array_get(json_object_get(root, "errors"), 0);
	if (json_is_object(first)) {
		code = json_string_value(json_object_get(first, "code"));
		msg = json_string_value(json_object_get(first, "message"));
	} else if (json_is_object(root)) {
		code = json_string_value(json_object_get(root, "__type"));
		msg = json_string_value(json_object_get(root, "message"));
	}
	if (!msg)
		msg = "";
	/* ECR immutable tags: a TAG_INVALID or an exception naming it. */
	if ((code && strstr(code, "ImageTagAlreadyExistsException")) ||
	    strstr(msg, "ImageTagAlreadyExistsException") ||
	    strstr(msg, "cannot be overwritten because the repository is immutable") ||
	    (resp->body.len && strstr(resp->body.data, "ImageTagAlreadyExistsException"))) {
		rc = err_set(E_CONFLICT, "%s: the tag already exists and the repository's tags "
			     "are immutable (ECR ImageTagAlreadyExistsException); push a new tag "
			     "instead of moving this one", what);
		goto out;
	}
	if (code) {
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
			if (strcmp(code, known[i].code))
				continue;
			rc = err_set(known[i].err, "%s: %s (%s%s%.200s, HTTP %ld)", what,
				     known[i].sentence, code, *msg ? ": " : "", msg, resp->status);
			goto out;
		}
		rc = err_set(E_HTTP, "%s: the registry answered %ld %.60s%s%.200s", what,
			     resp->status, code, *msg ? ": " : "", msg);
		goto out;
	}
	switch (resp->status) {
	case 401:
		rc = err_set(E_AUTH, "%s: authentication required (HTTP 401)", what);
		break;
	case 403:
		rc = err_set(E_AUTH, "%s: access denied (HTTP 403)", what);
		break;
	case 404:
		rc = err_set(E_NOTFOUND, "%s: not found (HTTP 404)", what);
		break;
	case 429:
		rc = err_set(E_HTTP, "%s: rate limited by the registry (HTTP 429), still after "
			     "retries", what);
		break;
	default:
		rc = err_set(E_HTTP, "%s: the registry answered HTTP %ld%s", what, resp->status,
			     resp->status >= 500 ? " (a server error, still after retries)" : "");
	}
out:
	json_decref(root);
	return rc;
}

int registry_error_retryable(int rc)
{
	return rc == E_NET || rc == E_TIMEOUT || rc == E_HTTP;
}
