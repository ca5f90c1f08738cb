/* Unit tests for git/: repository facts from a repository built here with the git CLI. */
#include "test.h"

#include <stdlib.h>

#include "git/repo.h"
#include "util/err.h"

static char dir[] = "/tmp/convoy-test-git.XXXXXX";

static int sh(const char *cmd)
{
	char line[1024];

	snprintf(line, sizeof(line),
		 "cd %s && GIT_CONFIG_NOSYSTEM=1 HOME=%s GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e "
		 "GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@e GIT_COMMITTER_DATE=2021-03-04T05:06:07Z "
		 "sh -c '%s' >/dev/null 2>&1",
		 dir, dir, cmd);
	return system(line);
}

static void test_git__reads_branch_tags_and_default_branch(void)
{
	struct convoy_git_facts f;
	char path[256];

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(sh("git init -q -b main src && cd src && echo a >a && git add a && "
		     "git commit -qm one && git tag -a v1.0.0 -m r && git tag light && "
		     "cd .. && git clone -q src work"), 0);
	snprintf(path, sizeof(path), "%s/work", dir);
	CHECK_INT(convoy_git_facts_read(path, NULL, &f), 0);
	CHECK_STR(f.branch, "main");
	CHECK_STR(f.default_branch, "main");
	CHECK_INT(f.detached, 0);
	CHECK_INT(f.tags_at_head.len, 2);
	CHECK_STR(f.tags_at_head.items[0], "light");
	CHECK_STR(f.tags_at_head.items[1], "v1.0.0");
	CHECK_INT(f.head_time_ms, 1614834367000LL);
	CHECK(f.head_sha && strlen(f.head_sha) == 40);
	convoy_git_facts_free(&f);
	CHECK_INT(sh("cd work && git checkout -q --detach HEAD"), 0);
	CHECK_INT(convoy_git_facts_read(path, NULL, &f), 0);
	CHECK_INT(f.detached, 1);
	CHECK(f.branch == NULL);
	CHECK_INT(f.branches_at_head.len, 1);
	convoy_git_facts_free(&f);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK_INT(system(path), 0);
}

static void test_git__no_repository_is_not_found(void)
{
	struct convoy_git_facts f;

	CHECK_INT(convoy_git_facts_read("/", NULL, &f), E_NOTFOUND);
}

TEST_MAIN(TEST(test_git__reads_branch_tags_and_default_branch),
	  TEST(test_git__no_repository_is_not_found))
