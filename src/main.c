/* main: the command table and dispatch, nothing else. */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "actions/command.h"
#include "actions/runtime.h"
#include "cmd/cmd.h"
#include "util/err.h"
#include "util/suggest.h"

#define COMMAND(n, id) { n, cmd_##id, cmd_##id##_inputs, cmd_##id##_summary }

static const struct command commands[] = {
	COMMAND("tags", tags),
	COMMAND("push", push),
	COMMAND("merge", merge),
	COMMAND("promote", promote),
	COMMAND("history", history),
	COMMAND("rollback", rollback),
	COMMAND("plan-comment", plan_comment),
	COMMAND("deploy", deploy),
	COMMAND("sign", sign),
	COMMAND("verify", verify),
	COMMAND("prune", prune),
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* "unknown command 'promot'; did you mean 'promote'?" (see 'convoy help'), exit 2. */
static int unknown_command(const char *name)
{
	const char *names[NCOMMANDS + 1];
	const char *near;

	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	names[NCOMMANDS] = NULL;
	near = suggest_nearest(name, strlen(name), names, 0);
	if (near)
		fprintf(stderr, "convoy: unknown command '%s'; did you mean '%s'? (see 'convoy help')\n",
			name, near);
	else
		fprintf(stderr, "convoy: unknown command '%s' (see 'convoy help')\n", name);
	return 2;
}

/*
 * The exit status: 2 for a usage error (an unknown option, a malformed or missing value, an
 * input file that says something convoy cannot take: E_USAGE), 1 for every failure at run
 * time, as git, curl and most Unix tools separate them.
 */
static int exit_status(int rc)
{
	return rc == 0 ? 0 : rc == E_USAGE ? 2 : 1;
}

static void print_version(void)
{
	printf("convoy %s (source %s)\n", CONVOY_VERSION, CONVOY_SOURCE_HASH);
}

static void print_help(FILE *f)
{
	fprintf(f, "usage: convoy <command> [options]\n\n"
		   "Takes a container image from build to production: no Docker daemon, no Node.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n  convoy help <command>   options of a command\n"
		   "  convoy --version        version and source hash\n");
}

static int has_help_flag(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	struct rt rt;
	int rc;

	if (argc < 2) {
		print_help(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		print_version();
		return 0;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc > 2) {
			cmd = find_command(argv[2]);
			if (!cmd)
				return unknown_command(argv[2]);
			inputs_usage(stdout, cmd->name, cmd->summary, cmd->inputs);
			return 0;
		}
		print_help(stdout);
		return 0;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	if (has_help_flag(argc - 2, argv + 2)) {
		inputs_usage(stdout, cmd->name, cmd->summary, cmd->inputs);
		return 0;
	}
	if (rt_init(&rt)) {
		fprintf(stderr, "convoy: %s\n", err_msg());
		return 1;
	}
	rt.command = cmd->name;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	err_clear();
	rc = cmd->run(&rt, argc - 2, argv + 2);
	if (!rc)
		rc = rt_finish(&rt, 0);
	else
		(void)rt_finish(&rt, rc);
	if (rc)
		wf_error(&rt, NULL, NULL, "convoy %s: %s", cmd->name, err_msg());
	rc = exit_status(rc);
	rt_free(&rt);
	curl_global_cleanup();
	return rc;
}
