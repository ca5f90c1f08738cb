/* aws/profile: a profile's credentials, following role chains; see profile.h. */
#include "aws/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "aws/sts.h"
#include "aws/webid.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/strlist.h"

#define PROFILE_MAX_FILE (1024 * 1024)
#define PROFILE_MAX_PROCESS_OUTPUT (64 * 1024)
#define PROFILE_MAX_CHAIN 16

struct aws_files {
	struct buf config, creds;
	char *config_path, *creds_path; /* as shown: "~/.aws/config" or the variable's value */
	int have_config, have_creds;
};

static const char *env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int load_one(struct buf *text, char **shown, int *have, const char *var,
		    const char *name)
{
	const char *path = env_nonempty(var), *home = env_nonempty("HOME");
	struct buf p = BUF_INIT;
	int rc;

	if (path)
		rc = buf_puts(&p, path);
	else if (home)
		rc = buf_printf(&p, "%s/.aws/%s", home, name);
	else
		return 0;
	if (!rc) {
		buf_init(text, PROFILE_MAX_FILE);
		rc = buf_read_file(text, buf_cstr(&p), PROFILE_MAX_FILE);
		if (!rc) {
			*have = 1;
		} else if (rc == E_NOTFOUND && !path) {
			rc = 0; /* no default file: nothing there */
		} else {
			rc = err_set(E_USAGE, "%s%s%s: cannot be read: %s", path ? var : "",
				     path ? " " : "", buf_cstr(&p), err_msg());
		}
	}
	if (!rc)
		*shown = buf_detach(&p);
	buf_free(&p);
	return rc;
}

static void files_free(struct aws_files *f)
{
	buf_free_secret(&f->config);
	buf_free_secret(&f->creds);
	free(f->config_path);
	free(f->creds_path);
}

static int files_load(struct aws_files *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = load_one(&f->config, &f->config_path, &f->have_config, "AWS_CONFIG_FILE", "config");
	if (!rc)
		rc = load_one(&f->creds, &f->creds_path, &f->have_creds,
			      "AWS_SHARED_CREDENTIALS_FILE", "credentials");
	if (rc)
		files_free(f);
	return rc;
}

/* The profile from both files (credentials file keys win); E_NOTFOUND when in neither. */
static int files_profile(const struct aws_files *f, const char *name, struct aws_profile *p)
{
	int found = 0, rc = 0;

	memset(p, 0, sizeof(*p));
	if (f->have_config) {
		rc = aws_profile_parse(p, buf_cstr(&f->config), f->config.len, name);
		found |= !rc;
		if (rc == E_NOTFOUND)
			rc = 0;
	}
	if (!rc && f->have_creds) {
		rc = aws_profile_parse(p, buf_cstr(&f->creds), f->creds.len, name);
		found |= !rc;
		if (rc == E_NOTFOUND)
			rc = 0;
	}
	if (!rc && !found)
		rc = E_NOTFOUND;
	if (rc)
		aws_profile_free(p);
	return rc;
}

/* The file that gave profile name its access key: the credentials file when it has one. */
static const char *keys_where(const struct aws_files *f, const char *name)
{
	struct aws_profile p;
	const char *where = f->config_path;

	memset(&p, 0, sizeof(p));
	if (f->have_creds && !aws_profile_parse(&p, buf_cstr(&f->creds), f->creds.len, name) &&
	    p.access_key_id)
		where = f->creds_path;
	aws_profile_free(&p);
	return where ? where : "~/.aws/credentials";
}

static const char *files_where(const struct aws_files *f)
{
	return f->have_config ? f->config_path : f->creds_path ? f->creds_path : "~/.aws/config";
}

int aws_profile_region_dup(char **out, const char *profile)
{
	struct aws_files f;
	struct aws_profile p;
	int rc;

	*out = NULL;
	rc = files_load(&f);
	if (rc)
		return rc;
	rc = files_profile(&f, profile, &p);
	if (!rc) {
		*out = p.region;
		p.region = NULL;
		aws_profile_free(&p);
	}
	files_free(&f);
	return rc == E_NOTFOUND ? 0 : rc;
}

/* credential_process: its stdout is JSON with secrets, so no message ever quotes it. */
static int run_process(struct aws_creds *out, const char *profile, const char *cmd)
{
	struct buf text = BUF_INIT, what = BUF_INIT;
	FILE *p;
	int rc, st;

	rc = buf_printf(&what, "credential_process of profile %s", profile);
	if (rc)
		return rc;
	fflush(NULL);
	p = popen(cmd, "r"); /* /bin/sh -c cmd, as the SDKs run it */
	if (!p) {
		rc = err_set(E_AUTH, "%s: cannot be started", buf_cstr(&what));
		goto out;
	}
	rc = buf_read_fd(&text, fileno(p), PROFILE_MAX_PROCESS_OUTPUT);
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (st != -1 && WIFEXITED(st))
			rc = err_set(E_AUTH, "%s failed: the command exited with status %d (its "
					     "output is not shown: it may hold secrets)",
				     buf_cstr(&what), WEXITSTATUS(st));
		else
			rc = err_set(E_AUTH, "%s failed: the command did not exit normally",
				     buf_cstr(&what));
		goto out;
	}
	if (rc) {
		rc = err_set(E_AUTH, "%s: its output cannot be read (over %d KiB?)",
			     buf_cstr(&what), PROFILE_MAX_PROCESS_OUTPUT / 1024);
		goto out;
	}
	rc = aws_creds_parse_process_json(out, buf_cstr(&text), text.len, buf_cstr(&what));
	if (!rc)
		rc = aws_creds_set(&out->source, buf_cstr(&what), what.len);
out:
	buf_free_secret(&text);
	buf_free(&what);
	return rc;
}

static int set_static(struct aws_creds *out, const struct aws_profile *p)
{
	int rc = aws_creds_set(&out->access_key_id, p->access_key_id, strlen(p->access_key_id));

	if (!rc)
		rc = aws_creds_set(&out->secret_access_key, p->secret_access_key,
				   strlen(p->secret_access_key));
	if (!rc && p->session_token && *p->session_token)
		rc = aws_creds_set(&out->session_token, p->session_token,
				   strlen(p->session_token));
	return rc;
}

struct chain {
	const struct aws_files *f;
	struct rt *rt;
	struct http_client *http;
	const char *region;
	struct strlist seen; /* the profiles on the way here, in order */
};

static int resolve(struct chain *ch, const char *name, struct aws_creds *out);

static int loop_error(struct chain *ch, const char *name)
{
	struct buf path = BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < ch->seen.len && !rc; i++)
		rc = buf_printf(&path, "%s -> ", ch->seen.items[i]);
	if (!rc)
		rc = buf_puts(&path, name);
	if (!rc)
		rc = err_set(E_USAGE, "AWS profiles %s: a source_profile loop in %s (each "
				      "source_profile must lead to a profile with keys)",
			     buf_cstr(&path), files_where(ch->f));
	buf_free(&path);
	return rc;
}

/* role_arn: the source's credentials, then STS AssumeRole (or the web identity token). */
static int assume(struct chain *ch, const char *name, const struct aws_profile *p,
		  struct aws_creds *out)
{
	struct aws_creds src;
	struct aws_sts_role role = { p->role_arn, p->role_session_name, p->external_id, 0 };
	struct buf what = BUF_INIT, from = BUF_INIT;
	int rc = 0;

	memset(&src, 0, sizeof(src));
	if (p->duration_seconds) {
		char *end;
		unsigned long d = strtoul(p->duration_seconds, &end, 10);

		if (*end || d < 900 || d > 43200)
			return err_set(E_USAGE, "profile %s in %s: duration_seconds '%s' is not a "
						"number of seconds from 900 to 43200",
				       name, files_where(ch->f), p->duration_seconds);
		role.duration_s = d;
	}
	if (p->web_identity_token_file) {
		rc = buf_printf(&what, "profile %s's web_identity_token_file", name);
		if (!rc)
			rc = aws_webid_creds(out, ch->rt, ch->http, ch->region, &role,
					     p->web_identity_token_file, buf_cstr(&what));
		if (!rc)
			rc = buf_printf(&from, "web identity token file");
		goto done;
	}
	if (p->source_profile && !strcmp(p->source_profile, name) && p->access_key_id &&
	    p->secret_access_key) {
		/* a profile may be its own source: its keys assume its role */
		rc = set_static(&src, p);
	} else if (p->source_profile) {
		rc = resolve(ch, p->source_profile, &src);
	} else if (p->credential_source && !strcmp(p->credential_source, "Environment")) {
		const char *id = env_nonempty("AWS_ACCESS_KEY_ID");
		const char *sk = env_nonempty("AWS_SECRET_ACCESS_KEY");
		const char *tk = env_nonempty("AWS_SESSION_TOKEN");

		if (!id || !sk)
			return err_set(E_AUTH, "profile %s in %s: credential_source = Environment "
					       "but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
					       "are not set",
				       name, files_where(ch->f));
		rc = aws_creds_set(&src.access_key_id, id, strlen(id));
		if (!rc)
			rc = aws_creds_set(&src.secret_access_key, sk, strlen(sk));
		if (!rc && tk)
			rc = aws_creds_set(&src.session_token, tk, strlen(tk));
		if (!rc)
			rc = aws_creds_set(&src.source, "environment", 11);
	} else if (p->credential_source) {
		return err_set(E_USAGE, "profile %s in %s: credential_source '%s' is not supported "
					"by convoy (Environment is; or use source_profile)",
			       name, files_where(ch->f), p->credential_source);
	} else {
		return err_set(E_USAGE, "profile %s in %s has role_arn but no source_profile (or "
					"web_identity_token_file, credential_source) to assume it "
					"with",
			       name, files_where(ch->f));
	}
	if (rc)
		goto out;
	rc = aws_sts_assume_role(ch->rt, ch->http, ch->region, &src, &role, out);
	if (!rc)
		rc = buf_printf(&from, "%s", src.source ? src.source : "its own keys");
done:
	if (!rc) {
		struct buf s = BUF_INIT;

		rc = buf_printf(&s, "profile %s (role %s, from %s)", name, p->role_arn,
				buf_cstr(&from));
		if (!rc)
			rc = aws_creds_set(&out->source, buf_cstr(&s), s.len);
		buf_free(&s);
	}
out:
	aws_creds_free(&src);
	buf_free(&what);
	buf_free(&from);
	return rc;
}

static int resolve(struct chain *ch, const char *name, struct aws_creds *out)
{
	struct aws_profile p;
	int rc;

	if (strlist_contains(&ch->seen, name))
		return loop_error(ch, name);
	if (ch->seen.len >= PROFILE_MAX_CHAIN)
		return err_set(E_USAGE, "AWS profile %s: over %d source_profile steps", name,
			       PROFILE_MAX_CHAIN);
	rc = files_profile(ch->f, name, &p);
	if (rc == E_NOTFOUND && ch->seen.len)
		return err_set(E_USAGE, "profile %s (source_profile of profile %s) is not in %s%s%s",
			       name, ch->seen.items[ch->seen.len - 1],
			       ch->f->config_path ? ch->f->config_path : "",
			       ch->f->config_path && ch->f->creds_path ? " or " : "",
			       ch->f->creds_path ? ch->f->creds_path : "");
	if (rc)
		return rc;
	rc = strlist_add(&ch->seen, name);
	if (rc)
		goto out;
	if (p.role_arn) {
		rc = assume(ch, name, &p, out);
	} else if (p.access_key_id && p.secret_access_key) {
		struct buf s = BUF_INIT;

		rc = set_static(out, &p);
		if (!rc)
			rc = buf_printf(&s, "profile %s in %s", name, keys_where(ch->f, name));
		if (!rc)
			rc = aws_creds_set(&out->source, buf_cstr(&s), s.len);
		buf_free(&s);
	} else if (p.credential_process) {
		rc = run_process(out, name, p.credential_process);
	} else {
		rc = err_set(E_AUTH, "profile %s in %s has no credentials: no aws_access_key_id and "
				     "aws_secret_access_key, role_arn or credential_process",
			     name, files_where(ch->f));
	}
out:
	aws_profile_free(&p);
	return rc;
}

int aws_profile_creds(struct aws_creds *out, struct rt *rt, struct http_client *http,
		      const char *region, const char *profile, int asked)
{
	struct aws_files f;
	struct chain ch = { &f, rt, http, region, STRLIST_INIT };
	int rc;

	rc = files_load(&f);
	if (rc)
		return rc;
	rc = resolve(&ch, profile, out);
	if (rc == E_NOTFOUND && asked)
		rc = err_set(E_USAGE, "AWS_PROFILE '%s' is not a profile in %s%s%s", profile,
			     f.config_path ? f.config_path : "",
			     f.config_path && f.creds_path ? " or " : "",
			     f.creds_path ? f.creds_path : "");
	if (!rc && rt) {
		rc = rt_mask(rt, out->secret_access_key);
		if (!rc)
			rc = rt_mask(rt, out->session_token);
	}
	strlist_clear(&ch.seen);
	files_free(&f);
	return rc;
}
