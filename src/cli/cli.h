/* cli.h - the command line: argument parsing and the run/validate/explain/docs commands. */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

int cli_main(int argc, char **argv);

#endif
