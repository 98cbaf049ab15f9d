/* SPDX-License-Identifier: MIT */
#include <unistd.h>

#include "cli/commands.h"
#include "common/journal.h"
#include "common/log.h"

int main(int argc, char **argv)
{
	/* Under systemd stderr is the journal: each log line says its priority there. */
	if (journal_stream_is(STDERR_FILENO))
		log_set_journal(true);
	return cli_main(argc, argv);
}
