/*
** clause.h — the clauses of a document's text about the document itself,
** which the metadata builder (meta.h) turns into the day a version is in
** force from and the day it is repealed.  Both readers look at what the
** text says in its own voice: a clause inside quotation marks (an
** amendment quoting a new article) is not read.
*/
#ifndef ZHS_CLAUSE_H
#define ZHS_CLAUSE_H

#include "common.h"

/* Where a text says when its document takes effect: the last clause
** 本<name>自<day>起施行 (实施, 生效, 执行; 从 or 于 for 自) in it, the name one to
** eight CJK characters (本法, 本条例, 本实施细则).  The day is a date
** (2024年7月1日, 二〇二一年三月一日, spaces between allowed) or one that
** ends in 之日 (自公布之日起施行: the document's own date).  Returns
** ZHS_EFFECTIVE_NONE, ZHS_EFFECTIVE_DATE (*date = YYYYMMDD) or
** ZHS_EFFECTIVE_ITS_DATE. */
enum { ZHS_EFFECTIVE_NONE, ZHS_EFFECTIVE_DATE, ZHS_EFFECTIVE_ITS_DATE };
int zhs_effective_clause(const char *s, size_t n, uint32_t *date);

/* The documents a text repeals: each title in 《》 of a clause
**   《甲》（法释〔2001〕1号）、《乙》和2002年…通过的《丙》同时废止
**   (即行废止, 自行废止, 自本法施行之日起废止, 自…之日起即行废止; 廢止)
** (titles side by side or joined by 、 ， 和 及 与 以及; one after 根据, 依据,
** 依照, 按照 or 参照 is cited, and ends the list) or of a
** decision's item
**   废止《甲》（1992年9月19日…通过）  (after a list number 一、, 决定, 決定,
**   同时 or the start of a sentence; 关于废止《甲》的决定 and 修改、废止 are
**   not; the list ends its sentence or clause: 。；， or the line's end)
** given to fn(ctx, title, length) in the order of the text, the brackets
** left out, at most 64 titles a clause.  A clause that repeals part of a
** document (《甲》中有关…的规定同时废止) gives nothing, nor one inside a
** quotation (the paragraph's, as for zhs_effective_clause).  Linear in n.  Returns the first non-zero value fn returns,
** else 0. */
typedef int (*zhs_repeal_fn)(void *ctx, const char *title, size_t n);
int zhs_repeal_clauses(const char *s, size_t n, zhs_repeal_fn fn, void *ctx);

#endif
