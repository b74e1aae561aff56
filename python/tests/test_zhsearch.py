"""Tests of the zhsearch Python package on the sample corpus.

Run by ctest (tests/python.sh) against the build's libzhs.so:
    ZHSEARCH_LIBRARY=build/libzhs.so PYTHONPATH=python python3 -m unittest discover -s python/tests
ZHS_SOURCE_DIR (default: two folders up) locates corpus/sample and include/.
"""
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

import zhsearch
from zhsearch import _lib as L

SRC = os.environ.get("ZHS_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(SRC, "corpus", "sample")
QUERY = "个人信息 处理者"


class SampleIndex(unittest.TestCase):
    """An index of corpus/sample, built once for the class."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="zhsearch-py-")
        cls.idx = os.path.join(cls.tmp, "sample.idx")
        cls.stats = zhsearch.build_index(SAMPLE, cls.idx)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


class TestSearch(SampleIndex):
    def test_build_stats(self):
        self.assertGreater(self.stats.passages, 100)
        self.assertGreater(self.stats.files_read, 10)
        self.assertEqual(self.stats.warnings, [])

    def test_first_hit(self):
        with zhsearch.Index(self.idx) as ix:
            hits = ix.search(QUERY, k=10)
        self.assertIsInstance(hits, zhsearch.Results)
        self.assertEqual(len(hits), 10)
        top = hits[0]
        self.assertEqual(top.title, "澄海市个人信息保护条例")
        self.assertEqual(top.label, "第十条之一")
        self.assertEqual(top.heading, "第二章 处理规则")
        self.assertTrue(top.path.endswith("regulations/澄海市个人信息保护条例.md"), top.path)
        self.assertGreater(top.line, 1)
        self.assertTrue(top.text.startswith("第十条之一"), top.text)
        self.assertEqual(top.id, "regulations/澄海市个人信息保护条例.md#第十条之一")
        # adopted 2023-09-26, in force from 2024-01-01 (its front matter)
        self.assertEqual((top.date, top.in_force), ("2023-09-26", "2024-01-01"))
        self.assertEqual([h.rank for h in hits], list(range(1, 11)))
        scores = [h.score for h in hits]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertGreaterEqual(hits.matches, 10)

    def test_highlights_chars_and_bytes(self):
        with zhsearch.Index(self.idx) as ix:
            hits = ix.search(QUERY, k=20)
        self.assertTrue(hits)
        for h in hits:
            self.assertTrue(h.highlights, h.id)
            self.assertEqual(len(h.highlights), len(h.highlight_bytes))
            raw = h.text.encode("utf-8")
            last = -1
            for (s, e), (bs, be) in zip(h.highlights, h.highlight_bytes):
                self.assertLess(s, e)
                self.assertGreater(s, last)         # sorted, merged
                last = e
                self.assertEqual(h.text[s:e], raw[bs:be].decode("utf-8"))
                # every highlight is made of the query's words
                self.assertRegex(h.text[s:e], "^[个人信息处理者]+$")
        top = hits[0]
        s, e = top.highlights[0]
        self.assertEqual(top.text[s:e], "个人信息处理者")
        self.assertIn("[个人信息处理者]", top.marked())
        self.assertIn("<b>个人信息处理者</b>", top.marked("<b>", "</b>"))

    def test_k_and_count(self):
        with zhsearch.Index(self.idx) as ix:
            self.assertEqual(len(ix.search(QUERY, k=1)), 1)
            n = ix.count("个人信息")
            every = ix.search("个人信息", k=1000, exhaustive=True)
            self.assertTrue(every.matches_exact)
            self.assertEqual(n, every.matches)
            self.assertEqual(n, len(every))
            self.assertGreater(n, 20)
            with self.assertRaises(zhsearch.InvalidArgumentError):
                ix.search(QUERY, k=0)

    def test_warnings(self):
        with zhsearch.Index(self.idx) as ix:
            self.assertEqual(ix.search("个人信息").warnings, ())
            res = ix.search('"个人信息 处理者')    # the quote is never closed
            self.assertTrue(res, "a lenient reading still searches")
            self.assertEqual(len(res.warnings), 1)
            self.assertIn("quote", res.warnings[0])

    def test_operators(self):
        with zhsearch.Index(self.idx) as ix:
            hits = ix.search('"个人信息" -处理者', k=50)
            self.assertTrue(hits)
            for h in hits:      # title tokens count as the passage's (docs/RANKING.md)
                self.assertIn("个人信息", h.title + h.text)
                self.assertNotIn("处理者", h.title + h.text)
            for h in ix.search("title:澄海市 处理", k=50):
                self.assertIn("澄海市", h.title)

    def test_traditional_query(self):
        with zhsearch.Index(self.idx) as ix:
            self.assertEqual(ix.search("個人信息 處理者", k=1)[0].id, ix.search(QUERY, k=1)[0].id)

    def test_query_error(self):
        with zhsearch.Index(self.idx) as ix:
            with self.assertRaises(zhsearch.QueryError) as cm:
                ix.search('"，')
        e = cm.exception
        self.assertIsInstance(e, zhsearch.ZhsError)
        self.assertIsInstance(e, ValueError)
        self.assertEqual(e.status, L.EQUERY)
        self.assertEqual(e.name, "bad query")
        self.assertIn("nothing to search for", str(e))
        # BM25 parameters that are no numbers are refused, not read as the index's
        with zhsearch.Index(self.idx) as ix:
            for bad in ({"k1": float("inf")}, {"k1": float("nan")}, {"k1": 1e9}, {"b": float("nan")}, {"b": 2.0}):
                with self.assertRaises(zhsearch.InvalidArgumentError, msg=str(bad)):
                    ix.search(QUERY, k=3, **bad)
            self.assertTrue(ix.search(QUERY, k=3, k1=0))        # 0: the index's
            with self.assertRaises(zhsearch.InvalidArgumentError):
                ix.search(QUERY, all_versions=True, as_of="2020-01-01")     # every version, or one
            # everyday words add the statutes' wording unless told not to
            self.assertGreaterEqual(len(ix.search("精神损失费", k=50)), len(ix.search("精神损失费", k=50, expand=False)))
            with self.assertRaises(zhsearch.QueryError) as cm:
                ix.search("数据\ud800")
            self.assertIn("lone surrogate", str(cm.exception))

    def test_missing_index(self):
        missing = os.path.join(self.tmp, "no-such.idx")
        with self.assertRaises(zhsearch.NotFoundError) as cm:
            zhsearch.Index(missing)
        self.assertEqual(cm.exception.status, L.ENOTFOUND)
        self.assertIn(missing, str(cm.exception))

    def test_context_manager_closes(self):
        with zhsearch.Index(self.idx) as ix:
            self.assertFalse(ix.closed)
            ix.search(QUERY)
        self.assertTrue(ix.closed)
        with self.assertRaises(zhsearch.ZhsError) as cm:
            ix.search(QUERY)
        self.assertIn("closed", str(cm.exception))
        ix.close()                                  # twice is fine

    def test_info_and_files(self):
        with zhsearch.Index(self.idx) as ix:
            info = ix.info
            files = ix.files()
        self.assertEqual(info.engine, "native")
        self.assertTrue(info.shareable)
        self.assertEqual(info.passages, self.stats.passages)
        self.assertAlmostEqual(info.k1, 1.2)
        self.assertAlmostEqual(info.b, 0.5)
        self.assertIn("bigrams=1", info.analyzer)
        # built with the library's default: characters made at query time
        self.assertIn(" chars=w", info.analyzer)
        self.assertIn("postings", [f[0] for f in files])
        self.assertTrue(all(f[2] > 0 for f in files))

    def test_threads_share_an_index(self):
        queries = ["个人信息", "数据 安全", "人工智能", "处理者 告知", "网络"] * 4
        with zhsearch.Index(self.idx) as ix:
            expected = {q: [h.id for h in ix.search(q, k=5)] for q in set(queries)}
            got, errors = [], []

            def worker(q):
                try:
                    for _ in range(5):
                        got.append((q, [h.id for h in ix.search(q, k=5)]))
                except Exception as e:              # reported below
                    errors.append(e)

            threads = [threading.Thread(target=worker, args=(q,)) for q in queries]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(got), 5 * len(queries))
        for q, ids in got:
            self.assertEqual(ids, expected[q])

    def test_verify(self):
        zhsearch.verify(self.idx)                   # sound: no exception
        bad = os.path.join(self.tmp, "damaged.idx")
        shutil.copytree(self.idx, bad)
        post = [f for f in os.listdir(bad) if f.endswith(".post")][0]
        with open(os.path.join(bad, post), "r+b") as f:
            f.seek(200)
            b = f.read(1)
            f.seek(200)
            f.write(bytes([b[0] ^ 0xFF]))
        with self.assertRaises(zhsearch.CorruptIndexError) as cm:
            zhsearch.verify(bad)
        self.assertEqual(cm.exception.status, L.ECORRUPT)
        self.assertIn(post, str(cm.exception))


class TestBuild(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="zhsearch-py-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def corpus(self, files):
        d = os.path.join(self.tmp, "corpus")
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        return d

    def test_options_are_recorded(self):
        out = os.path.join(self.tmp, "o.idx")
        zhsearch.build_index([os.path.join(SAMPLE, "regulations")], out, k1=1.5, b=0.6,
                             title_weight=1, ram=16)
        with zhsearch.Index(out) as ix:
            self.assertAlmostEqual(ix.info.k1, 1.5)
            self.assertAlmostEqual(ix.info.b, 0.6)
            self.assertTrue(ix.search("个人信息"))

    def test_bad_options(self):
        out = os.path.join(self.tmp, "o.idx")
        with self.assertRaises(zhsearch.InvalidArgumentError) as cm:
            zhsearch.build_index(SAMPLE, out, engine="lucene")
        self.assertIn("lucene", str(cm.exception))
        with self.assertRaises(zhsearch.InvalidArgumentError):
            zhsearch.build_index(SAMPLE, out, b=2.0)
        with self.assertRaises(zhsearch.InvalidArgumentError):
            zhsearch.build_index(SAMPLE, out, ram=0)
        with self.assertRaises(zhsearch.InvalidArgumentError) as cm:
            zhsearch.build_index(SAMPLE, out, title_weight=-2)
        self.assertIn("title_weight", str(cm.exception))
        self.assertFalse(os.path.exists(os.path.join(out, "MANIFEST")))
        built = os.path.join(self.tmp, "ok.idx")
        zhsearch.build_index(SAMPLE, built)
        with zhsearch.Index(built) as ix:
            with self.assertRaises(TypeError) as cm:
                ix.search(QUERY, filter=5)
            self.assertIn("filter", str(cm.exception))
            with self.assertRaises(zhsearch.InvalidArgumentError):
                ix.search(QUERY, as_of="2020\0-01-01")

    def test_warnings_and_callbacks(self):
        d = self.corpus({"a.md": "# 甲法\n\n第一条 个人信息受法律保护。\n".encode(),
                         "b.txt": b"\x00\x01binary\x00",
                         "c.pdf": b"%PDF-1.4"})
        seen, phases = [], []
        stats = zhsearch.build_index(d, os.path.join(self.tmp, "w.idx"),
                                     on_warning=lambda p, m: seen.append(p),
                                     progress=lambda p: phases.append(p["phase"]))
        self.assertEqual(stats.passages, 1)
        self.assertEqual(stats.files_read, 1)
        self.assertEqual(stats.files_skipped, 2)
        self.assertEqual(sorted(os.path.basename(p) for p, _ in stats.warnings), ["b.txt", "c.pdf"])
        self.assertEqual(sorted(os.path.basename(p) for p in seen), ["b.txt", "c.pdf"])
        self.assertEqual(phases[-1], "done")

    def test_failed_build_keeps_the_old_index(self):
        d = self.corpus({"a.md": "# 甲法\n\n第一条 个人信息受法律保护。\n".encode(),
                         "b.txt": b"\x00binary"})
        out = os.path.join(self.tmp, "keep.idx")
        zhsearch.build_index(SAMPLE, out)
        with zhsearch.Index(out) as ix:
            before = (ix.info.generation, ix.info.passages)

        def stop(path, message):
            raise KeyboardInterrupt("stop")

        with self.assertRaises(KeyboardInterrupt):
            zhsearch.build_index(d, out, on_warning=stop, replace=True)
        with zhsearch.Index(out) as ix:
            self.assertEqual((ix.info.generation, ix.info.passages), before)

    def test_a_wrong_corpus_path_writes_nothing(self):
        """As 'zhs index': a typo in a path, an empty corpus or another
        corpus's index never empties or replaces the index there."""
        out = os.path.join(self.tmp, "guard.idx")
        zhsearch.build_index(SAMPLE, out)
        with zhsearch.Index(out) as ix:
            before = (ix.info.generation, ix.info.passages)
        self.assertGreater(before[1], 0)
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty)
        other = self.corpus({"a.md": "# 甲法\n\n第一条 个人信息受法律保护。\n".encode()})
        for paths, says in (([os.path.join(self.tmp, "nope")], "no such file"),
                            ([SAMPLE, os.path.join(SAMPLE, "news")], "inside"),
                            ([SAMPLE, SAMPLE], "given twice"),
                            ([empty], "replace=True"),
                            ([other], "replace=True"),
                            ([empty], "no passages")):
            with self.assertRaises(zhsearch.InvalidArgumentError) as cm:
                zhsearch.build_index(paths, out, replace=says == "no passages")
            self.assertIn(says, str(cm.exception))
            with zhsearch.Index(out) as ix:
                self.assertEqual((ix.info.generation, ix.info.passages), before, paths)
        # asked for, another corpus replaces it; the same corpus rebuilds it
        stats = zhsearch.build_index(other, out, replace=True)
        with zhsearch.Index(out) as ix:
            self.assertEqual(ix.info.passages, stats.passages)
        self.assertEqual(stats.passages, 1)
        zhsearch.build_index(other, out)
        # the files are recorded as 'zhs index' records them: an update finds them unchanged
        zhs = os.path.join(os.path.dirname(os.environ.get("ZHSEARCH_LIBRARY", "")), "zhs")
        if os.path.exists(zhs):     # the CLI beside the library (tests/python.sh runs so)
            import subprocess
            run = subprocess.run([zhs, "index", "--update", "-o", out, other], capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stderr)
            self.assertIn("1 unchanged", run.stdout + run.stderr)
        # an empty folder as a new index: an error, and no index
        with self.assertRaises(zhsearch.InvalidArgumentError):
            zhsearch.build_index(empty, os.path.join(self.tmp, "none.idx"))
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "none.idx", "MANIFEST")))

    def test_an_exception_while_recording_a_file_stops_the_build(self):
        """A Ctrl-C in the per-file callback must not publish an index
        without that file: the build stops and the exception comes back."""
        out = os.path.join(self.tmp, "stop.idx")
        zhsearch.build_index(SAMPLE, out)
        with zhsearch.Index(out) as ix:
            before = (ix.info.generation, ix.info.passages)
        real = L.Source

        class Interrupted(real):
            def __init__(self, *a):
                raise KeyboardInterrupt("stop")

        L.Source = Interrupted
        try:
            with self.assertRaises(KeyboardInterrupt):
                zhsearch.build_index(SAMPLE, out)
        finally:
            L.Source = real
        with zhsearch.Index(out) as ix:
            self.assertEqual((ix.info.generation, ix.info.passages), before)

    def test_paths_in_a_list_and_pathlike(self):
        import pathlib
        out = pathlib.Path(self.tmp) / "p.idx"
        stats = zhsearch.build_index([pathlib.Path(SAMPLE) / "news", os.path.join(SAMPLE, "faq.jsonl")],
                                     out)
        with zhsearch.Index(out) as ix:
            self.assertEqual(ix.info.passages, stats.passages)
        self.assertGreater(stats.files_read, 2)

    def test_xapian_engine(self):
        if "xapian" not in zhsearch.engines():
            self.skipTest("this libzhs has no Xapian engine")
        out = os.path.join(self.tmp, "x.idx")
        zhsearch.build_index(SAMPLE, out, engine="xapian")
        with zhsearch.Index(out) as ix:
            self.assertEqual(ix.info.engine, "xapian")
            self.assertFalse(ix.info.shareable)
            top = ix.search(QUERY, k=3)[0]
            self.assertEqual(top.title, "澄海市个人信息保护条例")
            self.assertTrue(top.highlights)
            # Xapian makes no character lists: its index keeps every
            # character term, so a one-character query finds what the
            # native index (which makes them) finds
            self.assertIn(" chars=1", ix.info.analyzer)
            xapian_count = ix.count("罚")
        native = os.path.join(self.tmp, "n.idx")
        zhsearch.build_index(SAMPLE, native)
        with zhsearch.Index(native) as ix:
            self.assertIn(" chars=w", ix.info.analyzer)
            self.assertEqual(xapian_count, ix.count("罚"))


class TestAnalyzer(unittest.TestCase):
    def test_tokens_and_offsets(self):
        text = "ＡＩ治理與個人資料保護"
        toks = zhsearch.analyze(text)
        self.assertEqual(toks[0].text, "ai")
        self.assertEqual(toks[0].kind, "latin")
        self.assertEqual((toks[0].start, toks[0].end), (0, 2))
        self.assertEqual((toks[0].byte_start, toks[0].byte_end), (0, 6))
        raw = text.encode("utf-8")
        for t in toks:
            self.assertEqual(t.original, text[t.start:t.end])
            self.assertEqual(t.original, raw[t.byte_start:t.byte_end].decode("utf-8"))
        kinds = {t.kind for t in toks}
        self.assertEqual(kinds, {"latin", "word", "bigram", "char"})
        self.assertIn("个人", [t.text for t in toks])           # folded to simplified

    def test_configuration(self):
        toks = zhsearch.analyze("個人資料保護", bigrams=False, fold_traditional=False)
        self.assertNotIn("bigram", {t.kind for t in toks})
        self.assertNotIn("个人", [t.text for t in toks])
        with zhsearch.Analyzer(words=False) as an:
            # the default keeps only characters OpenCC folded away: none here
            self.assertEqual({t.kind for t in an.analyze("个人信息保护")}, {"bigram"})
            self.assertEqual(an.config["chars"], "written")
            self.assertIn("words=0", an.fingerprint)
            self.assertEqual(an.config["words"], False)
            self.assertEqual(an.config["article_terms"], True)    # the library's default
        with zhsearch.Analyzer(words=False, chars=True) as an:
            self.assertEqual({t.kind for t in an.analyze("个人信息保护")}, {"bigram", "char"})
            self.assertEqual(an.config["chars"], "all")
            self.assertIn(" chars=1", an.fingerprint)
        for value, name in (("all", "all"), ("written", "written"), (False, "written"), ("none", "none")):
            with zhsearch.Analyzer(chars=value) as an:
                self.assertEqual(an.config["chars"], name)
        # names and booleans only: 0 and 2 (the C enum's values) are refused,
        # not read as False/True
        for value in ("some", 0, 2, []):
            with self.assertRaises(zhsearch.InvalidArgumentError):
                zhsearch.Analyzer(chars=value)
        with zhsearch.Analyzer(article_terms=False) as an:
            self.assertEqual(an.config["article_terms"], False)
            self.assertNotIn("arts=1", an.fingerprint)
        # a number and its unit: two tokens by default, one without number_units
        with zhsearch.Analyzer() as an:
            self.assertEqual(an.config["number_units"], True)
            self.assertIn(" units=1", an.fingerprint)
            self.assertEqual([t.text for t in an.analyze("0.1MPa")], ["0.1", "mpa"])
        with zhsearch.Analyzer(number_units=False) as an:
            self.assertEqual(an.config["number_units"], False)
            self.assertNotIn("units=1", an.fingerprint)
            self.assertEqual([t.text for t in an.analyze("0.1MPa")], ["0.1mpa"])
        with self.assertRaises(zhsearch.ZhsError):
            an.analyze("x")                                     # closed

    def test_segment_and_bytes(self):
        self.assertEqual(zhsearch.segment("个人信息处理者应当告知"),
                         ["个人信息处理者", "应当", "告知"])
        self.assertEqual([t.text for t in zhsearch.analyze("数据".encode())][:1], ["数据"])
        self.assertEqual(zhsearch.analyze(""), [])
        with self.assertRaises(TypeError):
            zhsearch.analyze(42)


class TestLibrary(unittest.TestCase):
    def test_not_found_names_the_variable(self):
        env = dict(os.environ, ZHSEARCH_LIBRARY="/nonexistent/libzhs.so")
        code = ("import zhsearch\n"
                "try:\n    zhsearch.analyze('x')\n"
                "except zhsearch.LibraryNotFoundError as e:\n    print('LNF', e)\n")
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, check=True)
        self.assertIn("LNF libzhs.so not found: set ZHSEARCH_LIBRARY", out.stdout)

    def test_struct_layouts_match_the_header(self):
        """Every struct of zhs.h: size and each field's offset as the C
        compiler lays them out, against the ctypes mirror."""
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            self.skipTest("no C compiler to read the layouts")
        lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "zhs.h"', "int main(void) {"]
        expect = []
        for cname, cls in L.STRUCTS.items():
            lines.append('printf("%%zu\\n", sizeof(%s));' % cname)
            expect.append("%s size %d" % (cname, ctypes.sizeof(cls)))
            for fname, _ in cls._fields_:
                lines.append('printf("%%zu\\n", offsetof(%s, %s));' % (cname, fname))
                expect.append("%s.%s at %d" % (cname, fname, getattr(cls, fname).offset))
        lines.append("return 0; }")
        with tempfile.TemporaryDirectory() as d:
            src, exe = os.path.join(d, "abi.c"), os.path.join(d, "abi")
            with open(src, "w") as f:
                f.write("\n".join(lines))
            subprocess.run([cc, "-std=c11", "-I", os.path.join(SRC, "include"), src, "-o", exe],
                           check=True)
            out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split()
        got = [e.rsplit(" ", 1)[0] + " " + v for e, v in zip(expect, out)]
        self.assertEqual(len(out), len(expect))
        self.assertEqual(got, expect)



class TestRepeals(unittest.TestCase):
    """A regulation that a later law's text repeals says so in its hits."""

    def test_repealed(self):
        with tempfile.TemporaryDirectory() as d:
            corpus = os.path.join(d, "c")
            os.makedirs(corpus)
            with open(os.path.join(corpus, "青禾省林地条例(2001-05-01).md"), "w", encoding="utf-8") as f:
                f.write("# 青禾省林地条例\n\n第一条 林地征收应当补偿。\n")
            with open(os.path.join(corpus, "青禾省森林法(2019-03-01).md"), "w", encoding="utf-8") as f:
                f.write("# 青禾省森林法\n\n第一条 林地征收依法补偿。\n\n"
                        "第九条 本法自2019年10月1日起施行。《青禾省林地条例》同时废止。\n")
            idx = os.path.join(d, "i")
            zhsearch.build_index(corpus, idx)
            with zhsearch.Index(idx) as ix:
                hits = {h.title: h for h in ix.search("林地征收", k=10)}
                gone = ix.search("林地征收", k=10, as_of="2020-01-01")
        old, new = hits["青禾省林地条例"], hits["青禾省森林法"]
        self.assertEqual((old.repealed, old.repealed_by, old.repealed_by_date),
                         ("2019-10-01", "青禾省森林法", "2019-03-01"))
        self.assertEqual((new.repealed, new.repealed_by), ("", ""))
        self.assertEqual([h.title for h in gone if h.title == "青禾省林地条例"], [])


if __name__ == "__main__":
    unittest.main()
