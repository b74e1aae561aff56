/*
** cli.h — the zhs command-line program: one file per subcommand, this
** header for what they share (option parsing, errors, output helpers).
*/
#ifndef ZHS_CLI_H
#define ZHS_CLI_H

#include "common.h"

#include <stdio.h>

/* Exit codes: 0 success (search: hits), 1 search without hits, 2 error. */
enum { CLI_OK = 0, CLI_NOHITS = 1, CLI_ERR = 2 };

int cmd_analyze(int argc, char **argv);
int cmd_segment(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_serve(int argc, char **argv);    /* server/serve.c */

/* Prints "zhs: message" to stderr and returns CLI_ERR. */
int cli_error(const zhs_error *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) ZHS_PRINTF(2, 3);

/* Option helpers: match "--name" or "--name=value"; *i advances past the
** value.  Return true when argv[*i] is this option. */
bool cli_opt_flag(char **argv, int i, const char *name);
bool cli_opt_value(int argc, char **argv, int *i, const char *name, const char **value);
bool cli_parse_double(const char *s, double *out);
bool cli_parse_size(const char *s, size_t *out);

/* Reads all of stdin into b. */
bool cli_read_stdin(zhs_buf *b);

/* Is id among ids[0..n)?  Pieces of one long JSONL record share its id:
** runs and metrics count an id once, at its best rank. */
bool cli_id_seen(const char *const *ids, size_t n, const char *id);


/* Total size of the regular files in a directory tree. */
uint64_t cli_dir_size(const char *dir);

#endif
