/*
 * LuceneBench.java — the optional Lucene 8 peer of 'zhs bench'.
 *
 * zhs bench writes what this program needs, already analyzed by zhs, so
 * that Lucene indexes and searches the very terms zhs does:
 *   DOCS     one line per passage, in zhs's passage order:
 *            "BODY<TAB>TITLE", each a space-separated list of terms sorted
 *            by position; a term is "key" or "key<US>inc" when its position
 *            increment is not 1 (0: a word and the bigram starting at the
 *            same character).  Title-field terms carry zhs's "T" prefix.
 *   QUERIES  one line per query: "index<TAB>TERMS<TAB>CLAUSE..." with
 *            TERMS the scoring terms "key<US>qtf" and each CLAUSE "+" (required)
 *            or "-" (excluded) followed by its elements "key<US>qpos".
 * The query becomes what zhs runs: a BooleanQuery of SHOULD term queries
 * (boosted by qtf) scored with BM25Similarity(k1, b), required clauses as
 * non-scoring FILTERs (a TermQuery, or a PhraseQuery at zhs's positions),
 * excluded ones as MUST_NOT.  discountOverlaps is off so that a passage's
 * length counts every token, as zhs's does.
 *
 * Protocol: warm-up passes over every query and mode (at least `warmups`,
 * and for at least 10 s when warmups > 1), then per mode every
 * query `reps` times in shuffled order; the median per query is printed.
 * Modes: TOP_10 and TOP_100 are IndexSearcher.search(q, k) (Lucene's
 * default: exact counts only up to 1000 hits, so block-max WAND may prune),
 * COUNT is IndexSearcher.count(q).  The query cache is off: every run
 * must do the work.
 *
 * Output lines:  index <s> <docs> <bytes> <version>
 *                lat <mode> <query> <median ms> <matches>
 *                top <query> <doc>...     (TOP_10 docs of the first pass)
 *
 * usage: java -cp lucene-core.jar:. LuceneBench DOCS QUERIES INDEXDIR k1 b reps seed warmups OUT
 */
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LogDocMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Version;

public final class LuceneBench {
    static final String[] MODES = {"TOP_10", "TOP_100", "COUNT"};
    static final char US = '\u001f';
    static final long WARM_SECONDS = 10;

    /** Terms already analyzed by zhs: "key" or "key<US>increment". */
    static final class PreTokenized extends TokenStream {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final PositionIncrementAttribute inc = addAttribute(PositionIncrementAttribute.class);
        private final String[] toks;
        private int i;

        PreTokenized(String line) {
            toks = line.isEmpty() ? new String[0] : line.split(" ");
        }

        @Override
        public boolean incrementToken() {
            if (i >= toks.length) return false;
            clearAttributes();
            String t = toks[i++];
            int sep = t.indexOf(US);
            int pi = 1;
            if (sep >= 0) {
                pi = Integer.parseInt(t.substring(sep + 1));
                t = t.substring(0, sep);
            }
            term.setEmpty().append(t);
            inc.setPositionIncrement(pi);
            return true;
        }

        @Override
        public void reset() throws IOException {
            super.reset();
            i = 0;
        }
    }

    static FieldType fieldType(boolean norms) {
        FieldType ft = new FieldType();
        ft.setIndexOptions(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS);
        ft.setTokenized(true);
        ft.setStored(false);
        ft.setOmitNorms(!norms);
        ft.freeze();
        return ft;
    }

    static int index(Path docs, Path dir, BM25Similarity sim) throws IOException {
        IndexWriterConfig cfg = new IndexWriterConfig(new StandardAnalyzer());
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        cfg.setSimilarity(sim);
        cfg.setRAMBufferSizeMB(256);
        // merges only adjacent segments: Lucene's doc ids stay zhs's passage numbers
        cfg.setMergePolicy(new LogDocMergePolicy());
        FieldType body = fieldType(true), title = fieldType(false);
        int n = 0;
        try (IndexWriter w = new IndexWriter(FSDirectory.open(dir), cfg);
             BufferedReader in = Files.newBufferedReader(docs, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                int tab = line.indexOf('\t');
                String b = tab >= 0 ? line.substring(0, tab) : line, t = tab >= 0 ? line.substring(tab + 1) : "";
                Document d = new Document();
                d.add(new Field("b", new PreTokenized(b), body));
                if (!t.isEmpty()) d.add(new Field("t", new PreTokenized(t), title));
                w.addDocument(d);
                n++;
            }
            w.forceMerge(1);
            w.commit();
        }
        return n;
    }

    static Term term(String key) {
        // zhs's title-field keys start with 'T'; body keys never do (case-folded)
        return new Term(key.startsWith("T") ? "t" : "b", key);
    }

    static Query parse(String line) {
        String[] f = line.split("\t", -1);
        BooleanQuery.Builder bq = new BooleanQuery.Builder();
        for (String t : f[1].split(" ")) {
            if (t.isEmpty()) continue;
            int u = t.indexOf(US);
            int qtf = Integer.parseInt(t.substring(u + 1));
            Query q = new TermQuery(new Term("b", t.substring(0, u)));
            if (qtf != 1) q = new BoostQuery(q, qtf);
            bq.add(q, BooleanClause.Occur.SHOULD);
        }
        for (int i = 2; i < f.length; i++) {
            if (f[i].isEmpty()) continue;
            boolean required = f[i].charAt(0) == '+';
            String[] el = f[i].substring(1).split(" ");
            Query cq;
            if (el.length == 1) {
                cq = new TermQuery(term(el[0].substring(0, el[0].indexOf(US))));
            } else {
                PhraseQuery.Builder pb = new PhraseQuery.Builder();
                for (String e : el) {
                    int u = e.indexOf(US);
                    pb.add(term(e.substring(0, u)), Integer.parseInt(e.substring(u + 1)));
                }
                cq = pb.build();
            }
            bq.add(cq, required ? BooleanClause.Occur.FILTER : BooleanClause.Occur.MUST_NOT);
        }
        return bq.build();
    }

    static long sink;

    /** Runs q in a mode; returns the match count (a lower bound in TOP modes). */
    static long run(IndexSearcher s, Query q, int mode, int[] top) throws IOException {
        if (mode == 2) return s.count(q);
        TopDocs td = s.search(q, mode == 0 ? 10 : 100);
        if (top != null) {
            Arrays.fill(top, -1);
            for (int i = 0; i < Math.min(top.length, td.scoreDocs.length); i++) top[i] = td.scoreDocs[i].doc;
        }
        for (ScoreDoc sd : td.scoreDocs) sink += sd.doc;
        return td.totalHits.value;
    }

    static long dirSize(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    public static void main(String[] a) throws Exception {
        if (a.length != 9) {
            System.err.println("usage: LuceneBench DOCS QUERIES INDEXDIR k1 b reps seed warmups OUT");
            System.exit(2);
        }
        Path docs = Paths.get(a[0]), queries = Paths.get(a[1]), dir = Paths.get(a[2]);
        float k1 = Float.parseFloat(a[3]), b = Float.parseFloat(a[4]);
        int reps = Integer.parseInt(a[5]), warm = Integer.parseInt(a[7]);
        long seed = Long.parseLong(a[6]);
        BM25Similarity sim = new BM25Similarity(k1, b);
        sim.setDiscountOverlaps(false);
        try (PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(
                new FileOutputStream(a[8]), StandardCharsets.UTF_8)))) {
            long t0 = System.nanoTime();
            int ndocs = index(docs, dir, sim);
            double secs = (System.nanoTime() - t0) / 1e9;
            out.printf("index\t%.3f\t%d\t%d\t%s%n", secs, ndocs, dirSize(dir), Version.LATEST);
            List<Query> qs = new ArrayList<>();
            for (String line : Files.readAllLines(queries, StandardCharsets.UTF_8))
                if (!line.isEmpty()) qs.add(parse(line));
            try (DirectoryReader r = DirectoryReader.open(FSDirectory.open(dir))) {
                IndexSearcher s = new IndexSearcher(r);
                s.setSimilarity(sim);
                s.setQueryCache(null);
                int nq = qs.size();
                long[][] matches = new long[3][nq];
                int[] top = new int[10];
                // the JIT needs many calls: at least `warm` passes, and with
                // more than one, passes until WARM_SECONDS have gone by
                long warmEnd = System.nanoTime() + (warm > 1 ? WARM_SECONDS * 1_000_000_000L : 0);
                for (int w = 0; w < warm || System.nanoTime() < warmEnd; w++)
                    for (int m = 0; m < 3; m++)
                        for (int i = 0; i < nq; i++) {
                            boolean first = w == 0 && m == 0;
                            matches[m][i] = run(s, qs.get(i), m, first ? top : null);
                            if (!first) continue;
                            StringBuilder sb = new StringBuilder("top\t").append(i).append('\t');
                            for (int d : top)
                                if (d >= 0) sb.append(d).append(' ');
                            out.println(sb.toString().trim());
                        }
                Random rnd = new Random(seed);
                for (int m = 0; m < 3; m++) {
                    int[] task = new int[nq * reps];
                    for (int i = 0; i < task.length; i++) task[i] = i % nq;
                    for (int i = task.length - 1; i > 0; i--) {
                        int j = rnd.nextInt(i + 1), t = task[i];
                        task[i] = task[j];
                        task[j] = t;
                    }
                    double[][] ms = new double[nq][reps];
                    int[] done = new int[nq];
                    for (int qi : task) {
                        long t1 = System.nanoTime();
                        run(s, qs.get(qi), m, null);
                        ms[qi][done[qi]++] = (System.nanoTime() - t1) / 1e6;
                    }
                    for (int i = 0; i < nq; i++) {
                        Arrays.sort(ms[i]);
                        double med = reps % 2 == 1 ? ms[i][reps / 2] : (ms[i][reps / 2 - 1] + ms[i][reps / 2]) / 2;
                        out.printf("lat\t%s\t%d\t%.6f\t%d%n", MODES[m], i, med, matches[m][i]);
                    }
                }
            }
        }
        if (sink == 42) System.err.print("");
    }
}
