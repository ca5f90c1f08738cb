/*
 * cmd: one file per command. Each parses its inputs, calls the modules and writes outputs;
 * none speaks a protocol itself. The table in main.c lists them.
 */
#ifndef CONVOY_CMD_CMD_H
#define CONVOY_CMD_CMD_H

#include "actions/input.h"
#include "actions/runtime.h"

struct command {
	const char *name;
	int (*run)(struct rt *rt, int argc, char **argv);
	const struct input_def *inputs;
	const char *summary;
};

#define DECLARE_COMMAND(id)                                        \
	int cmd_##id(struct rt *rt, int argc, char **argv);        \
	extern const struct input_def cmd_##id##_inputs[];         \
	extern const char cmd_##id##_summary[]

DECLARE_COMMAND(tags);
DECLARE_COMMAND(push);
DECLARE_COMMAND(merge);
DECLARE_COMMAND(promote);
DECLARE_COMMAND(history);
DECLARE_COMMAND(rollback);
DECLARE_COMMAND(plan_comment);
DECLARE_COMMAND(deploy);
DECLARE_COMMAND(sign);
DECLARE_COMMAND(verify);
DECLARE_COMMAND(prune);

#endif
