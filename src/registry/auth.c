/*
 * auth: WWW-Authenticate parsing, credential discovery (explicit, Docker config.json,
 * credential helpers, registered providers). The token flow itself lives in client.c, which
 * owns the token cache; this file does no HTTP.
 */
#include "registry/auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "util/buf.h"
#include "util/err.h"

#define CONFIG_MAX (4u * 1024 * 1024)
#define HELPER_OUT_MAX (1u * 1024 * 1024)

static void wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

void registry_creds_free(struct registry_creds *c)
{
	if (!c)
		return;
	free(c->username);
	wipe_free(c->password);
	wipe_free(c->identity_token);
	free(c->source);
	memset(c, 0, sizeof(*c));
}

void registry_challenge_free(struct registry_challenge *c)
{
	if (!c)
		return;
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

static int is_token_char(char ch)
{
	return isalnum((unsigned char)ch) || strchr("!#$%&'*+-.^_`|~", ch);
}

int registry_challenge_parse(struct registry_challenge *out, const char *h)
{
	const char *p = h, *start;
	struct buf name = BUF_INIT, val = BUF_INIT;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!h)
		return err_set(E_HTTP, "WWW-Authenticate: empty header");
	while (*p == ' ' || *p == '\t')
		p++;
	start = p;
	while (*p && is_token_char(*p))
		p++;
	if (p == start)
		return err_set(E_HTTP, "WWW-Authenticate: no auth scheme in '%.80s'", h);
	if (!(out->scheme = strndup(start, (size_t)(p - start))))
		return err_set(E_NOMEM, "out of memory");
	for (char *s = out->scheme; *s; s++)
		*s = (char)tolower((unsigned char)*s);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		buf_reset(&name);
		buf_reset(&val);
		start = p;
		while (*p && is_token_char(*p))
			p++;
		if (p == start) {
			rc = err_set(E_HTTP, "WWW-Authenticate: unexpected '%c' in '%.80s'", *p, h);
			goto out;
		}
		if (buf_add(&name, start, (size_t)(p - start)))
			goto nomem;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=') {
			/* A new scheme (several challenges) or a token68: stop at the first one. */
			break;
		}
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				if (buf_putc(&val, *p++))
					goto nomem;
			}
			if (*p != '"') {
				rc = err_set(E_HTTP, "WWW-Authenticate: unterminated quoted string "
					     "in '%.80s'", h);
				goto out;
			}
			p++;
		} else {
			start = p;
			while (*p && *p != ',' && *p != ' ' && *p != '\t')
				p++;
			if (buf_add(&val, start, (size_t)(p - start)))
				goto nomem;
		}
		{
			char **slot = NULL;
			const char *n = buf_cstr(&name);

			if (!strcasecmp(n, "realm"))
				slot = &out->realm;
			else if (!strcasecmp(n, "service"))
				slot = &out->service;
			else if (!strcasecmp(n, "scope"))
				slot = &out->scope;
			else if (!strcasecmp(n, "error"))
				slot = &out->error;
			if (slot && !*slot && !(*slot = strdup(buf_cstr(&val))))
				goto nomem;
		}
	}
	goto out;
nomem:
	rc = err_set(E_NOMEM, "out of memory");
out:
	buf_free(&name);
	buf_free(&val);
	if (rc)
		registry_challenge_free(out);
	return rc;
}

int registry_host_is_ecr(const char *host, char **account, char **region)
{
	const char *p = host, *dot;
	size_t alen;
	const char *reg;

	if (account)
		*account = NULL;
	if (region)
		*region = NULL;
	while (isdigit((unsigned char)*p))
		p++;
	alen = (size_t)(p - host);
	if (alen != 12)
		return 0;
	if (!strncmp(p, ".dkr.ecr.", 9))
		p += 9;
	else if (!strncmp(p, ".dkr.ecr-fips.", 14))
		p += 14;
	else
		return 0;
	reg = p;
	dot = strchr(p, '.');
	if (!dot || dot == reg)
		return 0;
	for (const char *q = reg; q < dot; q++)
		if (!islower((unsigned char)*q) && !isdigit((unsigned char)*q) && *q != '-')
			return 0;
	if (strcmp(dot, ".amazonaws.com") && strcmp(dot, ".amazonaws.com.cn"))
		return 0;
	if (account)
		*account = strndup(host, alen);
	if (region)
		*region = strndup(reg, (size_t)(dot - reg));
	return 1;
}

/* "https://index.docker.io/v1/" -> "index.docker.io"; "ghcr.io" -> "ghcr.io". */
static int key_host_eq(const char *key, const char *host)
{
	const char *k = key, *end;
	size_t n;

	if (!strncasecmp(k, "https://", 8))
		k += 8;
	else if (!strncasecmp(k, "http://", 7))
		k += 7;
	end = strchr(k, '/');
	n = end ? (size_t)(end - k) : strlen(k);
	if (n == strlen(host) && !strncasecmp(k, host, n))
		return 1;
	/* Docker Hub is stored under its index name. */
	if ((!strcmp(host, "docker.io") || !strcmp(host, "registry-1.docker.io") ||
	     !strcmp(host, "index.docker.io")) &&
	    ((n == 15 && !strncasecmp(k, "index.docker.io", 15)) ||
	     (n == 9 && !strncasecmp(k, "docker.io", 9)) ||
	     (n == 20 && !strncasecmp(k, "registry-1.docker.io", 20))))
		return 1;
	return 0;
}

static json_t *obj_lookup_host(json_t *obj, const char *host)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	/* An exact key first, then one with scheme/path. */
	if ((v = json_object_get(obj, host)))
		return v;
	json_object_foreach(obj, key, v)
		if (key_host_eq(key, host))
			return v;
	return NULL;
}

static int decode_auth(const char *b64, struct registry_creds *out)
{
	size_t n = strlen(b64);
	unsigned char *raw = malloc(n / 4 * 3 + 4);
	int len, rc = 0;
	char *colon;

	if (!raw)
		return err_set(E_NOMEM, "out of memory");
	len = EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)n);
	if (len < 0) {
		rc = err_set(E_USAGE, "docker config: an 'auth' value is not valid base64");
		goto out;
	}
	/* EVP_DecodeBlock counts padding bytes as output. */
	while (n && b64[n - 1] == '=' && len > 0) {
		n--;
		len--;
	}
	raw[len] = 0;
	colon = strchr((char *)raw, ':');
	if (!colon || colon == (char *)raw) {
		rc = err_set(E_USAGE, "docker config: an 'auth' value is not base64 of user:password");
		goto out;
	}
	*colon = 0;
	out->username = strdup((char *)raw);
	out->password = strdup(colon + 1);
	if (!out->username || !out->password)
		rc = err_set(E_NOMEM, "out of memory");
out:
	memset(raw, 0, n / 4 * 3 + 4);
	free(raw);
	return rc;
}

/* Which helper (credHelpers[host], else credsStore) and the auths entry. */
static int config_parse(const char *json, size_t len, const char *host, struct registry_creds *out,
			char **helper)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr), *v, *entry;
	int rc = E_NOTFOUND;

	*helper = NULL;
	if (!root)
		return err_set(E_USAGE, "docker config: invalid JSON at line %d: %s", jerr.line,
			       jerr.text);
	if (!json_is_object(root)) {
		rc = err_set(E_USAGE, "docker config: expected a JSON object");
		goto out;
	}
	v = obj_lookup_host(json_object_get(root, "credHelpers"), host);
	if (json_is_string(v) && json_string_length(v)) {
		*helper = strdup(json_string_value(v));
		rc = *helper ? 0 : err_set(E_NOMEM, "out of memory");
		goto out;
	}
	entry = obj_lookup_host(json_object_get(root, "auths"), host);
	if (json_is_object(entry)) {
		json_t *a = json_object_get(entry, "auth");
		json_t *it = json_object_get(entry, "identitytoken");
		json_t *u = json_object_get(entry, "username");
		json_t *pw = json_object_get(entry, "password");

		if (json_is_string(a) && json_string_length(a)) {
			rc = decode_auth(json_string_value(a), out);
		} else if (json_is_string(u) && json_is_string(pw) && json_string_length(u)) {
			out->username = strdup(json_string_value(u));
			out->password = strdup(json_string_value(pw));
			rc = out->username && out->password ? 0 : err_set(E_NOMEM, "out of memory");
		}
		if (!rc || rc == E_NOTFOUND) {
			if (json_is_string(it) && json_string_length(it)) {
				if (!out->username)
					out->username = strdup("<token>");
				out->identity_token = strdup(json_string_value(it));
				rc = out->identity_token ? 0 : err_set(E_NOMEM, "out of memory");
			}
		}
		if (!rc)
			out->source = strdup("docker config.json auths");
		if (rc != E_NOTFOUND)
			goto out;
	}
	v = json_object_get(root, "credsStore");
	if (json_is_string(v) && json_string_length(v)) {
		*helper = strdup(json_string_value(v));
		rc = *helper ? 0 : err_set(E_NOMEM, "out of memory");
	}
out:
	json_decref(root);
	if (rc && rc != E_NOTFOUND)
		registry_creds_free(out);
	return rc;
}

static int helper_name_valid(const char *h)
{
	if (!*h)
		return 0;
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return 0;
	return 1;
}

int registry_config_lookup_json(const char *json, size_t len, const char *host,
				struct registry_creds *out)
{
	char *helper = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = config_parse(json, len, host, out, &helper);
	if (!rc && helper) {
		rc = registry_cred_helper_get(helper, host, out);
		free(helper);
	}
	return rc;
}

static int is_regular_file(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISREG(st.st_mode);
}

int registry_config_lookup(const char *config_dir, const char *host, struct registry_creds *out)
{
	struct buf path = BUF_INIT, text = BUF_INIT;
	const char *dir = config_dir;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!dir || !*dir)
		dir = getenv("DOCKER_CONFIG");
	if (config_dir && *config_dir && is_regular_file(config_dir))
		rc = buf_puts(&path, config_dir); /* a config.json named directly */
	else if (dir && *dir)
		rc = buf_printf(&path, "%s/config.json", dir);
	else if (getenv("HOME"))
		rc = buf_printf(&path, "%s/.docker/config.json", getenv("HOME"));
	else
		return E_NOTFOUND;
	if (rc)
		goto out;
	if (access(buf_cstr(&path), F_OK)) {
		rc = E_NOTFOUND;
		goto out;
	}
	rc = buf_read_file(&text, buf_cstr(&path), CONFIG_MAX);
	if (rc) {
		rc = err_wrap(rc, "reading %s", buf_cstr(&path));
		goto out;
	}
	rc = registry_config_lookup_json(text.data ? text.data : "", text.len, host, out);
	if (rc && rc != E_NOTFOUND)
		err_wrap(rc, "%s", buf_cstr(&path));
out:
	buf_free_secret(&text);
	buf_free(&path);
	return rc;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Whether prog is an executable in one of $PATH's directories. */
static int on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p;
	struct buf b = BUF_INIT;
	int found = 0;

	for (p = path ? path : "/usr/bin:/bin"; !found && *p;) {
		size_t n = strcspn(p, ":");

		buf_reset(&b);
		if (!buf_printf(&b, "%.*s/%s", (int)n, n ? p : ".", prog))
			found = !access(buf_cstr(&b), X_OK);
		p += n + (p[n] == ':');
	}
	buf_free(&b);
	return found;
}

int registry_cred_helper_get(const char *helper, const char *host, struct registry_creds *out)
{
	int in_pipe[2] = { -1, -1 }, out_pipe[2] = { -1, -1 }, status = 0, rc = 0;
	struct buf prog = BUF_INIT, text = BUF_INIT;
	json_t *root = NULL;
	json_error_t jerr;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (!helper_name_valid(helper))
		return err_set(E_USAGE, "docker config: credential helper name '%s' is not valid",
			       helper);
	if (buf_printf(&prog, "docker-credential-%s", helper))
		return err_code();
	/* Checked before forking: a clear error, and no child whose exit code must be decoded. */
	if (!on_path(buf_cstr(&prog))) {
		rc = err_set(E_NOTFOUND, "credential helper %s is not on PATH", buf_cstr(&prog));
		goto out;
	}
	if (pipe(in_pipe) || pipe(out_pipe)) {
		rc = err_set(E_IO, "%s: pipe: %s", buf_cstr(&prog), strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = err_set(E_IO, "%s: fork: %s", buf_cstr(&prog), strerror(errno));
		goto out;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(in_pipe[0], 0);
		dup2(out_pipe[1], 1);
		/* A helper's stderr may echo input; keep it out of the logs. */
		if (devnull >= 0)
			dup2(devnull, 2);
		close(in_pipe[1]);
		close(out_pipe[0]);
		execlp(buf_cstr(&prog), buf_cstr(&prog), "get", (char *)NULL);
		_exit(127);
	}
	close(in_pipe[0]);
	in_pipe[0] = -1;
	close(out_pipe[1]);
	out_pipe[1] = -1;
	{
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);

		(void)write_all(in_pipe[1], host, strlen(host));
		signal(SIGPIPE, old);
	}
	close(in_pipe[1]);
	in_pipe[1] = -1;
	rc = buf_read_fd(&text, out_pipe[0], HELPER_OUT_MAX);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc) {
		rc = err_wrap(rc, "%s get", buf_cstr(&prog));
		goto out;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		rc = err_set(E_NOTFOUND, "credential helper %s is not on PATH", buf_cstr(&prog));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		/* "credentials not found in native keychain" means: none for this host. */
		if (text.data && strstr(text.data, "credentials not found")) {
			rc = E_NOTFOUND;
			goto out;
		}
		rc = err_set(E_AUTH, "credential helper %s failed for %s (exit status %d)",
			     buf_cstr(&prog), host, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto out;
	}
	root = json_loadb(text.data ? text.data : "", text.len, 0, &jerr);
	{
		json_t *u = json_object_get(root, "Username"), *s = json_object_get(root, "Secret");

		if (!json_is_string(u) || !json_is_string(s) || !json_string_length(s)) {
			rc = err_set(E_AUTH, "credential helper %s answered without Username and "
				     "Secret for %s", buf_cstr(&prog), host);
			goto out;
		}
		/* "<token>" as user name means the secret is an identity (refresh) token. */
		if (!strcmp(json_string_value(u), "<token>"))
			out->identity_token = strdup(json_string_value(s));
		else
			out->password = strdup(json_string_value(s));
		out->username = strdup(json_string_value(u));
		out->source = strdup(buf_cstr(&prog));
		if (!out->username || !(out->password || out->identity_token) || !out->source)
			rc = err_set(E_NOMEM, "out of memory");
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in_pipe[i] >= 0)
			close(in_pipe[i]);
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
	}
	json_decref(root);
	buf_free_secret(&text);
	buf_free(&prog);
	if (rc)
		registry_creds_free(out);
	return rc;
}
