// tessera: the desktop sync daemon and its command line (daemon/cli/).
#include "daemon/cli/commands.h"

int main(int argc, char** argv) { return tessera::daemon::cli::RunCli(argc, argv); }
