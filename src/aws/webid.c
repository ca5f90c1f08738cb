/* aws/webid: a token file exchanged for a role session; see webid.h. */
#include "aws/webid.h"

#include <ctype.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

#define WEBID_MAX_TOKEN (64 * 1024)

int aws_webid_creds(struct aws_creds *out, struct rt *rt, struct http_client *http,
		    const char *region, const struct aws_sts_role *role, const char *token_file,
		    const char *what)
{
	struct buf tok = BUF_INIT;
	int rc;

	rc = buf_read_file(&tok, token_file, WEBID_MAX_TOKEN);
	if (rc) {
		rc = err_set(E_USAGE, "%s %s: cannot be read (the web identity token for role %s)",
			     what, token_file, role->role_arn);
		goto out;
	}
	while (tok.len && isspace((unsigned char)tok.data[tok.len - 1]))
		tok.data[--tok.len] = '\0';
	if (!tok.len) {
		rc = err_set(E_USAGE, "%s %s is empty (the web identity token for role %s)", what,
			     token_file, role->role_arn);
		goto out;
	}
	if (rt)
		rc = rt_mask(rt, buf_cstr(&tok));
	if (!rc)
		rc = aws_sts_assume_role_with_web_identity(rt, http, region, buf_cstr(&tok), role,
							   out);
out:
	buf_free_secret(&tok);
	return rc;
}
