/* cli.h - the command line: argument parsing and the run/validate/explain/docs/gen commands. */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

int cli_main(int argc, char **argv);
/* `sluice gen nexmark ...` (gen.c); argv starts after "gen". */
int cli_gen(int argc, char **argv);
/* `sluice diff LEFT RIGHT --key ...` (diff.c); argv starts after "diff". */
int cli_diff(int argc, char **argv);
/* `sluice migrate ...` (migrate.c); argv starts after "migrate". */
int cli_migrate(int argc, char **argv);

/* `sluice inventory ...` (inventory_cmd.c); argv starts after "inventory". */
int cli_inventory(int argc, char **argv);

#endif
