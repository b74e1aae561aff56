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
int cmd_merge(int argc, char **argv);
int cmd_add(int argc, char **argv);      /* cmd_edit.c */
int cmd_delete(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_serve(int argc, char **argv);    /* server/serve.c */

/* Sets the allocator up for an index build (build_malloc.c); call before
** the writer opens. */
void cli_build_malloc(void);

/* Prints "zhs: message" to stderr and returns CLI_ERR. */
int cli_error(const zhs_error *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) ZHS_PRINTF(2, 3);

/* Option helpers: match "--name" or "--name=value"; *i advances past the
** value.  Return true when argv[*i] is this option. */
bool cli_opt_flag(char **argv, int i, const char *name);
bool cli_opt_value(int argc, char **argv, int *i, const char *name, const char **value);
bool cli_parse_double(const char *s, double *out);
/* Is arg an option (ASCII after the '-'), not a value or a query such as
** "-草案 数据"? */
bool cli_is_option(const char *arg);

/* Appends id as a TREC run column: bytes that would split or end the column
** (space, tab, control characters) and '%' itself are written %XX, so that
** ids with spaces (12 law file names have them) keep the run's six columns.
** Decoding %XX gives the id back; docs/API.md says so. */
void cli_trec_id(zhs_buf *out, const char *id);
bool cli_parse_size(const char *s, size_t *out);

/* Analyzer options shared by index, analyze and segment: --segmenter,
** --user-dict, --no-fold, --no-bigrams, --no-words.  Returns 1 when
** argv[*i] was one (*i advanced past its value), 0 when not, -1 after
** printing a usage error. */
int cli_analyzer_option(int argc, char **argv, int *i, zhs_analyzer_config *cfg, const char *cmd);

/* Tells the writer which file comes next (hashing it when its size or
** mtime changed): 1 when its passages are to be read and added, 0 when the
** index has it as it is (an update reads only what changed), or a negative
** status.  file: scratch for the hash. */
int cli_writer_source(zhs_writer *w, zhs_buf *file, const zhs_corpus_file *f, zhs_error *err);

/* Prints an analyzer warning (a bad user dictionary line) to stderr. */
void cli_warn_stderr(void *ctx, const char *message);

/* A stored passage path as the user should see it: relative to the working
** directory when the file lies below it, else absolute.  The pointer is
** into path. */
const char *cli_display_path(const char *path);

/* Reads all of stdin into b. */
bool cli_read_stdin(zhs_buf *b);

/* Is id among ids[0..n)?  Pieces of one long JSONL record share its id:
** runs and metrics count an id once, at its best rank. */
bool cli_id_seen(const char *const *ids, size_t n, const char *id);

/* ------------------------------------------------------------ eval.c */

/* The scores of the queries of one "kind" of an evaluation set. */
#define CLI_EVAL_KINDS 16
typedef struct cli_eval_kind {
    char name[64];
    size_t queries;
    double r1, r10, mrr;
} cli_eval_kind;

/* Quality of an index on an evaluation set (averages over queries), and
** per "kind" when the lines carry one (in order of first appearance). */
typedef struct cli_eval {
    size_t queries, empty;
    double r1, r5, r10, r20, mrr;
    double seconds;
    size_t nkinds;
    cli_eval_kind kinds[CLI_EVAL_KINDS];
} cli_eval;

/* Runs every query of the JSONL file qpath ({"qid","query","relevant"},
** optionally "kind";
** at most max of them, 0: all) for 20 hits and scores them; writes a TREC
** run to run when it is given.  opts: BM25 parameters (k is set to 20). */
int cli_eval_file(cli_eval *out, zhs_index *ix, zhs_analyzer *an, const char *qpath, size_t max,
                  const zhs_search_options *opts, FILE *run, zhs_error *err);



#endif
